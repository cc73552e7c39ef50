"""Run the package's own Alembic migrations without an alembic.ini in the working directory.

The migrations ship inside the package, so `leaktrace db upgrade` works from
an installed wheel. On PostgreSQL an advisory lock serialises concurrent
upgrades (two workers starting at once must not both create the tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from leaktrace.core.errors import ConfigError
from leaktrace.store.engine import describe
from leaktrace.store.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary but fixed key for pg_advisory_xact_lock ("leaktrace" in ASCII, truncated).
_PG_LOCK_KEY = 0x6C65616B7472


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the shipped migrations, optionally bound to a connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _begin(engine: Engine) -> Iterator[Connection]:
    try:
        conn_cm = engine.begin()
        conn = conn_cm.__enter__()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(f"database {describe(engine)}: cannot connect: {reason}") from exc
    try:
        yield conn
    except BaseException as exc:
        conn_cm.__exit__(type(exc), exc, exc.__traceback__)
        raise
    conn_cm.__exit__(None, None, None)


def head() -> str:
    """The newest revision the installed package knows."""
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None, "the package ships no migrations"
    return rev


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never upgraded."""
    with _begin(engine) as conn:
        return _current(conn)


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to `revision`; returns (before, after)."""
    with _begin(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        before = _current(conn)
        command.upgrade(alembic_config(conn), revision)
        after = _current(conn)
    return before, after


def check(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database; empty when they agree."""
    with _begin(engine) as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(ctx, Base.metadata)
    return [d for d in diffs if not _is_alembic_table(d)]


def _is_alembic_table(diff: Any) -> bool:
    return (
        isinstance(diff, tuple)
        and len(diff) > 1
        and getattr(diff[1], "name", None) == "alembic_version"
    )
