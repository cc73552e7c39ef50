"""Registering a source on first use: crawl and import commands share the one rule.

Collection from a source needs a recorded legal basis and an owner; a
command may register a new source when both are given, and refuses
otherwise (ConfigError, exit 3) before anything is fetched or read.

A run that registers a source and then fails before collecting anything (the
login is refused, the proxy is down) takes the registration back with it:
`provisional_source` removes the source and its queued start URLs, so a
mistyped password never leaves a source on record with nothing behind it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import ConfigError, LeaktraceError
from leaktrace.store.models import Source


def ensure_source(sessions: sessionmaker[Session], name: str, *, kind: str, base_url: str | None,
                  legal_basis: str | None, owner: str | None) -> bool:
    """Register the source when it is new and a legal basis and owner are given; True when this call did."""
    from leaktrace.store.repo import add_source

    with sessions.begin() as s:
        if s.scalar(select(Source.id).where(Source.name == name)) is not None:
            return False
        if not (legal_basis and owner):
            raise ConfigError(f"source {name!r}: no such source; register it with --legal-basis and --owner")
        add_source(s, name, kind, base_url=base_url, legal_basis=legal_basis, owner=owner)
    return True


@contextmanager
def provisional_source(sessions: sessionmaker[Session], name: str, *, kind: str, base_url: str | None,
                       legal_basis: str | None, owner: str | None) -> Iterator[bool]:
    """`ensure_source` for the length of one run, undone if the run fails before collecting anything.

    Yields whether this run registered the source. On failure a source this
    run registered is removed when nothing was captured or posted under it,
    and the error says so; a source that existed before is never touched.
    """
    from leaktrace.store.repo import remove_unused_source

    created = ensure_source(sessions, name, kind=kind, base_url=base_url, legal_basis=legal_basis, owner=owner)
    try:
        yield created
    except BaseException as exc:
        if created:
            with sessions.begin() as s:
                removed = remove_unused_source(s, name)
            if removed and isinstance(exc, LeaktraceError):
                exc.message = f"{exc.message}; source {name!r} was not registered (nothing was collected)"
        raise
