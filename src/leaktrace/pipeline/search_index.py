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
import re
from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.disclosure import INFRASTRUCTURE_TYPES
from leaktrace.core.masking import mask
from leaktrace.core.search_terms import terms
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import mask_text
from leaktrace.store.models import Post
from leaktrace.store.models.console import MASKED_TITLE_CHARS
from leaktrace.store.repo.search_index import clear_index, index_post

# A post's text beyond this is not indexed (hostile pages carry megabyte bodies).
MAX_INDEXED_CHARS = 200_000
_DIGIT_RUN = re.compile(r"\d{5,}")


def masked_document(title: str | None, body: str | None, identifiers: Iterable[tuple[str, str]] | None = None) -> str:
    """The text that is indexed: title and body, capped, with personal values masked.

    Masked are what the PII detectors find, every identifier intel finds that the
    store keeps only as a keyed hash (QQ, WeChat, phones: `identifiers` as (type,
    value), found here when not given), and any run of five or more digits (a QQ
    number or a card written oddly): identifiers are searched through their
    keyed hash, never through the text index.
    """
    from leaktrace.pii.redact import masked_text

    text = f"{title or ''}\n{body or ''}"[:MAX_INDEXED_CHARS]
    if identifiers is None:
        from leaktrace.intel.extract import analyse_post

        identifiers = [(i.type, i.value) for i in analyse_post(title, body).identifiers]
    for id_type, value in identifiers:
        # Only infrastructure (wallets, keys, onions) stays as text; contacts may be a victim's
        # and are searched through their keyed hash (core.disclosure).
        if id_type not in INFRASTRUCTURE_TYPES and len(value) >= 3:
            text = re.sub(re.escape(value), lambda m: mask(m.group(0)), text, flags=re.IGNORECASE)
    return _DIGIT_RUN.sub(lambda m: mask(m.group(0)), masked_text(text))


def index_post_text(session: Session, post_id: int, title: str | None, body: str | None,
                    identifiers: Iterable[tuple[str, str]] | None = None) -> bool:
    """(Re)index one post from its current text; False when its masked text has not changed."""
    found = list(identifiers) if identifiers is not None else None
    doc = masked_document(title, body, found)
    digest = hashlib.sha256(doc.encode("utf-8", "surrogatepass")).hexdigest()
    # What the feed shows of the title, masked by the same rule as every page (text_view.display_text).
    title_masked = mask_text(title[:MASKED_TITLE_CHARS + 64])[:MASKED_TITLE_CHARS] if title else None
    return index_post(session, post_id, terms(doc), digest, title_masked, title_digest(title))


def title_digest(title: str | None) -> str | None:
    """SHA-256 of a post's clear title: a stored masked title is shown only while it still matches."""
    return None if title is None else hashlib.sha256(title.encode("utf-8", "surrogatepass")).hexdigest()


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
