"""One engine factory for both backends, so no other code ever branches on the database.

SQLite (the embedded default) gets WAL, so readers never block the single
writer, enforced foreign keys (off by default in SQLite) and a busy timeout
instead of instant "database is locked" errors. PostgreSQL URLs are pinned
to psycopg 3 whatever driver prefix the user wrote.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import ConfigError
from leaktrace.core.settings import Settings, get_settings

SQLITE_BUSY_MS = 30_000


def resolve_url(settings: Settings) -> URL:
    """The database URL the settings select, with the PostgreSQL driver normalised."""
    raw = settings.database_url or settings.sqlite_url
    try:
        url = make_url(raw)
    except ArgumentError as exc:
        raise ConfigError(f"database_url: cannot parse {raw!r} as a database URL") from exc
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url
    raise ConfigError(
        f"database_url: backend {backend!r} is not supported; use sqlite:///PATH or postgresql://..."
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
    finally:
        cur.close()


def make_engine(
    settings: Settings | None = None,
    *,
    url: str | URL | None = None,
    connect_args: dict[str, Any] | None = None,
    **engine_kwargs: Any,
) -> Engine:
    """An engine for `url`, else `settings.database_url`, else SQLite in the data directory."""
    settings = settings or get_settings()
    target = make_url(url) if url is not None else resolve_url(settings)
    if target.get_backend_name() in ("postgresql", "postgres"):
        target = target.set(drivername="postgresql+psycopg")
    args = dict(connect_args or {})
    if target.get_backend_name() == "sqlite":
        if target.database and target.database != ":memory:":
            from pathlib import Path

            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(target, connect_args=args, **engine_kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine_kwargs.setdefault("pool_pre_ping", True)
    return create_engine(target, connect_args=args, **engine_kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded rows usable after commit (repositories return them)."""
    return sessionmaker(engine, expire_on_commit=False)


def describe(engine: Engine) -> str:
    """The engine's URL with any password hidden, safe for logs and CLI output."""
    return engine.url.render_as_string(hide_password=True)
