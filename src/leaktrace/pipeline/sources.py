"""Registering a source on first use: crawl and import commands share the one rule.

Collection from a source needs a recorded legal basis and an owner; a
command may register a new source when both are given, and refuses
otherwise (ConfigError, exit 3) before anything is fetched or read.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import ConfigError
from leaktrace.store.models import Source


def ensure_source(sessions: sessionmaker[Session], name: str, *, kind: str, base_url: str | None,
                  legal_basis: str | None, owner: str | None) -> None:
    """Register the source when it is new and a legal basis and owner are given (the CLI's --legal-basis)."""
    from leaktrace.store.repo import add_source

    with sessions.begin() as s:
        if s.scalar(select(Source.id).where(Source.name == name)) is not None:
            return
        if not (legal_basis and owner):
            raise ConfigError(f"source {name!r}: no such source; register it with --legal-basis and --owner")
        add_source(s, name, kind, base_url=base_url, legal_basis=legal_basis, owner=owner)
