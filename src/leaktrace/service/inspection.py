"""Online inspection as a service: the elected scheduler plus workers that run sources, in threads.

`leaktrace serve` and `leaktrace worker` start an `InspectionService`. On
PostgreSQL any number of them share the store: one scheduler is elected
(the others wait and take over when it dies), and every process's workers
claim runs from the job queue. On SQLite everything runs in one process:
the whole service takes the store's embedded-service lock first, so a
second process waits until the first is gone.

A run holds its source's lock while it crawls, so a source is never
crawled by two workers at once, even when a run's job was taken over
because its worker looked dead. A run whose worker died is claimed again
when its lease runs out (renewed every few seconds while it runs).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.inspection import GRAPH_KIND, RUN_KIND, rebuild_graph, run_source
from leaktrace.pipeline.render_runtime import RenderRuntime
from leaktrace.service.case_export_jobs import export_handlers
from leaktrace.service.election import StoreLock
from leaktrace.service.media import media_handlers, sweep_lost_media
from leaktrace.service.scheduler import Scheduler
from leaktrace.service.trackers import job_handlers
from leaktrace.service.worker import Handler, Heartbeat, JobContext, PermanentJobError, Worker
from leaktrace.store.repo.jobs import JobQueue

log = logging.getLogger(__name__)
EMBEDDED_LOCK = "embedded-service"
DEFAULT_LEASE_S = 60.0


class RunFailed(PermanentJobError):
    """The run ended without crawling (site down, proxy down, refused): the job fails with that status.

    Permanent for the job: the schedule's back-off queues the next try as a new run.
    """


class SourceBusy(Exception):
    """Another worker is running this source now; the job backs off and tries again."""


def crawl_run_handler(ctx: Context, lease_s: float) -> Handler:
    def handle(job: JobContext) -> Mapping[str, Any]:
        source_id = int(job.payload["source_id"])
        lock = StoreLock(ctx.engine, f"source-run:{source_id}")
        if not lock.acquire():
            raise SourceBusy(f"source {source_id} is being run by another worker")
        try:
            with Heartbeat(job, max(0.5, lease_s / 3)) as beat:
                def pages(n: int) -> None:
                    beat.done = n

                report = run_source(ctx, source_id, heartbeat=pages)
        finally:
            lock.release()
        if report.status not in ("ok", "skipped"):
            raise RunFailed(f"{report.status}: {report.error or 'no detail'}")
        return report.as_dict()

    return handle


def handlers(ctx: Context, lease_s: float = DEFAULT_LEASE_S) -> dict[str, Handler]:
    """The job kinds inspection runs; kinds other services add (trackers, alerts) are merged in by the caller."""
    return {RUN_KIND: crawl_run_handler(ctx, lease_s), GRAPH_KIND: lambda job: rebuild_graph(ctx)}


def worker_name(n: int) -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:w{n}"


class InspectionService:
    """Scheduler, `workers` worker threads and `media_workers` render/OCR threads over one Context.

    (See the module docstring.)
    """

    def __init__(self, ctx: Context, *, workers: int = 1, scheduler: bool = True, poll_s: float = 1.0,
                 lease_s: float = DEFAULT_LEASE_S, media_workers: int = 1) -> None:
        self.ctx = ctx
        self.poll_s = poll_s
        self.queue = JobQueue(ctx.sessions, lease=timedelta(seconds=lease_s))
        # Renderings and OCR queued by the runs: one Chromium per service, started at the first rendering.
        # It has no proxy, so it draws the pictures sealed with the capture and fetches nothing else.
        # Renderings and OCR run on worker threads of their own (`media_workers`), so a slow page in Chromium
        # never holds a thread that a run or a track job (the alerts) is waiting for.
        self._render = RenderRuntime(ctx.evidence)
        media = media_handlers(ctx, self._render)
        kinds = {**handlers(ctx, lease_s), **job_handlers(ctx), **export_handlers(ctx)}
        self.workers = [Worker(self.queue, kinds, worker_name(n), poll_seconds=poll_s) for n in range(workers)]
        self.workers += [Worker(self.queue, media, worker_name(workers + n), poll_seconds=max(poll_s, 0.5))
                         for n in range(media_workers)]
        self.scheduler = Scheduler(ctx, poll_s=poll_s) if scheduler else None
        self.embedded = ctx.engine.dialect.name != "postgresql"
        self._lock = StoreLock(ctx.engine, EMBEDDED_LOCK) if self.embedded else None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started = threading.Event()

    def _main(self) -> None:
        if self._lock is not None:  # SQLite: one process runs the service; a second one waits here
            waited = False
            while not self._lock.acquire():
                if not waited:
                    log.warning("another leaktrace service runs on this store; waiting for it to stop")
                    waited = True
                if self._stop.wait(self.poll_s):
                    return
        parts = [threading.Thread(target=w.run_forever, args=(self._stop,), name=f"worker-{w.name}", daemon=True)
                 for w in self.workers]
        parts.append(threading.Thread(target=sweep_lost_media, args=(self.ctx, self._stop), name="media-sweep",
                                      daemon=True))  # jobs a killed crawl never queued: at start, then every 5 min
        if self.scheduler is not None:
            parts.append(threading.Thread(target=self.scheduler.run_forever, args=(self._stop,), name="scheduler",
                                          daemon=True))
        for t in parts:
            t.start()
        self._threads.extend(parts)
        self.started.set()

    def start(self) -> InspectionService:
        t = threading.Thread(target=self._main, name="inspection", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        for t in list(self._threads):
            t.join(timeout=timeout)
        if self._lock is not None:
            self._lock.release()
        self._render.close()

    def wait(self) -> None:
        """Block until stopped (Ctrl-C in `leaktrace worker`)."""
        while not self._stop.wait(1.0):
            pass


def longest_cycle(ctx: Context, interval_s: float) -> timedelta:
    """How long a listing must stay up to be certain of capture: the longest gap between two run starts of
    one source plus the longest run (a loaded machine stretches rounds past their interval).

    The soak benchmark and the live test judge "up a full inspection cycle" by this.
    """
    from itertools import pairwise

    from sqlalchemy import select

    from leaktrace.store.models import Job

    with ctx.sessions() as s:
        spans = s.execute(select(Job.key, Job.started_at, Job.finished_at).where(
            Job.kind == RUN_KIND, Job.finished_at.is_not(None), Job.started_at.is_not(None))
            .order_by(Job.started_at)).all()
    starts: dict[str, list[Any]] = {}
    longest_run = 0.0
    for key, started, finished in spans:
        starts.setdefault(key.split(":")[1], []).append(started)
        longest_run = max(longest_run, (finished - started).total_seconds())
    gaps = [(b - a).total_seconds() for ts in starts.values() for a, b in pairwise(ts)]
    return timedelta(seconds=max([interval_s, *gaps]) + longest_run)
