"""One holder at a time across processes: the scheduler's election and the lock a source's run holds.

PostgreSQL: a session-level advisory lock on a connection kept open for as
long as the lock is held. When the holder dies (kill -9, a lost network) the
server ends its session and the lock is free at once; no lease to wait out.
Advisory locks belong to the database, not to a schema, so the key names the
store's schema too: two stores in one database (the tests' schemas, a
staging store beside production) each elect their own scheduler and lock
their own sources.
SQLite (the embedded default runs everything in one process): an exclusive
`flock` on a file beside the database, which the kernel drops with the
process; `flock` locks belong to an open file, so two holders in one process
exclude each other too (tests run two schedulers that way).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import threading
from pathlib import Path

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)
_MEMORY_LOCKS: dict[str, threading.Lock] = {}
_MEMORY_GUARD = threading.Lock()


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for `name` (stable across processes and versions)."""
    return int.from_bytes(hashlib.blake2b(f"leaktrace|{name}".encode(), digest_size=8).digest(), "big", signed=True)


class StoreLock:
    """A named lock on the store; `acquire()` never waits, `alive()` says whether it is still held."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.engine = engine
        self.name = name
        self._conn: Connection | None = None
        self._key = 0  # PostgreSQL: the advisory key held (schema and name)
        self._fd: int | None = None
        self._mem: threading.Lock | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._fd is not None or self._mem is not None

    def _file(self) -> Path | None:
        db = self.engine.url.database
        if not db or db == ":memory:":
            return None
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.name)[:80]
        return Path(f"{db}.{safe}.lock")

    def acquire(self) -> bool:
        """Take the lock if it is free; True when this holder now has it."""
        if self.held:
            return True
        if self.engine.dialect.name == "postgresql":
            conn = self.engine.connect()
            try:
                schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
                key = lock_key(f"{schema}|{self.name}")
                got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
                conn.commit()
            except Exception:
                conn.close()
                raise
            if got:
                self._conn, self._key = conn, key
            else:
                conn.close()
            return got
        path = self._file()
        if path is None:
            with _MEMORY_GUARD:
                lock = _MEMORY_LOCKS.setdefault(self.name, threading.Lock())
            if lock.acquire(blocking=False):
                self._mem = lock
                return True
            return False
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def alive(self) -> bool:
        """Still held? On PostgreSQL the session must still answer (a terminated one lost the lock)."""
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:
                log.warning("lock %s: its database session is gone; the lock is lost", self.name)
                self._drop()
                return False
        return self.held

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:  # the session is already gone
                pass

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
                self._conn.commit()
                self._conn.close()
            except Exception:
                self._drop()
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
        if self._mem is not None:
            self._mem.release()
            self._mem = None

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
