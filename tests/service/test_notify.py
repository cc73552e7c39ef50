"""Deliveries: a receiver that times out or answers 500 gets the alert later, once; acknowledged alerts stay quiet."""

from __future__ import annotations

import hashlib
import hmac
import socket
import time
from uuid import uuid4

import pytest
from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import alerts, notify, trackers
from leaktrace.service.access import Principal, Role
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import AlertDelivery

from .conftest import make_user
from .inspection_helpers import add_post, drain, fast_queue, webhook_receiver

SECRET_ROW = "王小明,13812345678,110101199003077777"


def _alert(ctx: Context, shell: Principal, *, author: str = "seller1") -> int:
    if not trackers.list_trackers(ctx, shell):
        trackers.create_tracker(ctx, shell, "t", {"terms": ["社工库"]}, priority=2)
    pid = add_post(ctx, "社工库 出售", f"样本\n{SECRET_ROW}\n", author=author)
    fast_queue(ctx).enqueue("track", {"post_id": pid, "capture_id": None}, key=uuid4().hex)
    drain(ctx, rounds=1)
    rows, _ = alerts.list_alerts(ctx, shell, actor=author)
    return rows[0].id


def _deliveries(ctx: Context) -> list[tuple[str, int]]:
    with ctx.session() as s:
        return [(d.state, d.attempts) for d in s.scalars(select(AlertDelivery).order_by(AlertDelivery.id))]


def test_webhook_timeout_and_500_are_retried_until_delivered_once(ctx: Context, shell: Principal) -> None:
    ctx.settings.notify_timeout_s = 0.3
    analyst, _ = make_user(ctx, "ana", Role.ANALYST)
    with webhook_receiver(["hang", 500, 500]) as rec:
        _sub, secret = notify.subscribe(ctx, analyst, "webhook", rec.url)
        assert secret
        alert_id = _alert(ctx, shell)
        drain(ctx)
        time.sleep(rec.hang_s)  # let the hung handler finish: it must not count as a delivery
        drain(ctx)
    assert rec.attempts == 4 and len(rec.received) == 1
    got = rec.received[0]
    assert got["doc"]["alert"]["id"] == alert_id and got["headers"]["X-Leaktrace-Delivery"]
    ts = got["headers"]["X-Leaktrace-Timestamp"]
    want = "sha256=" + hmac.new(secret.encode(), ts.encode() + b"." + got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Leaktrace-Signature"] == want
    # What left the unit names the alert, never the captured text.
    assert "13812345678" not in got["body"].decode() and "王小明" not in got["body"].decode()
    assert _deliveries(ctx) == [("sent", 4)]
    # Retrying the job after success sends nothing more.
    q = fast_queue(ctx)
    q.enqueue("notify", {"delivery_id": 1}, key="delivery:1", again=True)
    with webhook_receiver([]) as rec2:
        drain(ctx)
    assert rec2.attempts == 0


def test_acknowledged_alert_is_never_sent_again(ctx: Context, shell: Principal) -> None:
    analyst, _ = make_user(ctx, "ana", Role.ANALYST)
    with webhook_receiver([500] * 20) as rec:
        notify.subscribe(ctx, analyst, "webhook", rec.url)
        alert_id = _alert(ctx, shell)
        drain(ctx, rounds=1)
        assert rec.attempts >= 1 and rec.received == []
        alerts.acknowledge(ctx, analyst, alert_id)
        before = rec.attempts
        rec.script = []  # the receiver recovers: still nothing may arrive for the handled alert
        drain(ctx)
    assert rec.attempts == before and rec.received == []
    assert [s for s, _ in _deliveries(ctx)] == ["cancelled"]


def test_subscriptions_filter_what_each_user_receives(ctx: Context, shell: Principal) -> None:
    a, _ = make_user(ctx, "ana", Role.ANALYST)
    b, _ = make_user(ctx, "bob", Role.ANALYST)
    p, _ = make_user(ctx, "yx", Role.PARTNER, org="优选商城")
    with webhook_receiver([]) as ra, webhook_receiver([]) as rb:
        notify.subscribe(ctx, a, "webhook", ra.url, min_priority=0)
        notify.subscribe(ctx, b, "webhook", rb.url, min_priority=3)  # canaries only
        with pytest.raises(PermissionDenied):
            notify.subscribe(ctx, p, "webhook", ra.url)  # partners are told through released notices
        _alert(ctx, shell)
        drain(ctx)
    assert len(ra.received) == 1 and rb.received == []
    assert [v.target for v in notify.subscriptions(ctx, b)] == [rb.url]
    with pytest.raises(InputError, match="'target'"):
        notify.subscribe(ctx, a, "email", "not an address")
    with pytest.raises(InputError, match="'channel'"):
        notify.subscribe(ctx, a, "pager", "x")


def test_email_through_a_local_smtp_server(ctx: Context, shell: Principal) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    got: list[bytes] = []

    class Keep(Sink):
        async def handle_DATA(self, server, session, envelope):
            got.append(envelope.content)
            return "250 OK"

    analyst, _ = make_user(ctx, "ana", Role.ANALYST)
    notify.subscribe(ctx, analyst, "email", "ana@unit.example")
    ctx.settings.smtp_host = None
    alert_id = _alert(ctx, shell)
    drain(ctx, rounds=1)
    assert got == [] and _deliveries(ctx)[0][0] == "queued"  # no mail server yet: waits, not lost
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctl = Controller(Keep(), hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        ctx.settings.smtp_host, ctx.settings.smtp_port = "127.0.0.1", port
        drain(ctx)
    finally:
        ctl.stop()
    assert len(got) == 1
    text = got[0].decode()
    assert f"alert {alert_id}" in text and "To: ana@unit.example" in text
    assert "13812345678" not in text and "王小明" not in text
    assert _deliveries(ctx)[0][0] == "sent"
