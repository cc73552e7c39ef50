"""Attaching intel results and identifiers to posts, with PII reduced to hash + mask.

Only types on CLEAR_TYPES keep their normalised value: they name things an
investigator must look up elsewhere (a wallet on a block explorer, a PGP
fingerprint on a keyserver) and are not a victim's personal data. Any type
not listed, including every PII type and any new type a later detector
adds, is stored as keyed hash and masked form only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.masking import mask
from leaktrace.core.normalize import normalize
from leaktrace.store.models import Identifier, IntelResult, PostIdentifier
from leaktrace.store.repo._common import insert_ignore

CLEAR_TYPES = frozenset(
    {
        "btc",
        "eth",
        "tron",
        "xmr",
        "btc_address",
        "eth_address",
        "trx_address",
        "usdt_address",
        "xmr_address",
        "wallet",
        "pgp_fingerprint",
        "onion",
        "domain",
        "url",
    }
)
MAX_IDENTIFIER_CHARS = 4096


def attach_identifier(
    session: Session,
    post_id: int,
    id_type: str,
    value: str,
    hasher: KeyedHasher,
    *,
    role: str = "mention",
    count: int = 1,
) -> int:
    """Link an identifier to a post (creating it once per (type, keyed hash)); returns its id."""
    if not value or len(value) > MAX_IDENTIFIER_CHARS:
        raise InputError(f"post {post_id}: identifier of type {id_type!r} is empty or too long")
    norm = normalize(id_type, value)
    digest = hasher.hash_normalised(id_type, norm)
    insert_ignore(
        session,
        Identifier.__table__,  # type: ignore[arg-type]
        {
            "type": id_type,
            "value_hash": digest,
            "value_masked": mask(norm)[:200],
            "value_norm": norm if id_type in CLEAR_TYPES else None,
        },
        ["type", "value_hash"],
    )
    ident_id = session.scalar(
        select(Identifier.id).where(Identifier.type == id_type, Identifier.value_hash == digest)
    )
    assert ident_id is not None
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
