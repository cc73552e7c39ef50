"""Alerts: raised once per rule, actor and listing; acknowledged, dismissed or escalated by a person.

Every face (console page, REST route, `leaktrace alerts`, the trackers'
jobs) goes through these functions, so the state rules and the audit trail
are the same everywhere. Leaving the `new` state cancels the deliveries not
yet sent: an alert somebody has already handled is never mailed out again.
A canary seen in a capture raises a top-priority alert and a notice for the
organisation that is held here until a supervisor releases it; the notice
carries the canary id, the source and the time only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, Role, require
from leaktrace.store.models import Alert, AlertDelivery, OrgNotice, Source
from leaktrace.store.models.alerts import ALERT_STATES
from leaktrace.store.repo._common import insert_ignore
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)

PRIORITIES = {0: "low", 1: "normal", 2: "high", 3: "critical"}
CANARY_PRIORITY = 3
MAX_REASON_CHARS = 2000


@dataclass(frozen=True)
class AlertView:
    """An alert as the console and the CLI show it (what matched, never captured text)."""

    id: int
    rule: str
    kind: str
    actor: str
    listing: str
    tracker_id: int | None
    post_id: int | None
    capture_id: int | None
    source_id: int | None
    priority: int
    state: str
    reason: str | None
    case_ref: str | None
    matched: dict[str, Any]
    hits: int
    captured_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    updated_by: str | None

    def to_json(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        for k in ("captured_at", "first_seen_at", "last_seen_at"):
            out[k] = out[k].isoformat() if out[k] else None
        out["priority_name"] = PRIORITIES.get(self.priority, str(self.priority))
        return out


def alert_view(a: Alert) -> AlertView:
    return AlertView(a.id, a.rule, a.kind, a.actor, a.listing, a.tracker_id, a.post_id, a.capture_id,
                     a.source_id, a.priority, a.state, a.reason, a.case_ref, dict(a.matched or {}), a.hits,
                     a.captured_at, a.first_seen_at, a.last_seen_at, a.updated_by)


@dataclass(frozen=True)
class Raised:
    alert_id: int
    new: bool


def raise_alert(session: Session, *, rule: str, kind: str, actor: str = "", listing: str = "",
                matched: dict[str, Any], priority: int = 1, tracker_id: int | None = None,
                post_id: int | None = None, capture_id: int | None = None, source_id: int | None = None,
                captured_at: datetime | None = None, now: datetime | None = None) -> Raised:
    """Insert the alert, or count one more hit on the one already raised for (rule, actor, listing).

    Runs in the caller's transaction (a track job raises all its alerts in one).
    A repeat keeps the alert's state: a dismissed alert stays dismissed.
    """
    now = now or utcnow()
    actor, listing = (actor or "")[:255], (listing or "")[:255]
    new = insert_ignore(session, Alert.__table__, {  # type: ignore[arg-type]
        "rule": rule, "kind": kind, "actor": actor, "listing": listing, "tracker_id": tracker_id,
        "post_id": post_id, "capture_id": capture_id, "source_id": source_id, "priority": priority,
        "state": "new", "matched": matched, "hits": 1, "captured_at": captured_at, "first_seen_at": now,
        "last_seen_at": now, "updated_at": now}, ["rule", "actor", "listing"])
    alert_id = session.scalar(select(Alert.id).where(Alert.rule == rule, Alert.actor == actor,
                                                     Alert.listing == listing))
    assert alert_id is not None
    if not new:
        session.execute(update(Alert).where(Alert.id == alert_id).values(
            hits=Alert.hits + 1, last_seen_at=now, matched=matched, capture_id=capture_id or Alert.capture_id)
            .execution_options(synchronize_session=False))
    return Raised(alert_id, new)


def hold_notice(session: Session, alert_id: int, *, org: str, canary_id: str, source: str, seen_at: datetime) -> None:
    """The organisation's notice of a canary sighting, held for a supervisor (one per alert)."""
    insert_ignore(session, OrgNotice.__table__, {  # type: ignore[arg-type]
        "alert_id": alert_id, "org": org[:200], "canary_id": canary_id[:200], "source": source[:200],
        "seen_at": seen_at, "state": "held"}, ["alert_id"])


def list_alerts(ctx: Context, principal: Principal, *, state: str | None = None, kind: str | None = None,
                tracker_id: int | None = None, min_priority: int | None = None, actor: str | None = None,
                limit: int = 100, offset: int = 0) -> tuple[list[AlertView], dict[str, int]]:
    """Alerts newest first with the filters given, and the count per state (the page's tabs)."""
    _staff(principal, "alert.view")
    if state is not None and state not in ALERT_STATES:
        raise InputError(f"field 'state': {state[:40]!r} is not one of {', '.join(ALERT_STATES)}")
    stmt = select(Alert).order_by(Alert.priority.desc(), Alert.last_seen_at.desc(), Alert.id.desc())
    if state:
        stmt = stmt.where(Alert.state == state)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if tracker_id is not None:
        stmt = stmt.where(Alert.tracker_id == tracker_id)
    if min_priority is not None:
        stmt = stmt.where(Alert.priority >= min_priority)
    if actor:
        stmt = stmt.where(func.lower(Alert.actor) == actor.strip().lower())
    with ctx.session() as s:
        rows = [alert_view(a) for a in s.scalars(stmt.limit(max(1, min(limit, 500))).offset(max(0, offset)))]
        counts = {st: n for st, n in s.execute(select(Alert.state, func.count()).group_by(Alert.state))}
    return rows, counts


def get_alert(ctx: Context, principal: Principal, alert_id: int) -> AlertView:
    _staff(principal, "alert.view")
    with ctx.session() as s:
        return alert_view(_alert(s, alert_id))


def acknowledge(ctx: Context, principal: Principal, alert_id: int) -> AlertView:
    """Someone is on it: no more notifications go out for this alert."""
    return _move(ctx, principal, alert_id, "acknowledged", "alert.acknowledge")


def dismiss(ctx: Context, principal: Principal, alert_id: int, reason: str) -> AlertView:
    """Not of interest, and why (the reason is required: it teaches whoever tunes the tracker)."""
    reason = (reason or "").strip()
    if not reason:
        raise InputError("field 'reason': say why the alert is dismissed")
    return _move(ctx, principal, alert_id, "dismissed", "alert.dismiss", reason=reason[:MAX_REASON_CHARS])


def escalate(ctx: Context, principal: Principal, alert_id: int, case: str) -> AlertView:
    """Put the alert's listing into a case through the one case-add service, and mark the alert escalated."""
    from leaktrace.service.triage import add_to_case

    with ctx.session() as s:
        a = _alert(s, alert_id)
        post_id = a.post_id
    if post_id is None:
        raise InputError(f"alert {alert_id}: names no listing to put into a case")
    add_to_case(ctx, principal, post_id, case)
    from leaktrace.pipeline.case_items import case_ref

    with ctx.session() as s:
        ref = case_ref(s, case)
    return _move(ctx, principal, alert_id, "escalated", "alert.escalate", case_ref=ref)


def _move(ctx: Context, principal: Principal, alert_id: int, state: str, action: str, *,
          reason: str | None = None, case_ref: str | None = None) -> AlertView:
    require(principal, "alert.manage")
    now = utcnow()
    with ctx.session() as s:
        a = _alert(s, alert_id, lock=True)
        before = a.state
        a.state, a.updated_by, a.updated_at = state, principal.username, now
        if reason is not None:
            a.reason = reason
        if case_ref is not None:
            a.case_ref = case_ref
        cancelled = s.execute(update(AlertDelivery).where(
            AlertDelivery.alert_id == alert_id, AlertDelivery.state == "queued").values(state="cancelled")
            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        audit.record(ctx, principal, action, f"alert:{alert_id}", reason=reason,
                     detail={"from": before, "to": state, "case": case_ref, "deliveries_cancelled": cancelled},
                     session=s)
        s.commit()
        return alert_view(a)


# -- organisation notices -----------------------------------------------------------------


@dataclass(frozen=True)
class NoticeView:
    id: int
    alert_id: int
    org: str
    canary_id: str
    source: str
    seen_at: datetime
    state: str
    released_by: str | None
    released_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "alert_id": self.alert_id, "org": self.org, "canary_id": self.canary_id,
                "source": self.source, "seen_at": self.seen_at.isoformat(), "state": self.state,
                "released_by": self.released_by,
                "released_at": self.released_at.isoformat() if self.released_at else None}


def _notice_view(n: OrgNotice) -> NoticeView:
    return NoticeView(n.id, n.alert_id, n.org, n.canary_id, n.source, n.seen_at, n.state, n.released_by,
                      n.released_at)


def list_notices(ctx: Context, principal: Principal, *, state: str | None = None) -> list[NoticeView]:
    """Staff see every notice; a partner sees only its organisation's released ones."""
    require(principal, "notice.view")
    stmt = select(OrgNotice).order_by(OrgNotice.seen_at.desc(), OrgNotice.id.desc())
    if principal.role is Role.PARTNER:
        stmt = stmt.where(OrgNotice.org == (principal.org_id or "\0"), OrgNotice.state == "released")
    elif state:
        stmt = stmt.where(OrgNotice.state == state)
    with ctx.session() as s:
        return [_notice_view(n) for n in s.scalars(stmt.limit(500))]


def release_notice(ctx: Context, principal: Principal, notice_id: int) -> NoticeView:
    """A supervisor lets the organisation see the notice (canary id, source, time: nothing else)."""
    require(principal, "notice.release")
    with ctx.session() as s:
        n = s.get(OrgNotice, notice_id, with_for_update=True)
        if n is None:
            raise InputError(f"notice {notice_id}: no such notice")
        if n.state != "released":
            n.state, n.released_by, n.released_at = "released", principal.username, utcnow()
            audit.record(ctx, principal, "notice.release", f"notice:{notice_id}",
                         detail={"org": n.org, "alert": n.alert_id}, session=s)
        s.commit()
        return _notice_view(n)


# -- site-down events ---------------------------------------------------------------------


def source_down(session: Session, source_id: int, since: datetime) -> Raised:
    """A source stopped answering: one alert per source and outage start."""
    src = session.get(Source, source_id)
    if src is None:
        raise InputError(f"source {source_id}: no such source")
    return raise_alert(session, rule="source_down", kind="source_down", actor="", listing=f"source:{source_id}:{since.isoformat()}",
                       matched={"source": src.name, "since": since.isoformat()}, priority=2,
                       source_id=source_id)


# -- helpers ------------------------------------------------------------------------------


def _staff(principal: Principal, action: str) -> None:
    require(principal, action)
    if principal.role is Role.PARTNER:  # partners see their released notices, not the unit's alerts
        require(principal, "alert.manage")


def _alert(s: Session, alert_id: int, *, lock: bool = False) -> Alert:
    a = s.get(Alert, alert_id, with_for_update=lock)
    if a is None:
        raise InputError(f"alert {alert_id}: no such alert")
    return a
