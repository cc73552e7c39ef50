"""What trackers see of a stored post: its text, and intel's categories and provinces for it.

The intel stage's stored verdict is used when there is one; a post the
stage has not reached yet (a track job runs as soon as a version is
captured) is classified here in memory, with the deployment's model and
lexicon, and nothing is written: the intel stage stays the one writer of
verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.pipeline.context import Context
from leaktrace.store.models import IntelResult, Post


@dataclass(frozen=True)
class PostFacts:
    text: str
    categories: tuple[str, ...]
    provinces: tuple[str, ...]
    records: int | None
    price: float | None
    currency: str | None


def post_facts(ctx: Context, session: Session, post: Post) -> PostFacts:
    text = "\n".join(t for t in (post.title, post.body) if t)
    row = session.scalar(select(IntelResult).where(IntelResult.post_id == post.id)
                         .order_by(IntelResult.created_at.desc(), IntelResult.id.desc()).limit(1))
    if row is not None:
        cats, regions = list(row.categories or []), list((row.facts or {}).get("regions") or [])
        records = post.volume_records if post.volume_records is not None else (row.facts or {}).get("records")
    else:
        from leaktrace.intel.classify import classify_post

        res = classify_post(post.title, post.body, model=ctx.intel_model(), lexicon=ctx.lexicon())
        cats, regions = list(res.categories), list(res.analysis.facts.regions)
        records = post.volume_records if post.volume_records is not None else res.analysis.facts.records
    return PostFacts(text, tuple(cats), tuple(regions), int(records) if isinstance(records, int | float) else None,
                     post.price_amount, post.price_currency)
