"""The scheduler: one per store (elected), turning due source schedules into "crawl_run" jobs.

It never crawls: it queues a job keyed by source and due time, so a second
scheduler that slipped in, or a tick repeated after a crash, queues nothing
new, and any worker on any machine claims the run (FOR UPDATE SKIP LOCKED).
No APScheduler: its job store must not be shared between processes, and
the schedule already lives in the store (`source_schedules`).
"""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime

from sqlalchemy import select

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.inspection import RUN_KIND
from leaktrace.service.election import StoreLock
from leaktrace.store.models import Job
from leaktrace.store.repo.jobs import enqueue_in
from leaktrace.store.repo.schedules import advance, due_schedules
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)
LEADER_LOCK = "scheduler"
RUN_MAX_ATTEMPTS = 10  # a run that keeps killing its workers stops being retried after this
RETENTION_KIND = "retention"  # handled by service.trackers.handle_retention_job


def run_key(source_id: int, due: datetime) -> str:
    return f"source:{source_id}:{due.isoformat()}"


def queue_due_runs(ctx: Context, now: datetime | None = None) -> list[int]:
    """Queue a run of every due source that has none queued or running; returns their source ids.

    The next due time is set from the schedule at the same commit, so a
    source's runs never pile up behind a slow or failing site.
    """
    now = now or utcnow()
    queued: list[int] = []
    with ctx.sessions.begin() as s:
        for sched in due_schedules(s, now):
            busy = s.scalar(select(Job.id).where(Job.kind == RUN_KIND, Job.state.in_(("queued", "running")),
                                                 Job.key.like(f"source:{sched.source_id}:%")).limit(1))
            if busy is not None:
                continue  # its next run is queued once this one ends
            due = sched.next_run_at or now
            enqueue_in(s, RUN_KIND, {"source_id": sched.source_id, "due": due.isoformat()},
                       key=run_key(sched.source_id, due), max_attempts=RUN_MAX_ATTEMPTS, now=now)
            advance(s, sched.source_id, now)
            queued.append(sched.source_id)
    return queued


def queue_daily_retention(ctx: Context, now: datetime | None = None) -> bool:
    """Queue today's retention pass (UTC day) unless it is queued already; True when this call queued it.

    Keyed by the day, so every tick of the day after the first, a second
    scheduler or a restart queues nothing more: the rules run once a day.
    """
    now = now or utcnow()
    with ctx.sessions.begin() as s:
        _, new = enqueue_in(s, RETENTION_KIND, {"day": now.date().isoformat()},
                            key=f"retention:{now.date().isoformat()}", max_attempts=3, now=now)
    return new


class Scheduler:
    """Waits to be elected, then ticks every `poll_s` seconds until stopped; steps down if its lock is lost."""

    def __init__(self, ctx: Context, *, poll_s: float = 1.0) -> None:
        self.ctx = ctx
        self.poll_s = poll_s
        self.lock = StoreLock(ctx.engine, LEADER_LOCK)
        self.leader = threading.Event()
        self.ticks = 0
        self._retention_day: date | None = None  # the day whose retention pass this scheduler saw queued

    def step(self) -> bool:
        """One pass: try to lead, and tick when leading; True when this scheduler leads."""
        if not self.lock.held:
            if not self.lock.acquire():
                return False
            log.info("scheduler: elected")
        if not self.lock.alive():
            self.leader.clear()
            return False
        self.leader.set()
        queue_due_runs(self.ctx)
        now = utcnow()
        if self._retention_day != now.date():  # once a day, not a write on every tick
            queue_daily_retention(self.ctx, now)
            self._retention_day = now.date()
        self.ticks += 1
        return True

    def run_forever(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.step()
                except Exception as exc:  # the store is unreachable for a moment: retry, never die
                    log.warning("scheduler: %s; retrying", type(exc).__name__)
                stop.wait(self.poll_s)
        finally:
            self.leader.clear()
            self.lock.release()
