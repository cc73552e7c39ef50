"""Sources under inspection, for the console and `leaktrace sources`: list, add, pause, resume, run now,
accept or reject a proposed mirror, and a listing's change history.

One function per act, each checking the role and writing its audit entry in
the same transaction as the change; the CLI acts as the local operator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.store.models import ListingSnapshot, Post, Source
from leaktrace.store.repo import add_source
from leaktrace.store.repo.schedules import (
    SourceView,
    accept_proposal,
    list_sources,
    set_schedule,
    set_state,
)

ACTIONS = ("pause", "resume", "run", "reject")


def sources(ctx: Context, principal: Principal, states: list[str] | None = None) -> list[SourceView]:
    require(principal, "sources.view")
    with ctx.sessions() as s:
        return list_sources(s, states)


def add(ctx: Context, principal: Principal, name: str, *, source_kind: str, legal_basis: str | None, owner: str | None,
        **schedule: Any) -> SourceView:
    """Register a source (when new: needs legal basis and owner) and put it under inspection, due now."""
    require(principal, "sources.manage")
    with ctx.sessions.begin() as s:
        src = s.scalar(select(Source).where(Source.name == name))
        if src is None:
            if not (legal_basis and owner):
                raise InputError(f"source {name!r}: a new source needs --legal-basis and --owner")
            urls = schedule.get("start_urls") or []
            src = add_source(s, name, source_kind, base_url=urls[0] if urls else None, legal_basis=legal_basis,
                             owner=owner)
        else:
            if legal_basis:
                src.legal_basis = legal_basis
            if owner:
                src.owner = owner
        set_schedule(s, src.id, **schedule)
        audit.record(ctx, principal, "sources.schedule", f"source:{name}",
                     detail={k: v for k, v in schedule.items() if k != "password_env" and v is not None},
                     session=s)
    return _one(ctx, name)


def act(ctx: Context, principal: Principal, name: str, action: str, *, legal_basis: str | None = None,
        owner: str | None = None) -> SourceView:
    """pause, resume, run (now), accept or reject: what a person does to a source under inspection."""
    require(principal, "sources.manage")
    with ctx.sessions.begin() as s:
        if action == "accept":
            accept_proposal(s, name, legal_basis=legal_basis, owner=owner)
        elif action in ACTIONS:
            set_state(s, name, action)
        else:
            raise InputError(f"action {action!r}: one of {', '.join((*ACTIONS, 'accept'))}")
        audit.record(ctx, principal, f"sources.{action}", f"source:{name}", session=s)
    return _one(ctx, name)


def _one(ctx: Context, name: str) -> SourceView:
    with ctx.sessions() as s:
        return next(v for v in list_sources(s) if v.name == name)


@dataclass(frozen=True)
class Version:
    """One version of a listing: when it was seen, what changed from the one before (old -> new)."""

    n: int
    kind: str
    seen_at: datetime
    capture_id: int | None
    changes: dict[str, list[Any]]
    price_amount: float | None
    price_currency: str | None
    volume_records: int | None
    status: str | None


def history(ctx: Context, principal: Principal, post_id: int) -> tuple[Post, list[Version]]:
    """Every version of a listing (ListingSnapshot rows), oldest first, as diffs.

    Title and body appear as changed digests, never as text: the capture
    named on each version holds the page as evidence.
    """
    require(principal, "listing.view")
    with ctx.sessions() as s:
        post = s.get(Post, post_id)
        if post is None:
            raise InputError(f"listing {post_id}: no such listing")
        rows = s.scalars(select(ListingSnapshot).where(ListingSnapshot.post_id == post_id)
                         .order_by(ListingSnapshot.seen_at, ListingSnapshot.id)).all()
        s.expunge(post)
        return post, [Version(n, r.kind, r.seen_at, r.capture_id, dict(r.changes), r.price_amount,
                              r.price_currency, r.volume_records, r.status) for n, r in enumerate(rows, start=1)]
