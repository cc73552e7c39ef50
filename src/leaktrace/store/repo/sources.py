"""Sources and the rule that nothing is collected from one without a recorded legal basis."""

from __future__ import annotations

import re

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.store.models import Capture, FrontierItem, Post, Source

_NAME = re.compile(r"[\w.\-]{1,100}")


def add_source(
    session: Session,
    name: str,
    kind: str,
    *,
    base_url: str | None = None,
    legal_basis: str | None = None,
    owner: str | None = None,
    notes: str | None = None,
) -> Source:
    """Register a source; legal basis and owner may follow later, but collection waits for them."""
    name = name.strip()
    if not name:
        raise InputError("field 'name': a source needs a name")
    if not _NAME.fullmatch(name):
        raise InputError(f"source {name[:80]!r}: a name is letters, digits, '.', '_' and '-' (at most 100): "
                         "accounts are named SOURCE:HANDLE, so it holds no ':' or space")
    if not kind.strip():
        raise InputError(f"source {name!r}: field 'kind' is empty")
    if session.scalar(select(Source.id).where(Source.name == name)) is not None:
        raise ConfigError(f"source {name!r} already exists")
    source = Source(
        name=name,
        kind=kind.strip(),
        base_url=base_url,
        legal_basis=(legal_basis or "").strip() or None,
        owner=(owner or "").strip() or None,
        notes=notes,
    )
    session.add(source)
    session.flush()
    return source


def get_source(session: Session, ref: int | str) -> Source:
    """A source by id or name; InputError naming the reference when there is none."""
    stmt = select(Source).where(Source.id == ref if isinstance(ref, int) else Source.name == ref)
    source = session.scalar(stmt)
    if source is None:
        raise InputError(f"source {ref!r}: no such source")
    return source


def require_legal_basis(source: Source) -> None:
    """Refuse collection from a source whose legal basis or responsible owner is not recorded."""
    missing = [f for f in ("legal_basis", "owner") if not (getattr(source, f) or "").strip()]
    if missing:
        raise ConfigError(
            f"source {source.name!r}: no {' and no '.join(m.replace('_', ' ') for m in missing)} "
            "recorded; collection refused until both are set"
        )


def remove_unused_source(session: Session, name: str) -> bool:
    """Delete source `name` and its crawl frontier when nothing was collected from it; True when deleted.

    Undoes a registration whose first run failed before collecting anything
    (a wrong password, an unreachable proxy), so that no source is left with
    a legal basis on record and nothing behind it. A source with a capture
    or a post is never removed: its custody trail names it.
    """
    source_id = session.scalar(select(Source.id).where(Source.name == name))
    if source_id is None:
        return False
    used = session.scalar(select(exists().where(Capture.source_id == source_id))) or \
        session.scalar(select(exists().where(Post.source_id == source_id)))
    if used:
        return False
    session.execute(delete(FrontierItem).where(FrontierItem.source_id == source_id))
    session.execute(delete(Source).where(Source.id == source_id))
    return True
