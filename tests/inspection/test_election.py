"""Exactly one scheduler per store: the second waits, and takes over when the first dies."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service.inspection import InspectionService
from leaktrace.service.scheduler import Scheduler, queue_due_runs
from leaktrace.store.models import Job, Source
from leaktrace.store.repo import add_source
from leaktrace.store.repo.schedules import set_schedule


@pytest.fixture()
def pg_contexts(pg_new_schema_url: Callable[[], str]) -> Iterator[tuple[Context, Context]]:
    """Two processes' worth of contexts (own engines, own connections) on one PostgreSQL schema."""
    settings = get_settings().model_copy(update={"database_url": pg_new_schema_url()})
    with open_context(settings) as a, open_context(settings, migrate=False) as b:
        yield a, b


def _due_source(ctx: Context) -> int:
    with ctx.sessions.begin() as s:
        src = add_source(s, "m1", "market", legal_basis="test warrant", owner="tester")
        set_schedule(s, src.id, kind="crawl", profile="simulated-market", start_urls=["http://example.onion/"],
                     interval_s=3600)
        return src.id


@pytest.mark.postgres
def test_second_scheduler_waits_then_takes_over_on_postgres(pg_contexts: tuple[Context, Context]) -> None:
    a, b = pg_contexts
    source_id = _due_source(a)
    first, second = Scheduler(a), Scheduler(b)
    assert first.step() is True
    assert second.step() is False and not second.leader.is_set()  # waits: the advisory lock is held
    with a.sessions() as s:
        assert s.scalar(select(Job.key).where(Job.kind == "crawl_run")).startswith(f"source:{source_id}:")
    # The first dies: its database session ends (as on kill -9), and with it the lock.
    pid = first.lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[union-attr]
    with b.engine.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    assert first.step() is False  # it notices and steps down
    assert second.step() is True
    assert first.step() is False
    with b.sessions() as s:  # the run queued by the first was not queued again by the second
        assert len(s.scalars(select(Job.id).where(Job.kind == "crawl_run")).all()) == 1
    second.lock.release()


@pytest.mark.postgres
def test_stores_in_other_schemas_of_one_database_elect_their_own(pg_contexts: tuple[Context, Context],
                                                                 pg_new_schema_url: Callable[[], str]) -> None:
    """Advisory locks belong to the database: the key names the schema, or one store's leader blocks another's."""
    a, _ = pg_contexts
    settings = get_settings().model_copy(update={"database_url": pg_new_schema_url()})
    with open_context(settings) as elsewhere:
        here, there = Scheduler(a), Scheduler(elsewhere)
        try:
            assert here.step() is True
            assert there.step() is True  # another store: not waiting for this one's leader
            assert Scheduler(a).step() is False  # a second scheduler on the same store still waits
        finally:
            here.lock.release()
            there.lock.release()


def test_second_embedded_service_waits_for_the_first() -> None:
    """SQLite: one process runs scheduler and workers; a second service on the store waits until it stops."""
    with open_context() as ctx, open_context(migrate=False) as other:
        one = InspectionService(ctx, poll_s=0.05).start()
        assert one.started.wait(10)
        two = InspectionService(other, poll_s=0.05).start()
        time.sleep(0.5)
        assert not two.started.is_set()
        assert one.scheduler is not None and one.scheduler.leader.wait(5)
        one.stop()
        assert two.started.wait(10)
        assert two.scheduler is not None and two.scheduler.leader.wait(5)
        two.stop()


def test_a_tick_queues_each_due_source_once() -> None:
    with open_context() as ctx:
        _due_source(ctx)
        assert len(queue_due_runs(ctx)) == 1
        assert queue_due_runs(ctx) == []  # not due again for an hour, and its run is still queued
        with ctx.sessions() as s:
            assert s.scalar(select(Source.name)) == "m1"
            assert len(s.scalars(select(Job.id).where(Job.kind == "crawl_run")).all()) == 1


@pytest.mark.postgres
def test_two_workers_never_crawl_one_source_at_once_on_postgres(pg_contexts: tuple[Context, Context],
                                                                 small_world: Path) -> None:
    """Two runs of one source queued at once, two services (own engines): one crawls, the other backs off."""
    from _inspect import schedule

    from leaktrace.simulate.serve import Behaviour, running_world
    from leaktrace.store.models import FrontierItem
    from leaktrace.store.repo.jobs import JobQueue

    a, b = pg_contexts
    with running_world(small_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        schedule(a, w, "m1", interval=3600)
        with a.sessions() as s:
            sid = s.scalar(select(Source.id).where(Source.name == "m1"))
        queue = JobQueue(a.sessions)
        for key in ("twice-1", "twice-2"):
            queue.enqueue("crawl_run", {"source_id": sid}, key=key)
        one = InspectionService(a, scheduler=False, poll_s=0.05, lease_s=10).start()
        two = InspectionService(b, scheduler=False, poll_s=0.05, lease_s=10).start()
        holders: set[int] = set()
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                with a.sessions() as s:
                    crawlers = set(s.scalars(select(FrontierItem.claimed_by).where(
                        FrontierItem.state == "claimed", FrontierItem.source_id == sid)))
                    states = set(s.scalars(select(Job.state).where(Job.kind == "crawl_run")))
                holders.add(len(crawlers))
                if states == {"done"}:
                    break
                time.sleep(0.02)
        finally:
            one.stop()
            two.stop()
    assert states == {"done"}  # both runs ran, one after the other
    assert max(holders) == 1  # never two crawlers holding URLs of the source at the same moment
