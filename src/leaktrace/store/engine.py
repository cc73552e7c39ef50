"""One engine factory for both backends, so no other code ever branches on the database.

SQLite (the embedded default) gets WAL, so readers never block the single
writer, enforced foreign keys (off by default in SQLite) and a busy timeout
instead of instant "database is locked" errors. PostgreSQL URLs are pinned
to psycopg 3 whatever driver prefix the user wrote. A SQLite file (and
its -wal, -shm and -journal files) is owner-only whatever the umask.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import ConfigError
from leaktrace.core.private_files import FILE_MODE, private_dir
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


SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _private_sqlite_file(path: Path) -> None:
    """The database file made owner-only before SQLite opens it (its folder too, when made here).

    The file holds case titles, the victim company and seller identifiers.
    SQLite creates it 0644 under the usual umask, and gives its -wal, -shm
    and -journal files the main file's mode: so the file is created 0600
    here, and a file (and side files) left group- or world-readable by an
    older version is narrowed to 0600 when it is ours.
    """
    private_dir(path.parent)
    with contextlib.suppress(FileExistsError):  # an empty file is an empty database to SQLite
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for p in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDE_FILES)):
        try:
            st = p.stat()
            if st.st_mode & 0o077 and st.st_uid == os.getuid():
                os.chmod(p, FILE_MODE)
        except FileNotFoundError:
            continue


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
        if target.database and target.database != ":memory:" and not target.database.startswith("file:"):
            _private_sqlite_file(Path(target.database))
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
