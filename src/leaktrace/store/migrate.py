"""Run the package's own Alembic migrations without an alembic.ini in the working directory.

The migrations ship inside the package, so `leaktrace db upgrade` works from
an installed wheel. On PostgreSQL an advisory lock serialises concurrent
upgrades (two workers starting at once must not both create the tables).

Alembic is imported only when there is something to do: every process that
opens the store checks it is at the head revision, and a store already
there is recognised from the migration files' own `revision` and
`down_revision` lines (`_shipped_head`), which spares the console's start
the import of Alembic. Anything those lines do not say plainly (a merge, a
branch) leaves the decision to Alembic.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

from leaktrace.core.errors import ConfigError
from leaktrace.store.engine import describe
from leaktrace.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary but fixed key for pg_advisory_xact_lock ("leaktrace" in ASCII, truncated).
_PG_LOCK_KEY = 0x6C65616B7472


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic Config pointing at the shipped migrations, optionally bound to a connection."""
    from alembic.config import Config

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
    from alembic.script import ScriptDirectory

    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None, "the package ships no migrations"
    return rev


def _current(conn: Connection) -> str | None:
    from alembic.migration import MigrationContext

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
        if revision == "head":
            at = _stamped(conn)
            if at is not None and at == _shipped_head():
                return at, at
        from alembic import command

        before = _current(conn)
        command.upgrade(alembic_config(conn), revision)
        after = _current(conn)
    return before, after


_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*['\"]([\w-]+)['\"]\s*$", re.M)
_DOWN = re.compile(r"^down_revision(?:\s*:[^=]+)?\s*=\s*(?:None|['\"]([\w-]+)['\"])\s*$", re.M)


@lru_cache(maxsize=1)
def _shipped_head() -> str | None:
    """The one head of a plain chain of shipped migrations, read from their files; None when unsure."""
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(source), _DOWN.findall(source)
        if path.name == "__init__.py" and not rev:
            continue
        if len(rev) != 1 or len(down) != 1:
            return None  # a merge, a branch label or another spelling: Alembic decides
        revisions.add(rev[0])
        if down[0]:
            downs.add(down[0])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 and len(revisions) == len(downs) + 1 else None


def _stamped(conn: Connection) -> str | None:
    """The revision in alembic_version, if the table holds exactly one; None otherwise."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    return str(rows[0][0]) if len(rows) == 1 else None


def check(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database; empty when they agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

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
