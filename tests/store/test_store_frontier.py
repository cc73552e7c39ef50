"""The crawl frontier: dedup, leases, resume after a kill, backoff, concurrent claimers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from leaktrace.core.errors import InputError
from leaktrace.store import session_factory
from leaktrace.store.models import FrontierItem, url_key
from leaktrace.store.repo import Frontier, add_source, record_capture


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def source_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as s:
        return add_source(s, "market-a", "onion_site", legal_basis="Order 17", owner="unit 3").id


def urls(n: int, host: str = "abc.onion") -> list[str]:
    return [f"http://{host}/item/{i}" for i in range(n)]


def frontier(sessions: sessionmaker[Session], clock: Clock, **kw: object) -> Frontier:
    return Frontier(sessions, lease=timedelta(minutes=5), backoff=timedelta(seconds=10), clock=clock, **kw)  # type: ignore[arg-type]


def test_enqueue_deduplicates(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    f = frontier(sessions, clock)
    assert f.enqueue(source_id, urls(5)) == 5
    assert f.enqueue(source_id, urls(7)) == 2
    assert f.counts() == {"queued": 7}
    with pytest.raises(InputError, match="no host"):
        f.enqueue(source_id, ["not a url"])


def test_claim_complete_and_resume_without_refetch(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    f = frontier(sessions, clock)
    f.enqueue(source_id, urls(6))
    first = f.claim("w1", limit=4)
    assert [c.url for c in first] == urls(4) and all(c.attempts == 1 for c in first)
    for c in first[:2]:
        assert f.complete(c.id, "w1")
    # The crawl is killed here: two done, two claimed, two never touched.
    resumed = frontier(sessions, clock)
    fresh = resumed.claim("w2", limit=10)
    assert {c.url for c in fresh} == set(urls(6)[4:])
    assert all(resumed.complete(c.id, "w2") for c in fresh)
    clock.advance(minutes=6)  # w1's leases run out
    again = resumed.claim("w2", limit=10)
    assert {c.url for c in again} == set(urls(4)[2:]) and all(c.attempts == 2 for c in again)
    assert not f.complete(first[2].id, "w1"), "a stale worker must not complete a claim it lost"
    clock.advance(minutes=60)
    done_urls = set(urls(2)) | set(urls(6)[4:])
    assert not {c.url for c in resumed.claim("w3", limit=10)} & done_urls


def test_fail_backs_off_then_gives_up(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    f = frontier(sessions, clock, max_attempts=3)
    f.enqueue(source_id, urls(1))
    waits = []
    for _ in range(2):
        (c,) = f.claim("w")
        assert f.fail(c.id, "w", "timeout via proxy") == "queued"
        with sessions() as s:
            item = s.get(FrontierItem, c.id)
            assert item is not None
            waits.append(item.next_try_at - clock.now)
        assert f.claim("w") == []  # not due yet
        clock.advance(seconds=waits[-1].total_seconds())
    assert waits == [timedelta(seconds=10), timedelta(seconds=20)]
    (c,) = f.claim("w")
    assert f.fail(c.id, "w", "x" * 5000) == "failed"
    assert f.fail(c.id, "w", "again") is None
    clock.advance(days=2)
    assert f.claim("w") == []
    with sessions() as s:
        item = s.get(FrontierItem, c.id)
        assert item is not None and item.last_error is not None and len(item.last_error) == 2000


def test_url_that_keeps_killing_workers_fails(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    f = frontier(sessions, clock, max_attempts=2)
    f.enqueue(source_id, urls(1))
    for _ in range(2):
        assert len(f.claim("w")) == 1
        clock.advance(minutes=10)
    assert f.claim("w") == []
    assert f.counts() == {"failed": 1}


def test_claim_filters_by_host(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    f = frontier(sessions, clock)
    f.enqueue(source_id, urls(3, "a.onion") + urls(3, "b.onion"))
    got = f.claim("w", limit=10, host="b.onion")
    assert len(got) == 3 and {c.host for c in got} == {"b.onion"}


def test_frontier_unique_per_source_and_url(sessions: sessionmaker[Session], source_id: int) -> None:
    u = "http://abc.onion/x"
    with pytest.raises(IntegrityError), sessions.begin() as s:
        for _ in range(2):
            s.add(FrontierItem(source_id=source_id, url=u, url_key=url_key(u), host="abc.onion"))
        s.flush()


def test_concurrent_claimers_never_share_a_url(engine: Engine, source_id: int) -> None:
    sessions = session_factory(engine)
    Frontier(sessions).enqueue(source_id, urls(60))
    got: dict[str, list[int]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def work(name: str) -> None:
        f = Frontier(sessions)
        mine: list[int] = []
        try:
            barrier.wait()
            while batch := f.claim(name, limit=3):
                mine += [c.id for c in batch]
                for c in batch:
                    assert f.complete(c.id, name)
        except BaseException as exc:  # reported below
            errors.append(exc)
        got[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    claimed = [i for ids in got.values() for i in ids]
    assert len(claimed) == 60 and len(set(claimed)) == 60
    with sessions() as s:
        assert s.scalar(select(func.count()).where(FrontierItem.state == "done")) == 60


def test_give_up_release_and_requeue_round(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    """A crawler's other updates: fail for good at once, hand back unstarted claims, re-queue a watch round."""
    f = frontier(sessions, clock)
    f.enqueue(source_id, urls(4))
    a, b, c, d = f.claim("w1", 4)
    f.give_up(a.id, "w2", "not mine")  # only the holder may
    f.give_up(a.id, "w1", "too large " * 500)
    f.release([b.id, c.id], "w1")
    f.release([], "w1")
    assert f.complete(d.id, "w1", capture_id=None)
    assert f.counts() == {"failed": 1, "queued": 2, "done": 1}
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(select(FrontierItem))}
    assert rows[a.id].last_error is not None and len(rows[a.id].last_error) == 2000
    assert rows[b.id].attempts == 0 and rows[b.id].claimed_by is None  # a release costs no attempt
    again = f.claim("w1", 4)
    assert {x.id for x in again} == {b.id, c.id}
    assert f.requeue_round(source_id) == 2  # the done and the failed one; claimed ones are left alone
    assert f.counts() == {"queued": 2, "claimed": 2}
    with sessions() as s:
        assert s.get(FrontierItem, a.id).last_error is None  # type: ignore[union-attr]


def test_held_and_settle_claims_of_a_dead_worker(sessions: sessionmaker[Session], clock: Clock, source_id: int) -> None:
    f = frontier(sessions, clock)
    f.enqueue(source_id, urls(3))
    due = clock.now
    clock.advance(seconds=1)
    a, b, c = f.claim("dead", 3)
    held = f.held(source_id)
    assert [(h.id, h.url, h.claimed_by, h.attempts) for h in held] == [(x.id, x.url, "dead", 1) for x in (a, b, c)]
    assert all(h.due_since == due and h.url_key == url_key(h.url) for h in held)
    with sessions.begin() as s:
        cap = record_capture(s, "ab" * 32, a.url, clock.now, 200, source_id)
    assert f.settle(a.id, "dead", cap.id) == "done"
    assert f.settle(b.id, "dead", None) == "queued"
    assert f.settle(c.id, "someone-else", None) is None  # no longer (or never) that worker's claim
    assert f.settle(a.id, "dead", None) is None  # already settled
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(select(FrontierItem))}
    assert (rows[a.id].state, rows[a.id].capture_id, rows[a.id].done_at) == ("done", cap.id, clock.now)
    assert (rows[b.id].state, rows[b.id].attempts, rows[b.id].next_try_at) == ("queued", 0, clock.now)
    assert rows[b.id].claimed_by is None and rows[c.id].claimed_by == "dead"
    assert [h.id for h in f.held(source_id)] == [c.id]
