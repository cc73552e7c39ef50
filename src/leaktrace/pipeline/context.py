"""Settings, evidence store and database opened once for a command or a long job.

Commands (import, crawl, watch) need the same three things; opening them in
one place keeps every command on the same data directory, keyring and
database, and makes sure the schema is migrated before the first write.

    with open_context() as ctx:
        with ctx.session() as s:
            ...
            s.commit()
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.settings import Settings, get_settings
from leaktrace.evidence import EvidenceStore
from leaktrace.store import make_engine, session_factory, upgrade


@dataclass
class Context:
    """What a pipeline run works against; `session()` opens a new ORM session."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    evidence: EvidenceStore

    def session(self) -> Session:
        return self.sessions()


@contextmanager
def open_context(settings: Settings | None = None, *, migrate: bool = True) -> Iterator[Context]:
    """Open settings, database (migrated to head unless `migrate=False`) and evidence store."""
    settings = settings or get_settings()
    engine = make_engine(settings)
    try:
        if migrate:
            upgrade(engine)
        yield Context(settings, engine, session_factory(engine), EvidenceStore(settings))
    finally:
        engine.dispose()
