"""PostgreSQL restarts under a running service (the test's own cluster): it reconnects and goes on.

The cluster is initdb'd by the test on its own port (_pgcluster.py), never
the shared server. The service watches a live market (one change a second)
every 2 s; mid-watch the server is stopped as on a crash (`-m immediate`),
left down a few seconds and started again. Then: runs finish after the
restart, captures made after it land in the store, no page's bytes are
captured twice (store or custody), no listing version is recorded twice
and none that stayed up a full cycle is missed, and custody verifies.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from _inspect import schedule
from _pgcluster import own_cluster
from sqlalchemy import select

from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import open_context
from leaktrace.service.inspection import InspectionService, longest_cycle
from leaktrace.simulate.serve import Behaviour, LiveConfig, running_world
from leaktrace.simulate.serve.live import check_versions, read_changelog
from leaktrace.store.models import Capture, Job, ListingSnapshot, Post
from leaktrace.store.types import utcnow

DOWN_S = 4.0


def _wait(cond: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = cond()
        except Exception:  # the store is down or just back: ask again
            got = None
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.postgres
def test_service_reconnects_after_postgresql_restarts(small_world: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with own_cluster() as pg:
        monkeypatch.setenv("LEAKTRACE_DATABASE_URL", pg.url)
        get_settings.cache_clear()
        log = tmp_path / "changelog.jsonl"
        live = LiveConfig(log, tick_s=1.0, seed=4, weights=(3.0, 4.0, 1.0, 0.0, 0.0, 0.0))
        with open_context() as ctx, running_world(small_world, behaviour=Behaviour(rate_per_s=0, error_rate=0),
                                                  live=live) as w:
            assert ctx.engine.dialect.name == "postgresql"
            schedule(ctx, w, "m1", interval=2)
            service = InspectionService(ctx, workers=2, poll_s=0.2, lease_s=6).start()
            try:
                def done_runs() -> int:
                    with ctx.sessions() as s:
                        return len(s.scalars(select(Job.id).where(Job.kind == "crawl_run", Job.state == "done")).all())

                _wait(lambda: done_runs() >= 2, 90, "two runs before the restart")
                pg.stop("immediate")
                time.sleep(DOWN_S)
                pg.start()
                back = utcnow()

                def after_restart() -> bool:
                    with ctx.sessions() as s:
                        run = s.scalar(select(Job.id).where(Job.kind == "crawl_run", Job.state == "done",
                                                            Job.started_at > back).limit(1))
                        cap = s.scalar(select(Capture.id).where(Capture.fetched_at > back).limit(1))
                        return run is not None and cap is not None

                _wait(after_restart, 120, "a run and a new capture after the restart")
                time.sleep(6)  # a few more rounds on the reconnected store
            finally:
                service.stop()
            until = utcnow()
            hosts = {mid: h for h, mid in w.hosts.items()}
            stay = longest_cycle(ctx, 2)  # the downtime stretches one cycle: judged by the longest seen
            with ctx.sessions() as s:
                urls = {p.id: p.url for p in s.scalars(select(Post).where(Post.url.like("%/listing/%")))}
                seen: dict[str, list] = {}
                for snap in s.scalars(select(ListingSnapshot).order_by(ListingSnapshot.seen_at)):
                    if snap.post_id in urls:
                        seen.setdefault(urls[snap.post_id], []).append(snap.seen_at)
                rows = Counter((c.url, c.sha256) for c in s.scalars(select(Capture)))
                late = s.scalar(select(Capture.id).where(Capture.fetched_at > back).limit(1))
            caps = Counter((e.source_url, e.meta.get("payload_sha256")) for e in ctx.evidence.entries()
                           if e.action == "capture")
            verified = ctx.evidence.verify().ok
        check = check_versions(read_changelog(log), hosts, seen, stay=stay, until=until, markets={"m1"})
    get_settings.cache_clear()
    assert late is not None  # captures after the restart landed
    assert max(rows.values()) == 1 and max(caps.values()) == 1  # none twice, in the store or in custody
    assert len(rows) == len(caps)
    assert not check.duplicated, check.duplicated
    assert not check.missing, check.missing
    assert check.due >= 5
    assert verified
