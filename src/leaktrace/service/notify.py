"""Telling people about alerts: each user's choices, and deliveries by e-mail and signed webhook.

A new alert becomes one delivery row per matching subscription and one
`notify` job per delivery on the job queue; the queue retries a failing
receiver with exponential back-off, so an alert is never lost to a receiver
that times out or answers 500. The delivery row is what makes it go out at
most once: the job checks it right before sending and marks it sent right
after, and acknowledging (or dismissing, escalating) an alert cancels its
deliveries not yet sent. A receiver should still de-duplicate on the
`X-Leaktrace-Delivery` header: a worker that dies between the receiver's
200 and the store's commit leaves the job to be retried.

What is sent names the alert (rule, priority, what matched, where and when)
and never carries captured text or personal data. A webhook body is signed
with HMAC-SHA256 under the subscription's own secret
(`X-Leaktrace-Signature: sha256=<hex>` over `<timestamp>.<body>`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import audit
from leaktrace.service.access import Principal, Role, require
from leaktrace.service.alerts import PRIORITIES, AlertView, alert_view
from leaktrace.service.worker import JobContext, PermanentJobError
from leaktrace.store.models import Alert, AlertDelivery, AlertSubscription, User
from leaktrace.store.repo._common import insert_ignore
from leaktrace.store.repo.jobs import JobQueue
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)

CHANNELS = ("email", "webhook")
NOTIFY_KIND = "notify"
NOTIFY_ATTEMPTS = 8
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\Z")
KINDS = ("tracker", "canary", "source_down")


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    username: str
    channel: str
    target: str
    min_priority: int
    kinds: list[str]
    trackers: list[int]
    enabled: bool

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _sub_view(sub: AlertSubscription, username: str) -> SubscriptionView:
    return SubscriptionView(sub.id, username, sub.channel, sub.target, sub.min_priority, list(sub.kinds or []),
                            list(sub.trackers or []), sub.enabled)


def _target(channel: str, target: str) -> str:
    target = (target or "").strip()
    if channel == "email":
        if not _EMAIL.match(target):
            raise InputError(f"field 'target': {target[:80]!r} is not an e-mail address")
    elif channel == "webhook":
        if not target.startswith(("http://", "https://")) or len(target) > 2000:
            raise InputError(f"field 'target': {target[:80]!r} is not an http(s) URL")
    else:
        raise InputError(f"field 'channel': {channel[:20]!r} is not one of {', '.join(CHANNELS)}")
    return target


def subscribe(ctx: Context, principal: Principal, channel: str, target: str, *, min_priority: int = 0,
              kinds: list[str] | None = None, trackers: list[int] | None = None,
              username: str | None = None) -> tuple[SubscriptionView, str | None]:
    """Add where the user's alerts go; returns the subscription and, for a webhook, its HMAC secret (shown once)."""
    require(principal, "alert.subscribe")
    target = _target(channel, target)
    kinds = list(dict.fromkeys(kinds or []))
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise InputError(f"field 'kinds': {bad[0]!r} is not one of {', '.join(KINDS)}")
    if min_priority not in PRIORITIES:
        raise InputError(f"field 'min_priority': expected 0-3, got {min_priority}")
    secret = secrets.token_urlsafe(32) if channel == "webhook" else None
    with ctx.session() as s:
        user = _user(s, principal, username)
        sub = AlertSubscription(user_id=user.id, channel=channel, target=target, secret=secret,
                                min_priority=min_priority, kinds=kinds, trackers=list(trackers or []), enabled=True,
                                created_at=utcnow())
        s.add(sub)
        s.flush()
        audit.record(ctx, principal, "alert.subscribe", f"subscription:{sub.id}",
                     detail={"user": user.username, "channel": channel}, session=s)
        s.commit()
        return _sub_view(sub, user.username), secret


def subscriptions(ctx: Context, principal: Principal, *, username: str | None = None) -> list[SubscriptionView]:
    require(principal, "alert.subscribe")
    with ctx.session() as s:
        user = _user(s, principal, username)
        subs = s.scalars(select(AlertSubscription).where(AlertSubscription.user_id == user.id)
                         .order_by(AlertSubscription.id))
        return [_sub_view(x, user.username) for x in subs]


def unsubscribe(ctx: Context, principal: Principal, sub_id: int) -> bool:
    require(principal, "alert.subscribe")
    with ctx.session() as s:
        sub = s.get(AlertSubscription, sub_id)
        if sub is None:
            return False
        owner = s.get(User, sub.user_id)
        if principal.role is not Role.ADMIN and (owner is None or owner.id != principal.user_id):
            raise InputError(f"subscription {sub_id}: no such subscription of yours")
        s.delete(sub)
        audit.record(ctx, principal, "alert.unsubscribe", f"subscription:{sub_id}", session=s)
        s.commit()
        return True


def _user(s: Session, principal: Principal, username: str | None) -> User:
    """The principal's own account; an admin (or the shell) may name another."""
    name = username or principal.username
    if username and username != principal.username and principal.role is not Role.ADMIN:
        raise InputError("field 'user': only an admin sets another user's notifications")
    user = s.scalar(select(User).where(User.username == name))
    if user is None:
        raise InputError(f"user {name[:64]!r}: no such account")
    return user


# -- fan-out and delivery -----------------------------------------------------------------


def fan_out(session: Session, alert: AlertView) -> list[tuple[int, int]]:
    """Delivery rows for every subscription that wants this alert: (delivery id, priority) to queue.

    Runs in the alert's transaction; the caller queues the jobs once it has
    committed (`queue_deliveries`), since on SQLite the queue writes in a
    transaction of its own. A crash in between leaves `queued` rows that
    `requeue_stranded` picks up: the row, not the job, is the promise.
    """
    subs = session.scalars(
        select(AlertSubscription).join(User, User.id == AlertSubscription.user_id)
        .where(AlertSubscription.enabled.is_(True), User.disabled.is_(False), User.role != Role.PARTNER.value,
               AlertSubscription.min_priority <= alert.priority)).all()
    out = []
    for sub in subs:
        if sub.kinds and alert.kind not in sub.kinds:
            continue
        if sub.trackers and alert.tracker_id not in sub.trackers:
            continue
        insert_ignore(session, AlertDelivery.__table__, {  # type: ignore[arg-type]
            "alert_id": alert.id, "subscription_id": sub.id, "state": "queued", "attempts": 0,
            "created_at": utcnow()}, ["alert_id", "subscription_id"])
        did = session.scalar(select(AlertDelivery.id).where(AlertDelivery.alert_id == alert.id,
                                                            AlertDelivery.subscription_id == sub.id))
        out.append((int(did or 0), alert.priority))
    return out


def queue_deliveries(queue: JobQueue, pending: list[tuple[int, int]]) -> int:
    """One `notify` job per delivery (keyed by the delivery, so queuing twice is harmless)."""
    for did, priority in pending:
        queue.enqueue(NOTIFY_KIND, {"delivery_id": did}, key=f"delivery:{did}", priority=priority,
                      max_attempts=NOTIFY_ATTEMPTS)
    return len(pending)


def requeue_stranded(ctx: Context, queue: JobQueue) -> int:
    """Queue a job for every delivery still `queued` whose job is missing (a crash after the alert's commit)."""
    with ctx.session() as s:
        rows = s.execute(select(AlertDelivery.id, Alert.priority).join(Alert, Alert.id == AlertDelivery.alert_id)
                         .where(AlertDelivery.state == "queued")).all()
    missing = [(int(r.id), int(r.priority)) for r in rows if queue.find(NOTIFY_KIND, f"delivery:{r.id}") is None]
    return queue_deliveries(queue, missing)


def message(alert: AlertView) -> dict[str, Any]:
    """The document a receiver gets: the alert's metadata and what matched, never captured text."""
    doc = alert.to_json()
    doc.pop("reason", None)
    return {"kind": "leaktrace.alert", "version": 1, "alert": doc}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def handle_notify_job(job: JobContext, ctx: Context) -> dict[str, Any]:
    """Send one delivery unless it was sent, cancelled, or its alert handled; raise to be retried."""
    did = int(job.payload.get("delivery_id", 0))
    with ctx.session() as s:
        d = s.get(AlertDelivery, did)
        if d is None:
            raise PermanentJobError(f"delivery {did}: no such delivery")
        if d.state in ("sent", "cancelled"):
            return {"state": d.state}
        alert = s.get(Alert, d.alert_id)
        sub = s.get(AlertSubscription, d.subscription_id)
        if alert is None or sub is None or alert.state != "new" or not sub.enabled:
            d.state = "cancelled"
            s.commit()
            return {"state": "cancelled"}
        view = alert_view(alert)
        channel, target, secret = sub.channel, sub.target, sub.secret
    try:
        if channel == "webhook":
            _post(target, secret or "", did, message(view), ctx.settings.notify_timeout_s)
        else:
            _mail(ctx, target, view)
    except Exception as exc:
        why = f"{type(exc).__name__}: {str(exc)[:200]}"
        final = job.claim.attempts >= NOTIFY_ATTEMPTS
        with ctx.session() as s:
            s.execute(update(AlertDelivery).where(AlertDelivery.id == did, AlertDelivery.state == "queued")
                      .values(attempts=AlertDelivery.attempts + 1, last_error=why,
                              state="failed" if final else "queued")
                      .execution_options(synchronize_session=False))
            s.commit()
        log.warning("delivery %s (%s) attempt %s failed: %s", did, channel, job.claim.attempts, type(exc).__name__)
        raise
    with ctx.session() as s:
        s.execute(update(AlertDelivery).where(AlertDelivery.id == did)
                  .values(state="sent", sent_at=utcnow(), attempts=AlertDelivery.attempts + 1, last_error=None)
                  .execution_options(synchronize_session=False))
        s.commit()
    return {"state": "sent"}


class DeliveryFailed(Exception):
    """The receiver answered but refused (not 2xx): retried with back-off."""


def _post(url: str, secret: str, delivery_id: int, doc: dict[str, Any], timeout: float) -> None:
    body = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Leaktrace-Timestamp": ts,
               "X-Leaktrace-Signature": sign(secret, ts, body), "X-Leaktrace-Delivery": str(delivery_id)}
    # The unit's own receiver: never through the crawl's Tor proxy or the environment's proxies.
    with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
        resp = client.post(url, content=body, headers=headers)
    if resp.status_code >= 300:
        raise DeliveryFailed(f"HTTP {resp.status_code}")


def _mail(ctx: Context, to: str, alert: AlertView) -> None:
    st = ctx.settings
    if not st.smtp_host:
        raise DeliveryFailed("no mail server configured (setting smtp_host)")
    msg = EmailMessage()
    msg["From"] = st.smtp_from
    msg["To"] = to
    msg["Subject"] = f"[leaktrace {PRIORITIES.get(alert.priority, '?')}] alert {alert.id}: {alert.rule}"
    msg["X-Leaktrace-Alert"] = str(alert.id)
    lines = [f"Alert {alert.id} ({alert.kind}, {PRIORITIES.get(alert.priority)})", f"rule: {alert.rule}",
             f"actor: {alert.actor or '-'}", f"listing: {alert.listing or '-'}",
             f"matched: {json.dumps(alert.matched, ensure_ascii=False, sort_keys=True)}",
             f"first seen: {alert.first_seen_at.isoformat()}", "",
             "Open the console to see the capture; this message carries none of its content."]
    msg.set_content("\n".join(lines))
    with smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=st.notify_timeout_s) as smtp:
        if st.smtp_starttls:
            smtp.starttls()
        smtp.send_message(msg)
