"""A migrated store on SQLite and on PostgreSQL for the service tests, and helpers to make accounts.

SQLite starts from the session's migrated template; PostgreSQL from one
migrated schema per session, emptied before each test. The PostgreSQL cases
skip without a server, except under CI=true, where they fail.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from sqlalchemy import text

from leaktrace.core.settings import Settings, get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service import accounts
from leaktrace.service.access import Principal, Role, local_operator
from leaktrace.store import make_engine, upgrade
from leaktrace.store.models import Base

NEW_PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def _pg_identity_url(pg_new_schema_url: Callable[[], str]) -> str:
    url = pg_new_schema_url()
    engine = make_engine(url=url)
    upgrade(engine)
    engine.dispose()
    return url


def backend_settings(request: pytest.FixtureRequest, backend: str, **overrides: Any) -> Settings:
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), settings.data_dir / "leaktrace.sqlite")
        return settings.model_copy(update=overrides)
    url = request.getfixturevalue("_pg_identity_url")
    engine = make_engine(url=url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return settings.model_copy(update={"database_url": url, **overrides})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ctx(request: pytest.FixtureRequest) -> Iterator[Context]:
    with open_context(backend_settings(request, request.param), migrate=False) as c:
        yield c


@pytest.fixture
def shell() -> Principal:
    return local_operator("tester")


def make_user(ctx: Context, name: str, role: Role, *, org: str | None = None) -> tuple[Principal, str | None]:
    """An account that has set its own password (and enrolled TOTP where its role needs it): (principal, seed)."""
    _, otp = accounts.create_user(ctx, name, role, org_id=org, actor=local_operator("tester"))
    seed = None
    code = None
    if role in accounts.TOTP_ROLES:
        seed = accounts.enroll_totp(ctx, name).secret
        code = pyotp.TOTP(seed).now()
    p = accounts.change_password(ctx, name, otp, NEW_PASSWORD, code, "10.0.0.9")
    return p, seed
