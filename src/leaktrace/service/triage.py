"""Triage of the inspection feed: dismiss with a reason, watch the seller, add to a case.

The page's buttons, its keyboard shortcuts and the REST API call these; adding
to a case goes through `cases.case_records.add_item` with the listing document
`pipeline.case_build` makes (one rule for what a listing item holds), and only
for a case the user may open (`access.can_view_case`).
"""

from __future__ import annotations

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, can_view_case, require
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.feed import model_version
from leaktrace.service.listing_view import check_reason
from leaktrace.store.models import Post, Triage, WatchedSeller
from leaktrace.store.types import utcnow

TRIAGE_ACTION = "triage.write"


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
    why = check_reason(reason)
    with ctx.session() as s:
        _post(s, post_id)
        _set(s, post_id, "dismissed", principal, reason=why)
        s.commit()


def reopen(ctx: Context, principal: Principal, post_id: int) -> None:
    """Back to `new` (an undo)."""
    require(principal, TRIAGE_ACTION)
    with ctx.session() as s:
        row = s.get(Triage, post_id)
        if row is not None:
            s.delete(row)
            s.commit()


def watch_seller(ctx: Context, principal: Principal, post_id: int) -> str:
    """Follow the post's seller; returns the handle watched."""
    require(principal, TRIAGE_ACTION)
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


def add_to_case(ctx: Context, principal: Principal, post_id: int, case_ref: str) -> str:
    """Add the listing to case `case_ref` (a member's or supervisor's case only); returns the item key."""
    from leaktrace.cases.case_records import get_case
    from leaktrace.pipeline.case_assembly import source_site_names
    from leaktrace.pipeline.case_build import listing_items

    require(principal, TRIAGE_ACTION)
    ref = (case_ref or "").strip()
    if not ref:
        raise InputError("field 'case': name the case to add to")
    with ctx.session() as s:
        _post(s, post_id)
        case = get_case(s, ref)
        if not can_view_case(ctx, principal, case.ref):
            raise PermissionDenied("case.add_item", ("supervisor",),
                                   why=f"case {case.ref}: only its members or a supervisor may add to it")
        from leaktrace.cases.case_records import add_item

        listings, captures = listing_items(s, model_version(ctx), source_site_names(s), post_ids=[post_id])
        if not listings:
            raise InputError(f"post {post_id}: not analysed yet (run `leaktrace analyze`)")
        key, _ = add_item(s, case, "listing", listings[0], added_by=principal.username, label=f"post {post_id}")
        for cap in captures:
            add_item(s, case, "capture", cap, added_by=principal.username, label=f"post {post_id} capture")
        _set(s, post_id, "in_case", principal, case_ref=case.ref)
        s.commit()
        case_ref = case.ref
    audit.record(ctx, principal, "case.add_item", f"case:{case_ref}", detail={"post": post_id, "item": key})
    return key
