"""What goes wrong in a long watch: the proxy goes away, the service is killed mid-crawl.

Each runs on SQLite (one process holds the service) and on PostgreSQL (a
fresh schema of the test server; the killed worker is a process of its own
on the same schema), since reconnecting and taking over a dead run's lease
differ between the two.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _inspect import schedule
from sqlalchemy import select

from child_process import child_process, leaktrace, signal_group
from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service.inspection import InspectionService
from leaktrace.simulate.serve import Behaviour, running_world
from leaktrace.store.models import Capture, FrontierItem, Job, Post, SourceSchedule

QUIET = Behaviour(rate_per_s=0, error_rate=0)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ctx(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Context]:
    """The store of the test (overrides conftest's): SQLite in the data directory, or a PostgreSQL schema.

    The URL goes into the environment, so a `leaktrace worker` started by the test uses the same store.
    """
    if request.param == "postgresql":
        monkeypatch.setenv("LEAKTRACE_DATABASE_URL", request.getfixturevalue("pg_new_schema_url")())
    get_settings.cache_clear()
    with open_context() as c:
        assert c.engine.dialect.name == request.param
        yield c
    get_settings.cache_clear()


def _wait(cond: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _runs(ctx: Context) -> list[tuple[int, str, str | None]]:
    with ctx.sessions() as s:
        return [tuple(r) for r in s.execute(select(Job.id, Job.state, Job.last_error)
                                           .where(Job.kind == "crawl_run").order_by(Job.id))]  # type: ignore[misc]


def _status(ctx: Context) -> str | None:
    with ctx.sessions() as s:
        return s.scalar(select(SourceSchedule.last_status))


def test_proxy_down_fails_runs_clearly_then_they_resume(ctx: Context, small_world: Path) -> None:
    service = InspectionService(ctx, poll_s=0.1, lease_s=10)
    try:
        with running_world(small_world, behaviour=QUIET) as w:
            ports = (w.http_port, w.socks_port)
            schedule(ctx, w, "m2", interval=1)
            service.start()
            _wait(lambda: any(st == "done" for _, st, _ in _runs(ctx)), 60, "a first run")
        # (a run caught while the world was shutting down may fail as site_down first, after its fetches' retries,
        # which take tens of seconds on a loaded machine; the next run then finds the proxy down)
        down = _wait(lambda: [r for r in _runs(ctx) if r[1] == "failed" and "proxy_down" in (r[2] or "")], 90,
                     "a run failing on the proxy")
        error = down[0][2] or ""  # type: ignore[index]
        assert error.startswith("RunFailed: proxy_down: proxy 127.0.0.1:") and "not reachable" in error
        assert _status(ctx) == "proxy_down"
        last_failed = down[-1][0]  # type: ignore[index]
        with running_world(small_world, port=ports[0], socks_port=ports[1], behaviour=QUIET):
            _wait(lambda: any(i > last_failed and st == "done" for i, st, _ in _runs(ctx)), 60, "a run after it")
            service.stop()  # before the proxy goes away again
            with ctx.sessions() as s:
                row = s.scalar(select(SourceSchedule))
                assert row is not None and row.last_status == "ok"
                assert row.failures == 0 and row.down_since is None and row.last_pages > 0
    finally:
        service.stop()


def test_kill_9_mid_crawl_then_restart_loses_and_duplicates_nothing(ctx: Context, small_world: Path) -> None:
    custody = Path(os.environ["LEAKTRACE_DATA_DIR"]) / "evidence" / "custody.jsonl"

    def entries() -> int:
        try:
            return custody.read_bytes().count(b"\n")
        except FileNotFoundError:
            return 0

    with running_world(small_world, behaviour=Behaviour(rate_per_s=0, error_rate=0.02, seed=2)) as w:
        schedule(ctx, w, "m1", interval=3600)  # one run, due now
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        with child_process(leaktrace("worker", "--threads", "1", "--poll", "0.1", "--lease", "3"), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as proc:
            deadline = time.monotonic() + 120
            while entries() < 25 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.005)
            assert proc.poll() is None, "the worker ended before it could be killed"
            signal_group(proc, signal.SIGKILL)  # kill -9, its browser with it
            proc.wait(30)
        with ctx.sessions() as s:
            assert s.scalar(select(Job.state).where(Job.kind == "crawl_run")) == "running"  # died with it
        service = InspectionService(ctx, poll_s=0.1, lease_s=3).start()  # the restart
        try:
            _wait(lambda: _runs(ctx)[0][1] == "done", 120, "the run to be taken over and finished")
        finally:
            service.stop()
    listings = {json.loads(line)["id"] for line in (small_world / "social" / "listings.jsonl").read_text().splitlines()
                if json.loads(line)["market"] == "m1"}
    with ctx.sessions() as s:
        urls = {p.url.rsplit("/", 1)[1] for p in s.scalars(select(Post).where(Post.url.like("%/listing/%")))}
        assert urls == {str(i) for i in listings}  # none lost
        assert set(s.scalars(select(FrontierItem.state))) <= {"done", "failed"}
        rows = Counter((c.url, c.sha256) for c in s.scalars(select(Capture)))
    caps = Counter((e.source_url, e.meta.get("payload_sha256")) for e in ctx.evidence.entries() if e.action == "capture")
    assert max(caps.values()) == 1 and max(rows.values()) == 1  # none twice, in custody or in the store
    assert len(rows) == len(caps)
    assert ctx.evidence.verify().ok
