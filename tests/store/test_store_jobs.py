"""The job queue: once per key, leases, a dead worker's job claimed again, back-off, concurrent claimers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import InputError
from leaktrace.service.worker import JobContext, PermanentJobError, Worker
from leaktrace.store import session_factory
from leaktrace.store.repo.jobs import JobQueue


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def queue(sessions: sessionmaker[Session], clock: Clock) -> JobQueue:
    return JobQueue(sessions, lease=timedelta(minutes=5), backoff=timedelta(seconds=10), clock=clock)


def test_same_key_is_queued_once(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    a, new_a = q.enqueue("render", {"capture_id": 1}, key="capture:1")
    b, new_b = q.enqueue("render", {"capture_id": 1}, key="capture:1")
    c, new_c = q.enqueue("ocr", {"capture_id": 1}, key="capture:1")
    assert (a, new_a, new_b, new_c) == (b, True, False, True) and c != a
    u1, _ = q.enqueue("notify", {})
    u2, _ = q.enqueue("notify", {})
    assert u1 != u2
    assert q.counts() == {"queued": 4}


def test_claim_runs_highest_priority_first_and_never_twice(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    low, _ = q.enqueue("render", key="a")
    high, _ = q.enqueue("render", key="b", priority=10)
    later, _ = q.enqueue("render", key="c", run_at=clock.now + timedelta(hours=1))
    first = q.claim("w1", limit=5)
    assert [c.id for c in first] == sorted([low, high])
    assert q.claim("w2", limit=5) == []
    for c in first:
        assert q.complete(c.id, "w1")
    clock.advance(hours=2)
    assert [c.id for c in q.claim("w2", limit=5)] == [later]
    assert q.claim("w1", kinds=["ocr"]) == []


def test_dead_workers_job_is_claimed_again_and_its_late_completion_refused(
    sessions: sessionmaker[Session], clock: Clock
) -> None:
    q = queue(sessions, clock)
    job, _ = q.enqueue("render", key="x", max_attempts=2)
    [c1] = q.claim("dead")
    clock.advance(minutes=6)
    [c2] = q.claim("alive")
    assert c2.id == c1.id == job and c2.attempts == 2
    assert not q.complete(job, "dead")
    assert not q.heartbeat(job, "dead", done=1)
    assert q.complete(job, "alive", {"ok": 1})
    view = q.get(job)
    assert view is not None and view.state == "done" and view.result == {"ok": 1}


def test_a_job_that_keeps_killing_workers_fails(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    job, _ = q.enqueue("render", key="x", max_attempts=1)
    q.claim("w1")
    clock.advance(minutes=6)
    assert q.claim("w2") == []
    view = q.get(job)
    assert view is not None and view.state == "failed" and "lease expired" in (view.last_error or "")


def test_failure_backs_off_then_fails_for_good(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    job, _ = q.enqueue("notify", key="n", max_attempts=3)
    q.claim("w")
    assert q.fail(job, "w", "HTTP 500") == "queued"
    assert q.claim("w") == []
    clock.advance(seconds=11)
    q.claim("w")
    assert q.fail(job, "w", "HTTP 500") == "queued"
    clock.advance(seconds=15)
    assert q.claim("w") == []  # second back-off is 20 s
    clock.advance(seconds=6)
    q.claim("w")
    assert q.fail(job, "w", "HTTP 500") == "failed"
    assert q.fail(job, "w", "again") is None


def test_again_requeues_a_finished_job_only(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    job, _ = q.enqueue("retro", {"v": 1}, key="tracker:1")
    q.claim("w")
    assert q.enqueue("retro", {"v": 2}, key="tracker:1", again=True) == (job, False)
    assert q.get(job).state == "running"  # type: ignore[union-attr]
    q.complete(job, "w")
    q.enqueue("retro", {"v": 3}, key="tracker:1", again=True)
    [claim] = q.claim("w")
    assert claim.payload == {"v": 3} and claim.attempts == 1


def test_bad_kind_and_key_are_refused(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    with pytest.raises(InputError, match="kind"):
        q.enqueue("", key="x")
    with pytest.raises(InputError, match="key"):
        q.enqueue("render", key="k" * 300)


def test_worker_runs_handlers_and_records_failures(sessions: sessionmaker[Session], clock: Clock) -> None:
    q = queue(sessions, clock)
    seen: list[int] = []

    def render(ctx: JobContext) -> dict[str, int]:
        assert ctx.progress(1, 1)
        seen.append(ctx.payload["n"])
        return {"n": ctx.payload["n"]}

    def broken(ctx: JobContext) -> None:
        raise PermanentJobError("capture 9 is gone")

    def flaky(ctx: JobContext) -> None:
        raise OSError("disk full")

    ok, _ = q.enqueue("render", {"n": 5}, key="r")
    gone, _ = q.enqueue("ocr", {}, key="o")
    retry, _ = q.enqueue("notify", {}, key="n")
    other, _ = q.enqueue("unhandled", {}, key="u")
    w = Worker(q, {"render": render, "ocr": broken, "notify": flaky}, "w1")
    assert w.drain() == 3
    assert seen == [5]
    views = {j: q.get(j) for j in (ok, gone, retry, other)}
    assert views[ok].state == "done" and views[ok].result == {"n": 5}  # type: ignore[union-attr]
    assert views[ok].progress_done == 1 and views[ok].progress_total == 1  # type: ignore[union-attr]
    assert views[gone].state == "failed" and "capture 9 is gone" in views[gone].last_error  # type: ignore[union-attr,operator]
    assert views[retry].state == "queued" and "disk full" in views[retry].last_error  # type: ignore[union-attr,operator]
    assert views[other].state == "queued"  # type: ignore[union-attr]


def test_concurrent_claimers_split_the_queue(engine: Engine) -> None:
    sessions = session_factory(engine)
    q = JobQueue(sessions)
    n = 60
    for i in range(n):
        q.enqueue("render", {"i": i}, key=f"k{i}")
    got: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def claimer(slot: int) -> None:
        try:
            while True:
                claims = q.claim(f"w{slot}", limit=3)
                if not claims:
                    return
                got[slot].extend(c.id for c in claims)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    claimed = [j for ids in got for j in ids]
    assert len(claimed) == n and len(set(claimed)) == n
