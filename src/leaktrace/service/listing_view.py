"""One listing as the console shows it: masked text, facts, identifiers, custody, the seller's other listings, similar ones.

Captured HTML is never served: the page shows the text the store holds,
through `text_view.display_text` (masked, inert, capped). Unmasking shows the
clear text and goes through `personal_data.unmask` (role, typed reason,
audit entry) before anything is returned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service import personal_data
from leaktrace.service.access import Principal, require
from leaktrace.service.feed import FeedRow, feed_rows, mark_rows, model_version
from leaktrace.service.tlp import require_post
from leaktrace.store.models import Capture, Identifier, Media, Post, PostIdentifier
from leaktrace.store.repo.post_queries import PostFilter, find_posts, get_post

VIEW_ACTION = "listing.view"
UNMASK_ACTION = "listing.unmask"
BODY_CHARS = 20_000
SAMPLE_TYPE = "sample_row"
SIMILAR_SCAN = 5000


@dataclass(frozen=True)
class IdentifierView:
    id: int
    type: str
    shown: str  # clear for seller identifiers (wallets, PGP, onions), masked otherwise
    clear: bool
    role: str


@dataclass(frozen=True)
class CustodyView:
    capture_id: int
    sha256: str
    url: str
    fetched_at: str
    status: int | None
    content_type: str | None
    size: int | None
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class ListingView:
    row: FeedRow
    url: str
    body: str
    facts: dict[str, Any]
    identifiers: list[IdentifierView]
    custody: CustodyView | None
    screenshot_sha256: str | None
    seller_listings: list[FeedRow]
    similar: list[FeedRow]
    pictures: dict[str, Any] | None = None  # what the listing's pictures show: {pictures, rows, valid_ids, provinces, ...}
    screenshot_problem: str | None = None  # the last rendering failed: why (recorded in custody too)

    def as_dict(self) -> dict[str, Any]:
        return {"listing": self.row.as_dict(), "url": self.url, "body": self.body, "facts": self.facts,
                "identifiers": [i.__dict__ for i in self.identifiers],
                "custody": None if self.custody is None else self.custody.__dict__,
                "screenshot_sha256": self.screenshot_sha256, "screenshot_problem": self.screenshot_problem,
                "pictures": self.pictures,
                "seller_listings": [r.as_dict() for r in self.seller_listings],
                "similar": [r.as_dict() for r in self.similar]}


@dataclass(frozen=True)
class Unmasked:
    post_id: int
    title: str
    body: str



def shown_clear(ident: Identifier) -> bool:
    """Whether investigators see this identifier's value: the store kept it (`core.disclosure.kept_in_store`:
    a seller's own contact or infrastructure) and it was never seen as a victim's data since."""
    return bool(ident.value_norm) and ident.victim_seen_at is None

def _identifiers(s: Any, post_id: int) -> list[IdentifierView]:
    rows = s.execute(select(Identifier, PostIdentifier.role).join(PostIdentifier, PostIdentifier.identifier_id ==
                                                                  Identifier.id)
                     .where(PostIdentifier.post_id == post_id).order_by(Identifier.type, Identifier.id)).all()
    out = []
    for ident, role in rows:
        clear = shown_clear(ident)
        out.append(IdentifierView(ident.id, ident.type, display_text(ident.value_norm if clear else ident.value_masked,
                                                                     300, masked=not clear), clear, role))
    return out


def _custody(ctx: Context, s: Any, post: Post) -> tuple[CustodyView | None, Capture | None]:
    if post.capture_id is None:
        return None, None
    cap = s.get(Capture, post.capture_id)
    if cap is None:
        return None, None
    entries: list[dict[str, Any]] = []
    if (ctx.data_dir / "evidence").is_dir():  # by the custody log's offset index, not a scan of every entry
        entries = [{"seq": e.seq, "time": e.time, "action": e.action, "collector": e.collector, "hash": e.hash,
                    "signer": e.signer} for e in ctx.evidence.entries_about(cap.sha256, 50)]
    view = CustodyView(cap.id, cap.sha256, display_text(cap.url, 2000, masked=False), cap.fetched_at.isoformat(),
                       cap.status, cap.content_type, cap.size, entries[:50])
    return view, cap


def _screenshot(s: Any, cap: Capture | None) -> tuple[str | None, str | None]:
    """The newest rendering of this page (any capture of its URL from its source): the PNG, or why it failed."""
    if cap is None:
        return None, None
    row = s.execute(select(Media.sha256, Media.problem).join(Capture, Capture.id == Media.capture_id)
                    .where(Media.kind == "screenshot", Capture.source_id == cap.source_id,
                           Capture.url_key == cap.url_key)
                    .order_by(Media.sha256.is_(None), Capture.id.desc(), Media.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else (None, None)


def _pictures(s: Any, post_id: int) -> dict[str, Any] | None:
    """The sample the listing's pictures show (pipeline.media_jobs.picture_sample), with what is still queued or bad."""
    from leaktrace.pipeline.media_jobs import picture_sample

    summary: dict[str, Any] = dict(picture_sample(s, post_id))
    if not summary["pictures"]:
        return None
    states = Counter(s.scalars(select(Media.state).where(Media.post_id == post_id, Media.kind == "picture")))
    summary["queued"] = states.get("stored", 0)
    summary["failed"] = states.get("failed", 0)
    return summary


def _similar(s: Any, post_id: int, version: str, limit: int = 10) -> list[FeedRow]:
    """Posts sharing the most identifiers or sample rows with this one."""
    mine = select(PostIdentifier.identifier_id).where(PostIdentifier.post_id == post_id)
    # At most SIMILAR_SCAN links are read: a wallet on thousands of posts must not make one page read them all;
    # the database counts and ranks them (most shared first, then lowest id).
    shared = (select(PostIdentifier.post_id.label("pid")).where(PostIdentifier.identifier_id.in_(mine),
                                                               PostIdentifier.post_id != post_id)
              .limit(SIMILAR_SCAN).subquery())
    n = func.count().label("n")
    ids = tuple(int(p) for p in s.scalars(select(shared.c.pid).group_by(shared.c.pid)
                                           .order_by(n.desc(), shared.c.pid).limit(limit)))
    if not ids:
        return []
    # Titles as the search index stored them masked (one query), not masked again here per row.
    rows = {r.post_id: r for r in feed_rows(s, find_posts(s, version, PostFilter(post_ids=ids), limit=limit))}
    return [rows[i] for i in ids if i in rows]


def listing(ctx: Context, principal: Principal, post_id: int) -> ListingView:
    """The listing page's content, personal data masked."""
    require(principal, VIEW_ACTION)
    badge = require_post(ctx, principal, post_id, VIEW_ACTION)
    version = model_version(ctx)
    with ctx.session() as s:
        row = get_post(s, post_id, version)
        post = row.post
        facts = dict((row.verdict.facts if row.verdict is not None else None) or {})
        custody, cap = _custody(ctx, s, post)
        shot, shot_problem = _screenshot(s, cap)
        seller: list[FeedRow] = []
        if post.author_handle:
            others = find_posts(s, version, PostFilter(seller=post.author_handle), limit=21)
            seller = feed_rows(s, [r for r in others if r.post.id != post.id
                                   and r.post.source_id == post.source_id][:20])
        view = ListingView(replace(feed_rows(s, [row])[0], tlp=badge), display_text(post.url, 2000, masked=False),
                           display_text(post.body, BODY_CHARS), facts, _identifiers(s, post.id), custody, shot,
                           seller, _similar(s, post.id, version), _pictures(s, post.id),
                           display_text(shot_problem, 300, masked=False) if shot is None and shot_problem else None)
    return replace(view, seller_listings=mark_rows(ctx, principal, view.seller_listings),
                   similar=mark_rows(ctx, principal, view.similar))


def unmask(ctx: Context, principal: Principal, post_id: int, reason: str | None) -> Unmasked:
    """The clear title and body of a listing; the reason is audited before the text is returned."""
    require_post(ctx, principal, post_id, UNMASK_ACTION)
    with ctx.session() as s:
        post = s.get(Post, post_id)
        if post is None:
            raise InputError(f"post {post_id}: no such post")
        title, body = post.title, post.body
    personal_data.unmask(ctx, principal, f"post:{post_id}", reason)  # role, typed reason, audit entry
    return Unmasked(post_id, display_text(title, 2000, masked=False), display_text(body, BODY_CHARS, masked=False))
