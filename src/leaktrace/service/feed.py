"""The inspection feed: analysed posts with their extracted facts, newest or highest score first.

The feed and `leaktrace posts list` ask the same query (store/repo/post_queries.py);
this adds what a page row shows (masked title, facts, triage state) and the
counts per triage state, behind the `feed.view` permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.search_index import title_digest
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import Principal, require
from leaktrace.store.repo.post_queries import PostFilter, PostRow, find_posts, triage_counts
from leaktrace.store.repo.search_index import masked_titles

FEED_ACTION = "feed.view"
PAGE_SIZE = 50
TITLE_CHARS = 300


@dataclass(frozen=True)
class FeedRow:
    """One row of the feed as pages and the API show it: no clear personal data."""

    post_id: int
    title: str
    source: str | None
    seller: str | None
    language: str | None
    score: float | None
    trafficking: bool | None
    categories: list[str]
    records: int | None
    price: dict[str, Any] | None
    provinces: list[str]
    last_seen: datetime
    triage: str
    triage_reason: str | None = None
    case_ref: str | None = None
    tlp: str | None = None  # the badge: set by service.tlp.mark_rows, which also leaves out rows not to be seen

    def as_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["last_seen"] = self.last_seen.isoformat()
        return d


@dataclass(frozen=True)
class FeedPage:
    rows: list[FeedRow]
    counts: dict[str, int]
    offset: int
    limit: int
    more: bool = field(default=False)


def model_version(ctx: Context) -> str:
    """The verdicts the console shows: those of the model the deployment uses."""
    from leaktrace.pipeline.intel_stage import model_version as version_of

    return version_of(ctx.intel_model())


def feed_row(row: PostRow, stored: tuple[str, str | None] | None = None) -> FeedRow:
    """A page row; `stored` is the masked title the search index kept and the digest of the title it masked:
    used while the post's title is still that one, else the title is masked here."""
    post, verdict = row.post, row.verdict
    title_masked = stored[0] if stored is not None and stored[1] == title_digest(post.title) else None
    facts = (verdict.facts if verdict is not None else None) or {}
    price = facts.get("price") if isinstance(facts.get("price"), dict) else None
    return FeedRow(
        post_id=post.id, source=row.source,
        title=display_text(title_masked, TITLE_CHARS, masked=False, total=len(post.title or ""))
        if title_masked is not None and len(title_masked) >= min(len(post.title or ""), TITLE_CHARS)
        else display_text(post.title, TITLE_CHARS),
        seller=display_text(post.author_handle, 200) if post.author_handle else None, language=post.language,
        score=round(float(verdict.score), 3) if verdict is not None else None,
        trafficking=verdict.trafficking if verdict is not None else None,
        categories=list(verdict.categories or []) if verdict is not None else [],
        records=post.volume_records, price=price,
        provinces=[r for r in facts.get("regions") or [] if isinstance(r, str)][:10],
        last_seen=post.last_seen_at, triage=row.triage_state,
        triage_reason=display_text(row.triage.reason, 500) if row.triage is not None and row.triage.reason else None,
        case_ref=row.triage.case_ref if row.triage is not None else None)


def feed_rows(session: Session, rows: list[PostRow]) -> list[FeedRow]:
    """Page rows of `rows`, with the masked titles the index stored (one query, no masking per row)."""
    titles = masked_titles(session, [r.post.id for r in rows])
    return [feed_row(r, titles.get(r.post.id)) for r in rows]


def mark_rows(ctx: Context, principal: Principal, rows: list[FeedRow]) -> list[FeedRow]:
    """The rows the principal may see under their TLP markings, each with its badge (service.tlp)."""
    from leaktrace.service.tlp import mark_rows as marked

    return marked(ctx, principal, rows)


def feed(ctx: Context, principal: Principal, f: PostFilter | None = None, *, limit: int = PAGE_SIZE,
         offset: int = 0) -> FeedPage:
    """One page of the feed under filter `f`, with the counts per triage state."""
    require(principal, FEED_ACTION)
    version = model_version(ctx)
    with ctx.session() as s:
        rows = find_posts(s, version, f, limit=limit + 1, offset=offset)
        counts = triage_counts(s, version)
        shown = feed_rows(s, rows[:limit])
    return FeedPage(mark_rows(ctx, principal, shown), counts, offset, limit, more=len(rows) > limit)
