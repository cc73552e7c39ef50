"""One headless Chromium shared by the render jobs of a process, on its own event-loop thread.

Job handlers are plain blocking functions run by worker threads
(service.worker); Chromium and the crawler's fetcher are asyncio. The
runtime owns a loop thread with one `ChromiumRenderer` on it (started at
the first job, reniced, closed with the runtime), so several worker threads
render in parallel tabs of one browser.

Subresources are answered, in order: from the evidence store when they are
pictures sealed with the capture at ingest (so a rendering shows exactly
the pictures that were captured, and needs no login cookie to show them),
else by a fetcher through the runtime's SOCKS5h proxy within `hosts` (the
crawl's hosts when `leaktrace crawl` runs the jobs; otherwise the hosts of
the pages this runtime has rendered), else refused with a reason that the
screenshot's entry lists. A runtime with no proxy fetches nothing from the
network.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from leaktrace.collect.fetch import FetchedPage, Fetcher, FetchError, host_key
from leaktrace.collect.politeness import HostGate
from leaktrace.collect.profile import Limits, RenderSpec
from leaktrace.collect.render import CHROMIUM, ChromiumRenderer, RenderResult
from leaktrace.evidence.evidence_store import EvidenceStore

MAX_LOCAL = 50_000  # picture URLs remembered for serving from evidence (cleared beyond that)


class RenderRuntime:
    """A thread-safe `render(page, spec, pictures)` over one Chromium (see module docstring)."""

    def __init__(self, evidence: EvidenceStore, *, proxy: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None, limits: Limits | None = None,
                 per_host: int = 4, executable: str = CHROMIUM, proxy_port: int | None = None,
                 hosts: frozenset[str] | None = None) -> None:
        self.evidence = evidence
        self.proxy = proxy
        self.transport = transport
        self.limits = (limits or Limits()).model_copy(update={"retries": 0})
        self.per_host = per_host
        self.executable = executable
        self.proxy_port = proxy_port
        self._local: dict[str, tuple[str, str]] = {}  # picture URL -> (blob sha, media type)
        self._fixed_hosts = hosts
        self._hosts: set[str] = set(hosts or ())
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._renderer: ChromiumRenderer | None = None
        self._client: httpx.AsyncClient | None = None
        self._fetcher: Fetcher | None = None
        self._started: asyncio.Future[None] | None = None

    # -- the loop thread ---------------------------------------------------------

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="render-runtime", daemon=True)
                self._thread.start()
                self._loop = loop
            return self._loop

    def _call(self, coro_fn: Callable[[], object], timeout: float | None) -> object:
        loop = self._ensure_loop()
        return asyncio.run_coroutine_threadsafe(coro_fn(), loop).result(timeout)  # type: ignore[arg-type]

    async def _start(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            try:
                if self.proxy is not None or self.transport is not None:
                    self._client = httpx.AsyncClient(proxy=self.proxy if self.transport is None else None,
                                                     transport=self.transport, trust_env=False,
                                                     follow_redirects=False,
                                                     timeout=httpx.Timeout(self.limits.timeout_s))
                    self._fetcher = Fetcher(self._client, self.limits, frozenset(), HostGate(self.per_host, 0.0))
                renderer = ChromiumRenderer(self._fetch, executable=self.executable, proxy_port=self.proxy_port)
                await renderer.start()
                self._renderer = renderer
                self._started.set_result(None)
            except BaseException as exc:
                self._started.set_exception(exc)
                self._started.exception()  # seen here; each caller re-raises it
                raise
        await self._started

    async def _fetch(self, url: str, types: frozenset[str]) -> FetchedPage:
        local = self._local.get(url)
        if local is not None:
            sha, mtype = local
            body = await asyncio.get_running_loop().run_in_executor(None, self.evidence.read_bytes, sha, 64 << 20)
            return FetchedPage(url, url, 200, [("Content-Type", mtype)], body, datetime.now(UTC), mtype)
        if self._fetcher is None:
            raise FetchError(url, "not captured with the page, and this worker has no proxy to fetch it",
                             permanent=True)
        self._fetcher.allowed_hosts = frozenset(self._hosts)
        return await self._fetcher.fetch(url, content_types=types)

    # -- what handlers call ------------------------------------------------------

    def render(self, page: FetchedPage, spec: RenderSpec, pictures: dict[str, tuple[str, str]]) -> RenderResult:
        """Screenshot a captured page; `pictures` maps its sealed pictures' URLs to (sha256, media type)."""
        with self._lock:
            if len(self._local) > MAX_LOCAL:
                self._local.clear()
            self._local.update(pictures)
            if self._fixed_hosts is None:
                self._hosts.add(host_key(page.url))

        async def go() -> RenderResult:
            await self._start()
            assert self._renderer is not None
            return await self._renderer.render(page, spec)

        result = self._call(go, spec.timeout_s * 3 + 60)
        assert isinstance(result, RenderResult)
        return result

    def close(self) -> None:
        """Stop Chromium and the loop thread (idempotent)."""
        loop = self._loop
        if loop is None:
            return

        async def stop() -> None:
            if self._renderer is not None:
                await self._renderer.close()
            if self._client is not None:
                await self._client.aclose()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(stop(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = self._thread = None
        self._renderer = self._client = self._fetcher = None
        self._started = None
