"""Everything one identifier appears in: listings, the accounts that posted them, cases, analysed dumps.

The join of the store (posts, identifiers), the cases' items (which carry
an identifier's keyed hash or, for seller identifiers, its clear value) and
the dumps' keyed-hash sets (persons and phones Parquet files under
data_dir/dumps/<sha>/), by the identifier's keyed hash alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaktrace.store.models import (
    Case,
    CaseItem,
    CaseItemTerm,
    Identifier,
    Post,
    PostIdentifier,
    Source,
)

DUMP_KINDS = {"cn_id": ("persons",), "cn_mobile": ("persons", "phones")}


@dataclass(frozen=True)
class Account:
    source: str | None
    handle: str
    posts: int


def identifier_posts(session: Session, ident_id: int, limit: int = 5000) -> list[int]:
    return list(session.scalars(select(PostIdentifier.post_id).where(PostIdentifier.identifier_id == ident_id)
                                .distinct().order_by(PostIdentifier.post_id).limit(limit)))


def identifier_accounts(session: Session, ident_id: int) -> list[Account]:
    rows = session.execute(
        select(Source.name, Post.author_handle, func.count(func.distinct(Post.id)))
        .join(PostIdentifier, PostIdentifier.post_id == Post.id)
        .outerjoin(Source, Source.id == Post.source_id)
        .where(PostIdentifier.identifier_id == ident_id, Post.author_handle.is_not(None))
        .group_by(Source.name, Post.author_handle).order_by(func.count(func.distinct(Post.id)).desc())).all()
    return [Account(s, h, int(n)) for s, h, n in rows]


def identifier_cases(session: Session, ident: Identifier) -> list[str]:
    """Refs of the cases whose items name the identifier (by keyed hash, or clear value for seller identifiers).

    Looked up in the items' terms (`store.repo.case_terms`), not by reading every item."""
    needles = [ident.value_hash] + ([ident.value_norm] if ident.value_norm else [])
    return list(session.scalars(
        select(Case.ref).where(Case.id.in_(
            select(CaseItem.case_id).join(CaseItemTerm, CaseItemTerm.item_id == CaseItem.id)
            .where(CaseItemTerm.term.in_(needles), CaseItem.kind.in_(("listing", "actor", "wallet")))))
        .order_by(Case.id)))


def identifier_dumps(data_dir: Path, ident: Identifier) -> list[str]:
    """SHA-256 of each analysed dump whose persons or phones hash set holds the identifier."""
    kinds = DUMP_KINDS.get(ident.type)
    root = data_dir / "dumps"
    if not kinds or not root.is_dir():
        return []
    from leaktrace.dumps import duck
    from leaktrace.dumps.hashsets import parquet_source

    found = []
    con = duck.connect()
    try:
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            for kind in kinds:
                path = folder / f"{kind}.parquet"
                if not path.exists():
                    continue
                n = con.execute(f"SELECT count(*) FROM read_parquet({parquet_source(path)}) WHERE hash = ?",
                                [ident.value_hash]).fetchone()
                if n and n[0]:
                    found.append(folder.name)
                    break
    finally:
        con.close()
    return found
