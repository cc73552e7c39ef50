"""The gate in front of personal data: unmasking, unmasked views and searches for a person.

Each of these needs the right role, a typed reason where the issue asks
for one, and leaves an audit entry before anything is shown; a person
search is also rate-limited per user (`person_search_per_minute`, counted
in the audit log, so every console process shares the count). The caller
shows the clear value only after the function returns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, require
from leaktrace.service.errors import RateLimited, ReasonRequired

MIN_REASON = 4


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise ReasonRequired(f"{what}: type the reason (at least {MIN_REASON} characters); it is kept in the audit log")
    return text


def unmask(ctx: Context, principal: Principal, target: str, reason: str | None, *,
           detail: dict[str, Any] | None = None) -> audit.Entry:
    """Allow showing `target`'s personal data in the clear: role `listing.unmask`, a typed reason, audited."""
    require(principal, "listing.unmask")
    return audit.record(ctx, principal, "unmask", target, reason=_reason(reason, "unmask"), detail=detail)


def viewed_unmasked(ctx: Context, principal: Principal, target: str, *, detail: dict[str, Any] | None = None) -> None:
    """Record a view that showed personal data unmasked (after `unmask`, or a page that shows it by design)."""
    require(principal, "listing.unmask")
    audit.record(ctx, principal, "view.unmasked", target, detail=detail)


def search_person(ctx: Context, principal: Principal, pii_type: str, value: str, reason: str | None) -> str:
    """Admit a search for a person identifier; returns the keyed hash of the normalised value to look up.

    The audit entry holds that hash and the masked form, never the value.
    """
    require(principal, "search.person")
    why = _reason(reason, "search for a person")
    limit = ctx.settings.person_search_per_minute
    now = datetime.now(UTC)
    if audit.count(ctx, actor=principal.username, action="search.person", since=now - timedelta(minutes=1)) >= limit:
        raise RateLimited(f"search for a person: at most {limit} a minute; try again shortly", 60)
    ident = audit.keyed_identifier(ctx, pii_type, value)
    audit.record(ctx, principal, "search.person", f"identifier:{pii_type}", reason=why, detail=ident)
    return ident["hash"]


def exported(ctx: Context, principal: Principal, action: str, target: str, *,
             detail: dict[str, Any] | None = None) -> None:
    """Record an export or download (`export.download` / `evidence.download`, checked here too)."""
    require(principal, action)
    audit.record(ctx, principal, action, target, detail=detail)
