"""The screenshot queue: captures are rendered after the fact, never holding up the crawl.

The crawler hands each captured listing or seller page to `submit`, which
only puts it on a bounded queue and returns; a few workers render them in
Chromium (render.py) and take the results into evidence on a thread:

* the subresources Chromium asked for, as fetched by the crawler through the
  proxy: one WARC (request/response pairs), action `render-resources`;
* the full-page PNG, action `screenshot`, media type `image/png`, its meta
  naming the page's capture (`capture_sha256`), the resources WARC, whether
  JavaScript ran, and what was blocked and why;
* or, when rendering failed (timeout, a browser error, a full queue), a
  `screenshot-failed` entry naming the capture and the reason.

The capture's own entry is written first, by the crawl; the screenshot's
entries name it by its SHA-256, so the chain ties picture and page together.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from leaktrace.collect.fetch import FetchedPage, host_key
from leaktrace.collect.profile import RenderSpec
from leaktrace.collect.render import ChromiumRenderer, RenderResult
from leaktrace.evidence.evidence_store import EvidenceStore
from leaktrace.evidence.sheet import RESOURCES, SCREENSHOT
from leaktrace.evidence.sheet import SCREENSHOT_FAILED as FAILED
from leaktrace.evidence.warc import MEDIA_TYPE, build_capture_warc

log = logging.getLogger(__name__)
PNG = "image/png"
MAX_BLOCKED_LISTED = 50


@dataclass
class ScreenshotStats:
    queued: int = 0
    rendered: int = 0
    failed: int = 0
    dropped: int = 0  # queue full: recorded as failures, never waited for
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def store_render(store: EvidenceStore, result: RenderResult, capture_sha: str | None, *, collector: str,
                 rendered_at: datetime) -> str | None:
    """Take one rendering into evidence; the PNG's SHA-256, or None when a failure was recorded."""
    blocked = [{"url": u[:300], "reason": r[:200]} for u, r in result.blocked[:MAX_BLOCKED_LISTED]]
    base: dict[str, Any] = {"capture_sha256": capture_sha, "javascript": result.javascript,
                            "rendered_at": rendered_at.isoformat().replace("+00:00", "Z")}
    if blocked:
        base["blocked"] = blocked
        base["blocked_total"] = len(result.blocked)
    if result.png is None:
        store.custody.append(FAILED, collector=collector, source_url=result.url, contains_pii=False,
                             meta={**base, "reason": result.error or "no image"})
        return None
    resources_sha = None
    if result.resources:
        warc = b"".join(build_capture_warc(url=r.url, status=r.status, headers=r.headers, body=r.body,
                                           fetched_at=r.fetched_at, request_headers=r.request_headers)
                        for r in result.resources)
        resources_sha = store.put_bytes(warc, source_url=result.url, collector=collector, action=RESOURCES,
                                        media_type=MEDIA_TYPE, meta={**base, "resources": len(result.resources)}
                                        ).sha256
    ref = store.put_bytes(result.png, source_url=result.url, collector=collector, action=SCREENSHOT,
                          media_type=PNG, meta={**base, "resources_sha256": resources_sha})
    return ref.sha256


class ScreenshotQueue:
    """Bounded queue + render workers over one Chromium; `submit` never waits."""

    def __init__(self, renderer: ChromiumRenderer, store: EvidenceStore, spec: RenderSpec, *, collector: str,
                 workers: int = 2, max_queue: int = 256) -> None:
        self.renderer = renderer
        self.store = store
        self.spec = spec
        self.collector = collector
        self.workers = max(1, workers)
        self.queue: asyncio.Queue[tuple[FetchedPage, str | None] | None] = asyncio.Queue(max_queue)
        self.stats = ScreenshotStats()
        self.shots: dict[str, str] = {}  # capture sha -> screenshot sha
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.renderer.start()
        self._tasks = [asyncio.create_task(self._worker()) for _ in range(self.workers)]

    def submit(self, page: FetchedPage, capture_sha: str | None) -> None:
        """Queue a captured page for rendering; a full queue is a recorded failure, not a wait."""
        try:
            self.queue.put_nowait((page, capture_sha))
            self.stats.queued += 1
        except asyncio.QueueFull:
            self.stats.dropped += 1
            self.stats.failed += 1
            result = RenderResult(page.url, self.spec.javascript_for(host_key(page.url)), error="render queue full")
            asyncio.get_running_loop().run_in_executor(None, self._store, result, capture_sha)

    async def _worker(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            job = await self.queue.get()
            try:
                if job is None:
                    return
                page, capture_sha = job
                t0 = loop.time()
                result = await self.renderer.render(page, self.spec)
                self.stats.seconds += loop.time() - t0
                shot = await loop.run_in_executor(None, self._store, result, capture_sha)
                if shot is None:
                    self.stats.failed += 1
                    log.warning("screenshot of %s failed: %s", page.url[:200], result.error)
                else:
                    self.stats.rendered += 1
                    if capture_sha:
                        self.shots[capture_sha] = shot
            except Exception:  # a storage failure must not kill the worker (the crawl goes on)
                log.exception("screenshot worker")
                self.stats.failed += 1
            finally:
                self.queue.task_done()

    def _store(self, result: RenderResult, capture_sha: str | None) -> str | None:
        return store_render(self.store, result, capture_sha, collector=self.collector, rendered_at=datetime.now(UTC))

    async def close(self, timeout_s: float | None = None) -> None:
        """Finish what is queued (up to `timeout_s`), then stop the workers and Chromium."""
        try:
            if timeout_s is None:
                await self.queue.join()
            else:
                async with asyncio.timeout(timeout_s):
                    await self.queue.join()
        except TimeoutError:
            log.warning("screenshots: %d page(s) not rendered before the crawl ended", self.queue.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        loop = asyncio.get_running_loop()
        while not self.queue.empty():  # left over after the timeout: each recorded as not rendered
            job = self.queue.get_nowait()
            if job is not None:
                page, capture_sha = job
                self.stats.failed += 1
                result = RenderResult(page.url, self.spec.javascript_for(host_key(page.url)),
                                      error="crawl ended before the page was rendered")
                await loop.run_in_executor(None, self._store, result, capture_sha)
        await self.renderer.close()
