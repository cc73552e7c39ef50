"""The search index's postings: which post holds which term, written and replaced per post.

The caller hands over terms of masked text (pipeline/search_index.py makes
them with core/search_terms.py after masking); this module never sees the
text. A plain postings table (term, post_id) behaves the same on SQLite and
PostgreSQL, and its primary key is the index a query term is looked up by.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from leaktrace.store.models import SearchDoc, SearchTerm
from leaktrace.store.models.console import MASKED_TITLE_CHARS
from leaktrace.store.types import utcnow


def index_post(session: Session, post_id: int, terms: Sequence[str], digest: str,
               title_masked: str | None = None, title_digest: str | None = None) -> bool:
    """Replace the post's postings by `terms`, unless it is already indexed from text of `digest`.

    `title_masked` (cut to MASKED_TITLE_CHARS) is kept for the feed. Returns True when the
    postings were (re)written.
    """
    title_masked = None if title_masked is None else title_masked[:MASKED_TITLE_CHARS]
    doc = session.get(SearchDoc, post_id)
    if doc is not None and doc.digest == digest:
        return False
    session.execute(delete(SearchTerm).where(SearchTerm.post_id == post_id))
    if terms:
        session.execute(insert(SearchTerm), [{"term": t, "post_id": post_id} for t in dict.fromkeys(terms)])
    if doc is None:
        session.add(SearchDoc(post_id=post_id, digest=digest, title_masked=title_masked, title_digest=title_digest,
                              indexed_at=utcnow()))
    else:
        doc.digest, doc.title_masked, doc.title_digest, doc.indexed_at = digest, title_masked, title_digest, utcnow()
    session.flush()
    return True


def clear_index(session: Session) -> None:
    """Drop every posting (a rebuild starts from nothing)."""
    session.execute(delete(SearchTerm))
    session.execute(delete(SearchDoc))


def indexed_posts(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SearchDoc)) or 0)


def masked_titles(session: Session, post_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    """The stored masked titles of these posts (those indexed), each with the digest of the title it came from."""
    if not post_ids:
        return {}
    rows = session.execute(select(SearchDoc.post_id, SearchDoc.title_masked, SearchDoc.title_digest)
                           .where(SearchDoc.post_id.in_(list(post_ids)), SearchDoc.title_masked.is_not(None)))
    return {int(p): (t, d) for p, t, d in rows}


def posting_counts(session: Session, terms: Sequence[str]) -> dict[str, int]:
    """How many posts hold each term (the rarest narrows a query first)."""
    if not terms:
        return {}
    rows = session.execute(select(SearchTerm.term, func.count()).where(SearchTerm.term.in_(list(terms)))
                           .group_by(SearchTerm.term)).all()
    found = {t: int(n) for t, n in rows}
    return {t: found.get(t, 0) for t in terms}
