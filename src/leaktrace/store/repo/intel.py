"""Attaching intel results and identifiers to posts, with PII reduced to hash + mask.

Whether the normalised value is kept beside the keyed hash and masked form
is `core.disclosure.kept_in_store`'s decision, by whose the identifier is
and where it was found: infrastructure (wallets, PGP fingerprints, onions)
and the contacts a seller posts as their own are kept; everything else, and
any value ever seen as a victim's data, is keyed hash and masked form only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leaktrace.core.disclosure import Origin, Role, kept_in_store
from leaktrace.core.errors import InputError
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.masking import mask
from leaktrace.core.normalize import normalize
from leaktrace.store.models import Identifier, IntelResult, PostIdentifier
from leaktrace.store.repo._common import insert_ignore

MAX_IDENTIFIER_CHARS = 4096
# Whole masked sample rows (what `pipeline.intel_stage` attaches for supply links): already masked.
SAMPLE_TYPE = "sample_row"


def attach_identifier(
    session: Session,
    post_id: int,
    id_type: str,
    value: str,
    hasher: KeyedHasher,
    *,
    role: Origin = "mention",
    count: int = 1,
    person: Role = "unknown",
) -> int:
    """Link an identifier to a post (creating it once per (type, keyed hash)); returns its id.

    `role` is where the post shows it (its origin: `contact`, `sample`, ...), `person`
    whose it is (`suspect` for the author of a trafficking listing). A `sample` marks
    the value as a victim's for good: its clear value, if any, is dropped. A seller's own
    contact fills a value missing from an earlier row (`leaktrace analyze --redo`).
    """
    if not value or len(value) > MAX_IDENTIFIER_CHARS:
        raise InputError(f"post {post_id}: identifier of type {id_type!r} is empty or too long")
    norm = normalize(id_type, value)
    digest = hasher.hash_normalised(id_type, norm)
    keep = kept_in_store(id_type, person, role)
    victim = role == "sample" and id_type != SAMPLE_TYPE
    now = datetime.now(UTC)
    insert_ignore(
        session,
        Identifier.__table__,  # type: ignore[arg-type]
        {
            "type": id_type,
            "value_hash": digest,
            "value_masked": mask(norm)[:200],
            "value_norm": norm if keep else None,
            "victim_seen_at": now if victim else None,
            "first_seen_at": now,
        },
        ["type", "value_hash"],
    )
    ident_id = session.scalar(
        select(Identifier.id).where(Identifier.type == id_type, Identifier.value_hash == digest)
    )
    assert ident_id is not None
    if victim:
        session.execute(update(Identifier).where(Identifier.id == ident_id, Identifier.victim_seen_at.is_(None))
                        .values(victim_seen_at=now, value_norm=None))
    elif keep:
        session.execute(update(Identifier).where(Identifier.id == ident_id, Identifier.value_norm.is_(None),
                                                 Identifier.victim_seen_at.is_(None)).values(value_norm=norm))
    link = session.get(PostIdentifier, (post_id, ident_id, role), with_for_update=True)
    if link is None:
        insert_ignore(
            session,
            PostIdentifier.__table__,  # type: ignore[arg-type]
            {"post_id": post_id, "identifier_id": ident_id, "role": role, "count": count},
            ["post_id", "identifier_id", "role"],
        )
    else:
        link.count = count
    session.flush()
    return ident_id


def record_intel(
    session: Session,
    post_id: int,
    model_version: str,
    *,
    trafficking: bool,
    score: float,
    categories: Sequence[str] = (),
    facts: dict[str, Any] | None = None,
) -> IntelResult:
    """Store the verdict of one classifier version on one post; a re-run replaces it."""
    if not 0.0 <= score <= 1.0:
        raise InputError(f"post {post_id}: field 'score' {score} is outside 0..1")
    row = session.scalar(
        select(IntelResult)
        .where(IntelResult.post_id == post_id, IntelResult.model_version == model_version)
        .with_for_update()
    )
    if row is None:
        row = IntelResult(post_id=post_id, model_version=model_version)
        session.add(row)
    row.trafficking = trafficking
    row.score = float(score)
    row.categories = list(categories)
    row.facts = dict(facts or {})
    session.flush()
    return row
