"""Trackers on new captures, retro-hunts with progress, alert states, canary alerts and held notices."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import alerts, trackers
from leaktrace.service.access import Principal, Role
from leaktrace.service.errors import PermissionDenied
from leaktrace.store.models import Alert, AuditEntry, OrgNotice
from leaktrace.store.repo.jobs import JobQueue

from .conftest import make_user
from .inspection_helpers import add_post, drain, fast_queue

BODY = "出售 sgk 一手数据 100万条, 联系 tg @seller1"


def _track(ctx: Context, post_id: int) -> None:
    fast_queue(ctx).enqueue("track", {"post_id": post_id, "capture_id": None}, key=f"post:{post_id}:{uuid4().hex}")
    drain(ctx)


def test_track_job_raises_one_alert_per_rule_actor_and_listing(ctx: Context, shell: Principal) -> None:
    t = trackers.create_tracker(ctx, shell, "社工库 offers", {"terms": ["社工库"]}, priority=2)
    hit, miss = add_post(ctx, "社工库", BODY), add_post(ctx, "二手手机", "九成新 iPhone 出售")
    for pid in (hit, miss, hit):
        _track(ctx, pid)
    rows, counts = alerts.list_alerts(ctx, shell)
    assert len(rows) == 1 and counts == {"new": 1}
    a = rows[0]
    assert (a.rule, a.kind, a.actor, a.listing, a.hits, a.priority) == (
        f"tracker:{t.id}", "tracker", "seller1", f"post:{hit}", 2, 2)
    assert a.matched["terms"] == ["社工库"] and a.captured_at is not None
    # A second seller reposting the same offer is a second alert.
    _track(ctx, add_post(ctx, "社工库", BODY, author="seller2"))
    assert len(alerts.list_alerts(ctx, shell)[0]) == 2


def test_disabled_and_edited_trackers(ctx: Context, shell: Principal) -> None:
    t = trackers.create_tracker(ctx, shell, "t", {"terms": ["四件套"]})
    pid = add_post(ctx, "sjt 全套", "四件套 现货")
    trackers.update_tracker(ctx, shell, t.id, enabled=False)
    _track(ctx, pid)
    assert alerts.list_alerts(ctx, shell)[0] == []
    v = trackers.update_tracker(ctx, shell, t.id, enabled=True, spec={"terms": ["四件套"], "min_records": 10})
    assert v.version == 2
    _track(ctx, pid)
    assert alerts.list_alerts(ctx, shell)[0] == []  # no record count on the post: the threshold does not hold
    with pytest.raises(InputError, match="'name'"):
        trackers.create_tracker(ctx, shell, "t", {"terms": ["x"]})
    with pytest.raises(InputError, match="priority"):
        trackers.create_tracker(ctx, shell, "u", {"terms": ["x"]}, priority=3)


def test_retrohunt_runs_over_stored_posts_with_progress(ctx: Context, shell: Principal) -> None:
    ids = [add_post(ctx, f"listing {i}", "优选商城 用户数据" if i % 2 else "别的") for i in range(5)]
    t = trackers.create_tracker(ctx, shell, "brand", {"brands": ["优选商城"], "org": "优选"})
    job_id = trackers.start_retrohunt(ctx, shell, t.id)
    assert trackers.retrohunt_status(ctx, shell, t.id).state == "queued"  # type: ignore[union-attr]
    drain(ctx)
    job = JobQueue(ctx.sessions).get(job_id)
    assert job is not None and job.state == "done"
    assert (job.progress_done, job.progress_total) == (5, 5)
    assert job.result == {"posts": 5, "alerts": 2, "new": 2}
    rows, _ = alerts.list_alerts(ctx, shell, tracker_id=t.id)
    assert sorted(a.post_id for a in rows) == [ids[1], ids[3]]
    assert all(a.matched["brands"] == ["优选商城"] for a in rows)
    # Run again after an edit: the same alerts are counted, none raised twice.
    trackers.update_tracker(ctx, shell, t.id, spec={"brands": ["优选商城", "别的"]})
    trackers.start_retrohunt(ctx, shell, t.id)
    drain(ctx)
    assert len(alerts.list_alerts(ctx, shell, tracker_id=t.id)[0]) == 5


def test_alert_states_and_audit(ctx: Context, shell: Principal) -> None:
    from leaktrace.cases.case_records import create_case
    from leaktrace.pipeline.intel_stage import analyse_stored

    trackers.create_tracker(ctx, shell, "t", {"terms": ["社工库"]})
    p1, p2, p3 = (add_post(ctx, "社工库", BODY, author=f"s{i}") for i in range(3))
    analyse_stored(ctx)  # a listing enters a case with its intel verdict
    for p in (p1, p2, p3):
        _track(ctx, p)
    a1, a2, a3 = sorted(a.id for a in alerts.list_alerts(ctx, shell)[0])
    analyst, _ = make_user(ctx, "ana", Role.ANALYST)
    auditor, _ = make_user(ctx, "aud", Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        alerts.acknowledge(ctx, auditor, a1)
    assert alerts.acknowledge(ctx, analyst, a1).state == "acknowledged"
    with pytest.raises(InputError, match="'reason'"):
        alerts.dismiss(ctx, analyst, a2, "  ")
    d = alerts.dismiss(ctx, analyst, a2, "test market, not real")
    assert (d.state, d.reason, d.updated_by) == ("dismissed", "test market, not real", "ana")
    with ctx.session() as s:
        create_case(s, "社工库 sellers", ref="LT-T1", created_by="tests")
        s.commit()
    e = alerts.escalate(ctx, shell, a3, "LT-T1")
    assert (e.state, e.case_ref) == ("escalated", "LT-T1")
    assert alerts.list_alerts(ctx, shell, state="escalated")[0][0].id == a3
    with ctx.session() as s:
        acts = [r.action for r in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
    assert {"alert.acknowledge", "alert.dismiss", "alert.escalate", "case.add_item"} <= set(acts)
    # A dismissed alert hit again stays dismissed.
    _track(ctx, p2)
    assert alerts.get_alert(ctx, shell, a2).state == "dismissed"


def _register_canaries(ctx: Context) -> list[dict[str, str]]:
    from leaktrace.attribution import canaries
    from leaktrace.attribution.registry import Registry

    res = canaries.Resources.parse("13900000000-13900099999", "youxuan.example", "YX")
    recs = canaries.generate(ctx.keyring, "优选商城", "partner-a", 3, res)
    Registry(ctx.data_dir).register_canaries(ctx.keyring, "优选商城", "partner-a", recs)
    return recs


def test_canary_in_a_capture_raises_top_alert_and_a_held_notice(ctx: Context, shell: Principal) -> None:
    recs = _register_canaries(ctx)
    row = f"{recs[1]['name']},{recs[1]['mobile'][:3]} {recs[1]['mobile'][3:7]} {recs[1]['mobile'][7:]},广东"
    pid = add_post(ctx, "电商样本", f"样本:\n张三,13812345678,北京\n{row}\n")
    clean = add_post(ctx, "电商样本", "样本:\n张三,13812345678,北京\n")
    _track(ctx, pid)
    _track(ctx, clean)
    rows, _ = alerts.list_alerts(ctx, shell, kind="canary")
    assert len(rows) == 1
    a = rows[0]
    assert (a.priority, a.post_id, a.rule) == (3, pid, "canary:优选商城")
    assert a.matched == {"org": "优选商城", "canary_id": "partner-a#1", "identifier_kind": "cn_mobile",
                         "source": "m1"}
    assert recs[1]["mobile"] not in repr(a.to_json())
    # The organisation's notice waits for a supervisor.
    partner, _ = make_user(ctx, "yx", Role.PARTNER, org="优选商城")
    other, _ = make_user(ctx, "other", Role.PARTNER, org="别家")
    analyst, _ = make_user(ctx, "ana", Role.ANALYST)
    supervisor, _ = make_user(ctx, "sup", Role.SUPERVISOR)
    assert alerts.list_notices(ctx, partner) == []
    held = alerts.list_notices(ctx, analyst)
    assert [n.state for n in held] == ["held"]
    with pytest.raises(PermissionDenied):
        alerts.release_notice(ctx, analyst, held[0].id)
    with pytest.raises(PermissionDenied):
        alerts.list_alerts(ctx, partner)  # the unit's alerts are not the organisation's
    alerts.release_notice(ctx, supervisor, held[0].id)
    seen = [n.to_json() for n in alerts.list_notices(ctx, partner)]
    assert len(seen) == 1 and set(seen[0]) == {"id", "alert_id", "org", "canary_id", "source", "seen_at", "state",
                                               "released_by", "released_at"}
    assert seen[0]["canary_id"] == "partner-a#1" and "样本" not in repr(seen)
    assert alerts.list_notices(ctx, other) == []
    with ctx.session() as s:
        assert s.scalar(select(OrgNotice.state)) == "released"


def test_source_down_job_raises_an_alert(ctx: Context, shell: Principal) -> None:
    add_post(ctx, "x", "y", source="downsite")
    with ctx.session() as s:
        from leaktrace.store.models import Source
        sid = s.scalar(select(Source.id).where(Source.name == "downsite"))
    q = fast_queue(ctx)
    q.enqueue("source_down", {"source_id": sid, "since": "2026-12-06T10:00:00+00:00"}, key="down:1")
    q.enqueue("source_down", {"source_id": 999_999, "since": "2026-12-06T10:00:00+00:00"}, key="down:2")
    drain(ctx)
    rows, _ = alerts.list_alerts(ctx, shell, kind="source_down")
    assert len(rows) == 1 and rows[0].source_id == sid and rows[0].matched["source"] == "downsite"
    assert q.find("source_down", "down:2").state == "failed"  # type: ignore[union-attr]
    with ctx.session() as s:
        assert s.scalar(select(Alert.priority).where(Alert.kind == "source_down")) == 2
