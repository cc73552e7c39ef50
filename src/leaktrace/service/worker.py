"""A worker: claims jobs from the one queue and runs the handler registered for their kind.

Handlers are plain functions of a `JobContext`; they live with the stage they
run (rendering in `collect`, OCR in `images`, through `pipeline`), and the
worker only knows their kind's name. A handler that raises `PermanentJobError`
is not retried; any other exception backs the job off. A handler that sees
`ctx.progress(...)` return False has lost its lease to another worker and
stops, so no job's effect is written twice by two live workers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from leaktrace.store.repo.jobs import JobClaim, JobQueue

log = logging.getLogger(__name__)


class PermanentJobError(Exception):
    """The job can never succeed (its input is gone or refused): fail it without retrying."""


@dataclass
class JobContext:
    """What a handler gets: its payload, and a way to report progress that also renews the lease."""

    claim: JobClaim
    queue: JobQueue
    worker: str
    _lost: bool = field(default=False, init=False)

    @property
    def payload(self) -> dict[str, Any]:
        return self.claim.payload

    def progress(self, done: int, total: int | None = None) -> bool:
        """Record progress; False when another worker took the job over (the handler should stop)."""
        if not self.queue.heartbeat(self.claim.id, self.worker, done=done, total=total):
            self._lost = True
        return not self._lost


Handler = Callable[[JobContext], Mapping[str, Any] | None]


class Heartbeat:
    """Renews a job's lease every `every_s` while a long handler runs (a crawl's logins and slow pages, a PDF or a
    bundle being written), so no other worker takes the job over and runs it twice; `done` is reported with it."""

    def __init__(self, job: JobContext, every_s: float) -> None:
        self.job, self.every_s = job, every_s
        self.done = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job.claim.id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.job.progress(self.done)
            except Exception as exc:  # the store blinked; the next beat tries again
                log.warning("heartbeat of job %s: %s", self.job.claim.id, type(exc).__name__)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class Worker:
    """Runs jobs of the kinds it has handlers for, one at a time, until stopped."""

    def __init__(self, queue: JobQueue, handlers: Mapping[str, Handler], name: str, *,
                 poll_seconds: float = 1.0) -> None:
        self.queue = queue
        self.handlers = dict(handlers)
        self.name = name
        self.poll_seconds = poll_seconds

    def run_once(self) -> bool:
        """Claim and run one job; False when none was due."""
        claims = self.queue.claim(self.name, kinds=sorted(self.handlers), limit=1)
        if not claims:
            return False
        self._run(claims[0])
        return True

    def _run(self, claim: JobClaim) -> None:
        ctx = JobContext(claim, self.queue, self.name)
        try:
            result = self.handlers[claim.kind](ctx)
        except PermanentJobError as exc:
            self.queue.fail(claim.id, self.name, f"{type(exc).__name__}: {exc}", permanent=True)
            log.warning("job %s (%s) failed for good: %s", claim.id, claim.kind, exc)
            return
        except Exception as exc:
            state = self.queue.fail(claim.id, self.name, f"{type(exc).__name__}: {exc}")
            log.warning("job %s (%s) failed (%s): %s", claim.id, claim.kind, state, type(exc).__name__)
            return
        if not ctx._lost:
            self.queue.complete(claim.id, self.name, result)

    def drain(self, *, limit: int | None = None) -> int:
        """Run due jobs until none is left (or `limit` ran); returns how many ran. For tests and one-shot CLIs."""
        ran = 0
        while (limit is None or ran < limit) and self.run_once():
            ran += 1
        return ran

    def run_forever(self, stop: threading.Event) -> None:
        """Poll until `stop` is set; a failure to reach the store is logged and retried, never fatal."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception as exc:
                log.warning("worker %s: queue unavailable (%s); retrying", self.name, type(exc).__name__)
                busy = False
            if not busy:
                stop.wait(self.poll_seconds)


def start_in_thread(worker: Worker) -> tuple[threading.Thread, threading.Event]:
    """Run a worker beside the console (the embedded SQLite default runs everything in one process)."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), name=f"worker-{worker.name}", daemon=True)
    thread.start()
    return thread, stop


def wait_until_idle(queue: JobQueue, kinds: tuple[str, ...], timeout: float = 30.0) -> bool:
    """True once no job of `kinds` is queued or running (tests, the demo)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = sum(n for kind in kinds for st, n in queue.counts(kind).items() if st in ("queued", "running"))
        if not busy:
            return True
        time.sleep(0.05)
    return False
