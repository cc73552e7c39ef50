"""The media stages as workers run them: the handler table, and a drain for one-shot commands.

`MEDIA_KINDS` and `media_handlers` are what a service worker registers
(the handlers themselves are pipeline/media_jobs.py). `drain_media` is for
commands without a service (`leaktrace crawl`, `leaktrace import
telegram`): after ingest it runs the queued render and OCR jobs in a few
worker threads until none is due, and reports the throughput apart from
the crawl's own page rate. `sweep_lost_media` is the service thread that
queues what a killed crawl left unqueued (pipeline/media_sweep.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.media import OCR, RENDER
from leaktrace.pipeline.media_jobs import media_handlers as _pipeline_handlers
from leaktrace.pipeline.media_sweep import requeue_lost_media
from leaktrace.pipeline.render_runtime import RenderRuntime
from leaktrace.service.worker import Handler, Worker
from leaktrace.store.repo.jobs import JobQueue

MEDIA_KINDS = (RENDER, OCR)
log = logging.getLogger(__name__)


def media_handlers(ctx: Context, runtime: RenderRuntime | None = None) -> dict[str, Handler]:
    """{kind: handler} for a service worker: "ocr", and "render" when given a runtime (one browser)."""
    return dict(_pipeline_handlers(ctx, runtime))


@dataclass
class DrainReport:
    """What a drain ran, how long it took, and what is left in each state per kind."""

    ran: int
    seconds: float
    counts: dict[str, dict[str, int]]

    def rate(self, kind: str) -> float:
        done = self.counts.get(kind, {}).get("done", 0) + self.counts.get(kind, {}).get("failed", 0)
        return done / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"ran": self.ran, "seconds": round(self.seconds, 3), "jobs": self.counts}


def drain_media(ctx: Context, runtime: RenderRuntime | None = None, *, workers: int = 2,
                kinds: tuple[str, ...] = MEDIA_KINDS, handlers: Mapping[str, Handler] | None = None) -> DrainReport:
    """Run due media jobs in `workers` threads until none is left (jobs backing off are left queued)."""
    queue = JobQueue(ctx.sessions)
    table = dict(handlers if handlers is not None else media_handlers(ctx, runtime))
    table = {k: h for k, h in table.items() if k in kinds}
    ran = [0] * max(1, workers)
    started = time.monotonic()

    def work(i: int) -> None:
        ran[i] = Worker(queue, table, f"drain-{i}", poll_seconds=0.05).drain()

    threads = [threading.Thread(target=work, args=(i,), name=f"media-drain-{i}") for i in range(max(1, workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - started
    return DrainReport(sum(ran), seconds, {k: queue.counts(k) for k in table})


SWEEP_EVERY_S = 300.0
SWEEP_WINDOW = timedelta(hours=1)  # after the first sweep: a later kill's capture is at most this old when swept


def sweep_lost_media(ctx: Context, stop: threading.Event, *, every_s: float = SWEEP_EVERY_S) -> None:
    """Queue the media jobs a killed crawl left unqueued: once over the last week when a service starts,
    then every `every_s` over the last hour, until `stop` is set (a thread of `InspectionService`)."""
    window = timedelta(days=7)
    while True:
        try:
            requeue_lost_media(ctx, window=window)
            window = SWEEP_WINDOW
        except Exception as exc:  # the store blinked; the next sweep tries again
            log.warning("media sweep: %s", type(exc).__name__)
        if stop.wait(every_s):
            return
