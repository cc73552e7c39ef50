"""Retention per source: old captures go with a custody entry each, captures in a case never expire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service import retention
from leaktrace.service.access import Principal
from leaktrace.store.models import Capture, Post, Source
from leaktrace.store.models.base import url_key
from leaktrace.store.types import utcnow


def _capture(ctx: Context, source: str, body: bytes, age_days: int) -> str:
    ref = ctx.evidence.put_bytes(body, source_url=f"http://{source}.onion/", collector="test", media_type="text/html")
    with ctx.session() as s:
        src = s.scalar(select(Source).where(Source.name == source))
        if src is None:
            src = Source(name=source, kind="market", legal_basis="test", owner="t")
            s.add(src)
            s.flush()
        url = f"http://{source}.onion/{ref.sha256[:8]}"
        cap = Capture(source_id=src.id, url=url, url_key=url_key(url), sha256=ref.sha256,
                      fetched_at=utcnow() - timedelta(days=age_days), status=200, size=len(body))
        s.add(cap)
        s.flush()
        s.add(Post(site=source, url=url, url_key=url_key(url), source_id=src.id, capture_id=cap.id, title="t"))
        s.commit()
    return ref.sha256


def test_retention_expires_old_unheld_captures_only(ctx: Context, shell: Principal) -> None:
    from leaktrace.cases.case_records import add_item, create_case

    old = _capture(ctx, "m1", b"old page", 90)
    held = _capture(ctx, "m1", b"old page in a case", 90)
    recent = _capture(ctx, "m1", b"recent page", 5)
    other = _capture(ctx, "m2", b"old page elsewhere", 400)  # m2 has no rule: kept forever
    with ctx.session() as s:
        case = create_case(s, "held", ref="LT-HOLD", created_by="t")
        add_item(s, case, "capture", {"sha256": held, "url": "http://m1.onion/x"}, added_by="t")
        s.commit()
    with pytest.raises(InputError, match="no such source"):
        retention.set_rule(ctx, shell, "nowhere", 30)
    retention.set_rule(ctx, shell, "m1", 30)
    assert retention.rules(ctx) == {"m1": 30}
    dry = retention.run(ctx, shell, dry_run=True)
    assert (dry.expired_captures, dry.held, dry.expired_blobs) == (1, 1, 0) and ctx.evidence.has(old)
    rep = retention.run(ctx, shell)
    assert (rep.expired_captures, rep.expired_blobs, rep.held, rep.per_source) == (1, 1, 1, {"m1": 1})
    assert not ctx.evidence.has(old)
    assert all(ctx.evidence.has(h) for h in (held, recent, other))
    with ctx.session() as s:
        assert s.scalar(select(Capture).where(Capture.sha256 == old)) is None
        assert s.scalar(select(Post).where(Post.capture_id.is_(None))) is not None  # the post stays, unlinked
    entries = [e for e in ctx.evidence.entries() if e.action == "expire"]
    assert [(e.sha256, e.meta["reason"]) for e in entries] == [(old, "retention")]
    report = ctx.evidence.verify(check_blobs=True)
    assert report.ok, report.problems  # the chain accounts for the deleted blob
    assert retention.run(ctx, shell).expired_captures == 0  # nothing left to expire


def test_a_deleted_blob_without_its_custody_entry_is_still_a_problem(ctx: Context) -> None:
    sha = _capture(ctx, "m1", b"page", 1)
    ctx.evidence.blob_path(sha).unlink()
    assert any(p.kind == "blob" for p in ctx.evidence.verify(check_blobs=True).problems)


def test_retention_runs_as_a_job(ctx: Context, shell: Principal) -> None:
    from .inspection_helpers import drain, fast_queue

    old = _capture(ctx, "m1", b"old", 60)
    retention.set_rule(ctx, shell, "m1", 30)
    q = fast_queue(ctx)
    job_id, _ = q.enqueue("retention", {}, key="daily:1")
    drain(ctx)
    job = q.get(job_id)
    assert job is not None and job.state == "done" and job.result["expired_captures"] == 1  # type: ignore[index]
    assert not ctx.evidence.has(old)


def test_the_elected_scheduler_queues_one_retention_pass_a_day(ctx: Context, shell: Principal) -> None:
    """Nothing else queues the `retention` job: the scheduler does, once per UTC day however often it ticks."""
    from leaktrace.service.scheduler import Scheduler, queue_daily_retention
    from leaktrace.store.models import Job

    from .inspection_helpers import drain

    old = _capture(ctx, "m1", b"old, expired by the scheduled pass", 60)
    retention.set_rule(ctx, shell, "m1", 30)
    sched = Scheduler(ctx)
    try:
        assert sched.step() and sched.step()  # elected; two ticks the same day
    finally:
        sched.lock.release()
    with ctx.session() as s:
        keys = s.scalars(select(Job.key).where(Job.kind == "retention")).all()
    assert keys == [f"retention:{utcnow().date().isoformat()}"]
    drain(ctx)
    assert not ctx.evidence.has(old)
    assert queue_daily_retention(ctx, utcnow() + timedelta(days=1)) is True  # the next day: a new pass
    assert queue_daily_retention(ctx, utcnow() + timedelta(days=1)) is False
