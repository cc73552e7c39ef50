"""Triage of the inspection feed: dismiss with a reason, watch the seller, add to a case.

The page's buttons, its keyboard shortcuts and the REST API call these; adding
to a case goes through `pipeline.case_items.add_post_to_case` with the listing document
`pipeline.case_build` makes (one rule for what a listing item holds), and only
for a case the user may edit (`access.require_case`: members and supervisors).
"""

from __future__ import annotations

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require, require_case
from leaktrace.service.feed import model_version
from leaktrace.service.tlp import require_post
from leaktrace.store.models import Post, Triage, WatchedSeller
from leaktrace.store.types import utcnow

TRIAGE_ACTION = "feed.triage"


MIN_REASON_CHARS = 4
MAX_REASON_CHARS = 500


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON_CHARS:
        raise InputError(f"field 'reason': type why the listing is dismissed (at least {MIN_REASON_CHARS} characters)")
    return text[:MAX_REASON_CHARS]


def _set(s: object, post_id: int, state: str, principal: Principal, *, reason: str | None = None,
         case_ref: str | None = None) -> None:
    row = s.get(Triage, post_id)  # type: ignore[attr-defined]
    if row is None:
        row = Triage(post_id=post_id)
        s.add(row)  # type: ignore[attr-defined]
    row.state, row.reason, row.case_ref = state, reason, case_ref
    row.actor, row.updated_at = principal.username, utcnow()


def _post(s: object, post_id: int) -> Post:
    post = s.get(Post, post_id)  # type: ignore[attr-defined]
    if post is None:
        raise InputError(f"post {post_id}: no such post")
    return post


def dismiss(ctx: Context, principal: Principal, post_id: int, reason: str | None) -> None:
    """Mark a post as not worth following, with the reason typed."""
    require(principal, TRIAGE_ACTION)
    require_post(ctx, principal, post_id, TRIAGE_ACTION)  # a post marked beyond the user's TLP: not theirs to triage
    why = _reason(reason)
    with ctx.session() as s:
        _post(s, post_id)
        _set(s, post_id, "dismissed", principal, reason=why)
        s.commit()


def reopen(ctx: Context, principal: Principal, post_id: int) -> None:
    """Back to `new` (an undo)."""
    require(principal, TRIAGE_ACTION)
    require_post(ctx, principal, post_id, TRIAGE_ACTION)  # a post marked beyond the user's TLP: not theirs to triage
    with ctx.session() as s:
        row = s.get(Triage, post_id)
        if row is not None:
            s.delete(row)
            s.commit()


def watch_seller(ctx: Context, principal: Principal, post_id: int) -> str:
    """Follow the post's seller; returns the handle watched."""
    require(principal, TRIAGE_ACTION)
    require_post(ctx, principal, post_id, TRIAGE_ACTION)  # a post marked beyond the user's TLP: not theirs to triage
    with ctx.session() as s:
        post = _post(s, post_id)
        if not post.author_handle:
            raise InputError(f"post {post_id}: no seller handle to watch")
        handle = post.author_handle.strip().lower()[:255]
        if s.get(WatchedSeller, handle) is None:
            s.add(WatchedSeller(handle=handle, actor=principal.username, added_at=utcnow()))
        _set(s, post_id, "watched", principal)
        s.commit()
    return handle


def watched_sellers(ctx: Context, principal: Principal) -> list[str]:
    require(principal, "feed.view")
    with ctx.session() as s:
        return list(s.scalars(select(WatchedSeller.handle).order_by(WatchedSeller.handle)))


def add_to_case(ctx: Context, principal: Principal, post_id: int, case: str) -> str:
    """Add the listing to `case` (a member's or supervisor's case only); returns the item key."""
    from leaktrace.pipeline.case_items import add_post_to_case, case_ref

    require(principal, TRIAGE_ACTION)
    require_post(ctx, principal, post_id, TRIAGE_ACTION)  # a post marked beyond the user's TLP: not theirs to triage
    if not (case or "").strip():
        raise InputError("field 'case': name the case to add to")
    with ctx.session() as s:
        _post(s, post_id)
        ref = case_ref(s, case)
    require_case(ctx, principal, ref, "case.edit")
    with ctx.session() as s:
        key = add_post_to_case(s, model_version(ctx), post_id, ref, added_by=principal.username)
        _set(s, post_id, "in_case", principal, case_ref=ref)
        # In the same transaction: a stop between the two cannot leave an item without its audit entry.
        audit.record(ctx, principal, "case.add_item", f"case:{ref}", detail={"post": post_id, "item": key},
                     session=s)
        s.commit()
    return key
