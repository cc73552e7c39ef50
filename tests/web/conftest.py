"""One console world per test session: a generated world in a SQLite store, analysed, with an account per role.

Creating accounts hashes passwords with argon2id (deliberately slow), so
the world is built once and shared; tests that change triage state use
posts of their own choosing and never assert on global counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from console_world import ConsoleWorld, fill_world, make_accounts, open_case

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context


@pytest.fixture(scope="session")
def console_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleWorld]:
    root = tmp_path_factory.mktemp("console")
    ctx = Context(Settings(data_dir=root / "data"), keyring=Keyring.generate())
    try:
        fill_world(ctx, root / "world")
        accounts = make_accounts(ctx)
        open_case(ctx, "LT-MEMBERS", ["analyst1"])
        open_case(ctx, "LT-OTHER", ["analyst2"])
        yield ConsoleWorld(ctx, accounts, root)
    finally:
        ctx.close()
