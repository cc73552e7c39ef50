"""One console world per test session: a generated world in a SQLite store, analysed, with an account per role.

Creating accounts hashes passwords with argon2id (deliberately slow), so
the world is built once and shared; tests that change triage state use
posts of their own choosing and never assert on global counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from console_world import ConsoleWorld, fill_world, make_accounts, open_case

from leaktrace.core.keyring import Keyring
from leaktrace.core.settings import Settings
from leaktrace.pipeline.context import Context

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from records_world import Dumps


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


@pytest.fixture(scope="module")
def app(console_world: ConsoleWorld) -> object:
    """The console over the session's world, for TestClient (a module may override it)."""
    from leaktrace.web.app import create_app

    return create_app(console_world.ctx)


@pytest.fixture(scope="module")
def dumps(console_world: ConsoleWorld) -> Dumps:
    """Analysed dumps with kept attributions, added to the world by the module that asks (records_world)."""
    from records_world import add_dumps

    return add_dumps(console_world.ctx, console_world.root)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium, one per browser-test module (which calls `browser_kit.require_chromium()`)."""
    from browser_kit import launched_browser

    with launched_browser() as b:
        yield b
