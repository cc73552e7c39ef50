"""The alerts, trackers, notices and notification pages over HTTP (in process), on the shared console world."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from console_world import PASSWORD, ConsoleWorld
from fastapi.testclient import TestClient

from leaktrace.service.access import local_operator
from leaktrace.service.trackers import job_handlers
from leaktrace.service.worker import Worker
from leaktrace.store.repo.jobs import JobQueue
from leaktrace.web.app import create_app


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


def _login(c: TestClient, username: str, code: str | None = None) -> None:
    data = {"csrf": _csrf(c.get("/login").text), "username": username, "password": PASSWORD}
    if code:
        data["totp"] = code
    r = c.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


@pytest.fixture(scope="module")
def app(console_world: ConsoleWorld) -> object:
    return create_app(console_world.ctx)


@pytest.fixture
def analyst(app: object) -> Iterator[TestClient]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "analyst1")
        yield c


def _drain(world: ConsoleWorld) -> None:
    ctx = world.ctx
    Worker(JobQueue(ctx.sessions), job_handlers(ctx), "web-test").drain()


def test_tracker_create_retrohunt_and_alert_actions(analyst: TestClient, console_world: ConsoleWorld) -> None:
    page = analyst.get("/trackers")
    assert page.status_code == 200 and 'id="tracker-new"' in page.text
    csrf = _csrf(page.text)
    bad = analyst.post("/trackers", data={"csrf": csrf, "name": "bad", "priority": "1",
                                          "spec": '{"regex": ["(a)\\\\1"]}'})
    assert bad.status_code == 400 and "regex[0]" in bad.text and "(a)\\\\1" in bad.text  # the form comes back
    r = analyst.post("/trackers", data={"csrf": csrf, "name": "web 物流", "priority": "2",
                                        "spec": '{"terms": ["物流"]}'}, follow_redirects=False)
    assert r.status_code == 303
    tpath = r.headers["location"]
    page = analyst.get(tpath)
    assert 'id="retrohunt"' in page.text
    analyst.post(tpath, data={"csrf": csrf, "action": "retrohunt"}, follow_redirects=False)
    frag = analyst.get(tpath + "/progress")
    assert "queued" in frag.text and "hx-trigger" in frag.text  # polls while it runs
    _drain(console_world)
    frag = analyst.get(tpath + "/progress")
    assert "done" in frag.text and "hx-trigger" not in frag.text
    tid = tpath.rsplit("/", 1)[1]
    alerts = analyst.get(f"/alerts?tracker={tid}")
    ids = re.findall(r'data-alert="(\d+)"', alerts.text)
    assert len(ids) >= 2 and 'src="/static/alerts.js"' in alerts.text and 'tabindex="0"' in alerts.text
    assert "<script>alert" not in alerts.text  # captured text never reaches the page unescaped
    ok = analyst.post(f"/alerts/{ids[0]}", data={"csrf": csrf, "action": "ack"}, follow_redirects=False)
    assert ok.status_code == 303
    no_reason = analyst.post(f"/alerts/{ids[1]}", data={"csrf": csrf, "action": "dismiss", "reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    analyst.post(f"/alerts/{ids[1]}", data={"csrf": csrf, "action": "dismiss", "reason": "noise"})
    page = analyst.get(f"/alerts?state=all&tracker={tid}")
    assert page.text.count('data-alert="') == len(ids)
    acked = analyst.get(f"/alerts?state=acknowledged&tracker={tid}")
    assert re.findall(r'data-alert="(\d+)"', acked.text) == [ids[0]]
    refused = analyst.post(f"/alerts/{ids[2] if len(ids) > 2 else ids[0]}", data={"action": "ack"})
    assert refused.status_code == 403  # no CSRF token


def test_partner_and_auditor_see_no_alerts(app: object) -> None:
    for user in ("partner1", "auditor1"):
        with TestClient(app) as c:  # type: ignore[arg-type]
            _login(c, user)
            assert c.get("/alerts").status_code == 403
            assert c.get("/trackers").status_code == 403


def test_notification_preferences(analyst: TestClient) -> None:
    page = analyst.get("/notifications")
    csrf = _csrf(page.text)
    r = analyst.post("/notifications", data={"csrf": csrf, "channel": "webhook", "target": "http://127.0.0.1:9/h",
                                             "min_priority": "2", "kinds": ["tracker", "canary"]})
    assert r.status_code == 200 and 'id="webhook-secret"' in r.text and "tracker, canary" in r.text
    bad = analyst.post("/notifications", data={"csrf": csrf, "channel": "email", "target": "nope"})
    assert bad.status_code == 400 and "target" in bad.text
    sub = re.findall(r'data-sub="(\d+)"', r.text)[-1]
    analyst.post(f"/notifications/{sub}/delete", data={"csrf": csrf})
    assert f'data-sub="{sub}"' not in analyst.get("/notifications").text


def test_notices_page_release_is_for_supervisors(app: object, console_world: ConsoleWorld) -> None:
    from leaktrace.service.alerts import hold_notice, raise_alert
    from leaktrace.store.types import utcnow

    with console_world.ctx.session() as s:
        r = raise_alert(s, rule="canary:org-a", kind="canary", listing="post:web-notice", priority=3,
                        matched={"org": "org-a", "canary_id": "p#1"})
        hold_notice(s, r.alert_id, org="org-a", canary_id="p#1", source="m1", seen_at=utcnow())
        s.commit()
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "analyst1")
        assert 'class="release"' not in c.get("/notices").text
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "partner1")
        assert "p#1" not in c.get("/notices").text  # held: the organisation does not see it yet
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "super1", console_world.accounts.fresh_code(console_world.ctx, "super1"))
        page = c.get("/notices")
        nid = re.search(r'data-notice="(\d+)"', page.text).group(1)  # type: ignore[union-attr]
        c.post(f"/notices/{nid}/release", data={"csrf": _csrf(page.text)})
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "partner1")
        assert "p#1" in c.get("/notices").text


def test_health_and_metrics_endpoints(app: object, console_world: ConsoleWorld) -> None:
    from leaktrace.service.tokens import issue_token

    ctx, acc = console_world.ctx, console_world.accounts
    shell = local_operator("tests")
    ops_token = issue_token(ctx, shell, acc.principals["super1"].user_id, ["ops"])
    feed_token = issue_token(ctx, shell, acc.principals["super1"].user_id, ["feed"])
    analyst_token = issue_token(ctx, shell, acc.principals["analyst1"].user_id, ["ops"])
    with TestClient(app) as c:  # type: ignore[arg-type]
        r = c.get("/healthz")
        assert r.status_code == 200 and r.json()["status"] == "ok"
        assert c.get("/metrics", follow_redirects=False).status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer lt_not_a_token"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": f"Bearer {feed_token}"}).status_code == 403
        assert c.get("/metrics", headers={"Authorization": f"Bearer {analyst_token}"}).status_code == 403
        m = c.get("/metrics", headers={"Authorization": f"Bearer {ops_token}"})
        assert m.status_code == 200 and "leaktrace_jobs" in m.text
