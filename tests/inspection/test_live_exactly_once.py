"""Live simulated markets under the scheduler: every listing version that stayed up captured exactly once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from _inspect import schedule
from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.service.inspection import InspectionService, longest_cycle
from leaktrace.simulate.serve import Behaviour, LiveConfig, running_world
from leaktrace.simulate.serve.live import check_versions, due_versions, read_changelog
from leaktrace.store.models import Capture, Job, ListingSnapshot, Post
from leaktrace.store.types import utcnow

WATCH_S = 45
STAY = timedelta(seconds=12)  # at least: two back-to-back rounds (~4 s each here) and a margin


def test_every_version_that_stayed_up_is_captured_once(ctx: Context, small_world: Path, tmp_path: Path) -> None:
    log = tmp_path / "changelog.jsonl"
    live = LiveConfig(log, tick_s=1.0, seed=3, weights=(3.0, 4.0, 1.0, 0.3, 0.0, 0.0), down_ticks=4)
    with running_world(small_world, behaviour=Behaviour(rate_per_s=0, error_rate=0), live=live) as w:
        schedule(ctx, w, "m1", interval=2)
        service = InspectionService(ctx, workers=1, poll_s=0.2, lease_s=10).start()
        time.sleep(WATCH_S)
        service.stop()
        until = utcnow()
        stay = max(STAY, longest_cycle(ctx, 2))  # rounds stretch on a loaded machine
        hosts = {mid: h for h, mid in w.hosts.items()}
    rows = read_changelog(log)
    with ctx.sessions() as s:
        runs = s.scalars(select(Job.result).where(Job.kind == "crawl_run", Job.state == "done")).all()
        posts = {p.id: p.url for p in s.scalars(select(Post).where(Post.url.like("%/listing/%")))}
        seen: dict[str, list] = {}
        for snap in s.scalars(select(ListingSnapshot).order_by(ListingSnapshot.seen_at, ListingSnapshot.id)):
            if snap.post_id in posts:
                seen.setdefault(posts[snap.post_id], []).append((snap.seen_at, snap.post_id))
        caps = Counter((c.url, c.sha256) for c in s.scalars(select(Capture)))
        tracks = set(s.scalars(select(Job.key).where(Job.kind == "track")))
    check = check_versions(rows, hosts, {u: [t for t, _ in v] for u, v in seen.items()}, stay=stay, until=until,
                           markets={"m1"})
    due = [v for v in due_versions(rows, hosts, stay=stay, until=until) if v.market == "m1"]
    assert sum(v.op == "edit" for v in due) >= 2 and any(v.op == "new" for v in due), "too few changes to test"
    assert len(runs) >= 4
    assert max(caps.values()) == 1  # the same bytes of a URL are never a second capture
    assert not check.duplicated, check.duplicated  # no version recorded twice (a short-lived one may be missed)
    assert not check.missing, check.missing  # each that stayed up a full interval recorded once
    for v in due:  # ... and handed to the trackers under its version number
        if v.op == "delete" and v.url not in seen:
            continue  # deleted before it was ever fetched: nothing to mark removed
        n = sum(t < (v.end or until) for t, _ in seen[v.url])
        pid = seen[v.url][0][1]
        assert f"post:{pid}:v{n}" in tracks
    assert ctx.evidence.verify().ok
