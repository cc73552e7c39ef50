"""Keeping the full-text index of posts: masked text in, postings out, at ingest and on rebuild.

The index must never become a second copy of victims' data, so a post's
title and body go through `pii.redact.masked_text` (every personal value the
detectors find replaced by its masked form) before `core.search_terms`
splits them into CJK bigrams and Latin words. The intel stage calls
`index_post_text` for every post it analyses; `leaktrace search reindex`
calls `reindex` over the whole store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.search_terms import terms
from leaktrace.pipeline.context import Context
from leaktrace.store.models import Post
from leaktrace.store.repo.search_index import clear_index, index_post

# A post's text beyond this is not indexed (hostile pages carry megabyte bodies).
MAX_INDEXED_CHARS = 200_000


def masked_document(title: str | None, body: str | None) -> str:
    """The text that is indexed: title and body, capped, with personal values masked."""
    from leaktrace.pii.redact import masked_text

    text = f"{title or ''}\n{body or ''}"[:MAX_INDEXED_CHARS]
    return masked_text(text)


def index_post_text(session: Session, post_id: int, title: str | None, body: str | None) -> bool:
    """(Re)index one post from its current text; False when its masked text has not changed."""
    doc = masked_document(title, body)
    digest = hashlib.sha256(doc.encode("utf-8", "surrogatepass")).hexdigest()
    return index_post(session, post_id, terms(doc), digest)


def reindex(ctx: Context, *, full: bool = False, batch: int = 500,
            progress: Callable[[int], None] | None = None) -> int:
    """Index every stored post (from nothing with `full`); returns how many posts were (re)written."""
    written = 0
    with ctx.session() as session:
        if full:
            clear_index(session)
            session.commit()
        last = 0
        while True:
            rows = session.execute(select(Post.id, Post.title, Post.body).where(Post.id > last)
                                   .order_by(Post.id).limit(batch)).all()
            if not rows:
                break
            for pid, title, body in rows:
                written += int(index_post_text(session, pid, title, body))
            session.commit()
            last = rows[-1][0]
            if progress is not None:
                progress(len(rows))
    return written
