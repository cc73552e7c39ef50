"""Render a captured page in headless Chromium, with every request served by the crawler itself.

Chromium never touches the network. Every request it makes is intercepted
(`context.route`): the page itself is answered with the bytes already
captured, and each subresource (image, style sheet, font) is fetched by the
crawler's own `Fetcher`, through the same SOCKS5h proxy, inside the same
host scope, size limits and bomb checks, and handed back. What is fetched is
returned so it can be kept in a WARC beside the screenshot. As a second
wall, Chromium is started with its proxy set to a closed local port and a
host resolver that maps every name to "not found": a request that slipped
past the route could neither connect nor resolve a name.

Hostile content is blocked before Chromium sees it: an image whose header
declares more pixels than the profile allows (a decompression bomb), an
image no decoder recognises, SVG carrying script, event handlers or
`javascript:` links, and scripts when JavaScript is off. JavaScript is off
by default for hidden services (see `RenderSpec`). A page that does not
finish loading within the profile's timeout is a failure, recorded by the
caller; the text capture stands either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import socket
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from leaktrace.collect.fetch import FetchedPage, FetchError, host_key
from leaktrace.collect.profile import RenderSpec

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--dns-prefetch-disable", "--disable-features=NetworkPrediction,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,HttpsFirstModeV2ForEngagedSites",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/x-icon",
                         "image/vnd.microsoft.icon", "image/avif", "image/svg+xml"})
STYLE_TYPES = frozenset({"text/css", "font/woff", "font/woff2", "font/ttf", "font/otf", "application/font-woff",
                         "application/font-woff2", "application/x-font-ttf", "application/vnd.ms-fontobject"})
SCRIPT_TYPES = frozenset({"application/javascript", "text/javascript", "application/x-javascript"})
FRAME_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_SVG_ACTIVE = re.compile(rb"<\s*script|<\s*foreignObject|\son[a-z]+\s*=|javascript\s*:|<\s*iframe|<\s*embed|<\s*object",
                         re.IGNORECASE)

BROWSER_NICE = 19
ResourceFetch = Callable[[str, frozenset[str]], Awaitable[FetchedPage]]


@dataclass
class RenderResult:
    """One rendering: the PNG (None on failure), the subresources fetched, what was blocked and why."""

    url: str
    javascript: bool
    png: bytes | None = None
    resources: list[FetchedPage] = field(default_factory=list)
    blocked: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    served: list[str] = field(default_factory=list)  # every request Chromium made, each answered by the route


@dataclass
class _Job:
    """What a pooled tab is rendering now (its route handler reads it); all None between jobs."""

    page: FetchedPage | None = None
    spec: RenderSpec | None = None
    result: RenderResult | None = None
    fetched: int = 0


def _mime(page: FetchedPage) -> str:
    return page.content_type.split(";", 1)[0].strip().lower()


def hostile(resource: FetchedPage, spec: RenderSpec) -> str | None:
    """Why a fetched subresource must not reach Chromium, or None."""
    mime = _mime(resource)
    body = resource.body
    head = body[:512].lstrip().lower()
    if mime == "image/svg+xml" or head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in body[:4096]):
        if _SVG_ACTIVE.search(body):
            return "SVG with script or event handlers (blocked)"
        return None
    if mime.startswith("image/"):
        from PIL import Image

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with Image.open(io.BytesIO(body)) as img:  # reads the header only
                    width, height = img.size
        except Image.DecompressionBombError:
            return "decompression bomb (image declares more pixels than any decoder should inflate)"
        except Exception:
            return "not a readable image (blocked)"
        if width * height > spec.max_image_pixels:
            return f"decompression bomb: image declares {width}x{height} pixels (limit {spec.max_image_pixels})"
    return None


def renice_browser(marker: str, nice: int) -> int:
    """Lower the priority of this renderer's Chromium processes (found by a unique argument).

    Rendering is background work: on a small machine the crawl's own fetching must win the
    CPU. Renderer processes forked later inherit the browser's niceness. Returns how many
    processes were reniced (0 where /proc is not there: best effort, never an error).
    """
    marked = marker.encode()
    roots: set[int] = set()
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            pid = int(entry.name)
            if marked in (entry / "cmdline").read_bytes():
                roots.add(pid)
            parents[pid] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    family = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in family and pid not in family:
                family.add(pid)
                grew = True
    done = 0
    for pid in family:
        try:
            os.setpriority(os.PRIO_PROCESS, pid, max(nice, os.getpriority(os.PRIO_PROCESS, pid)))
            done += 1
        except OSError:
            continue
    return done


def dead_port() -> int:
    """A local port nothing listens on (Chromium's proxy: a request that escaped the route fails)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromiumRenderer:
    """One headless Chromium for a crawl; `render` takes a captured page and returns its screenshot."""

    def __init__(self, fetch_resource: ResourceFetch, *, executable: str = CHROMIUM,
                 proxy_port: int | None = None) -> None:
        self.fetch_resource = fetch_resource
        self.executable = executable
        self.proxy_port = proxy_port if proxy_port is not None else dead_port()
        self._pw: Any = None
        self._browser: Any = None
        self._contexts: dict[bool, Any] = {}
        self._free: dict[bool, list[tuple[Any, _Job]]] = {}

    async def start(self) -> None:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(
            executable_path=self.executable, headless=True,
            args=[*CHROMIUM_ARGS, f"--proxy-server=http://127.0.0.1:{self.proxy_port}"],
        )
        renice_browser(f"--proxy-server=http://127.0.0.1:{self.proxy_port}", BROWSER_NICE)

    async def close(self) -> None:
        self._free.clear()
        for ctx in self._contexts.values():
            await ctx.close()
        self._contexts.clear()
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._pw is not None:
            await self._pw.stop()
            self._pw = None

    async def _context(self, javascript: bool, spec: RenderSpec) -> Any:
        ctx = self._contexts.get(javascript)
        if ctx is None:
            ctx = await self._browser.new_context(
                java_script_enabled=javascript, service_workers="block", accept_downloads=False,
                viewport={"width": spec.width, "height": 900}, bypass_csp=False, offline=False,
            )
            self._contexts[javascript] = ctx
        return ctx

    async def render(self, page: FetchedPage, spec: RenderSpec) -> RenderResult:
        """Screenshot `page` (already captured); never raises for what the page does."""
        javascript = spec.javascript_for(host_key(page.url))
        result = RenderResult(page.url, javascript)
        try:
            async with asyncio.timeout(spec.timeout_s * 2):
                await self._render(page, spec, result)
        except TimeoutError:
            result.error = result.error or f"page did not finish rendering within {spec.timeout_s * 2:.0f} s"
        except Exception as exc:
            result.error = f"rendering failed: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        if result.error:
            result.png = None
        return result

    async def _tab(self, javascript: bool, spec: RenderSpec) -> tuple[Any, _Job]:
        """A tab from the pool (a new tab costs a renderer process: ~0.1-0.9 s), with its route installed once."""
        free = self._free.setdefault(javascript, [])
        if free:
            return free.pop()
        ctx = await self._context(javascript, spec)
        tab = await ctx.new_page()
        job = _Job()

        async def handle(route: Any) -> None:
            await self._serve(route, job)

        await tab.route("**/*", handle)
        return tab, job

    async def _serve(self, route: Any, job: _Job) -> None:
        """Answer one request of the tab's current job: the capture, a fetched resource, or a refusal."""
        request = route.request
        url = request.url
        page, spec, result = job.page, job.spec, job.result
        if page is None or spec is None or result is None:  # between jobs: nothing may load
            await route.abort("blockedbyclient")
            return
        result.served.append(url)
        if url in (page.url, page.requested_url) and request.is_navigation_request():
            await route.fulfill(status=page.status, headers=dict(_safe_headers(page.headers)), body=page.body)
            return
        reason = None
        if request.method != "GET" or urlsplit(url).scheme not in ("http", "https"):
            reason = f"{request.method} {urlsplit(url).scheme or '?'} request (only GET http(s) is fetched)"
        elif request.resource_type == "script" and not result.javascript:
            reason = "script while JavaScript is off"
        elif job.fetched >= spec.max_resources:
            reason = f"more than {spec.max_resources} subresources"
        if reason is None:
            job.fetched += 1
            allowed = IMAGE_TYPES | STYLE_TYPES | FRAME_TYPES | (SCRIPT_TYPES if result.javascript else frozenset())
            try:
                res = await self.fetch_resource(url, allowed)
            except FetchError as exc:
                reason = exc.reason
            else:
                reason = hostile(res, spec)
                if reason is None and job.result is result:  # still this job (not timed out meanwhile)
                    result.resources.append(res)
                    await route.fulfill(status=200, headers=dict(_safe_headers(res.headers)), body=res.body)
                    return
                reason = reason or "the rendering it belonged to had ended"
        result.blocked.append((url, reason))
        await route.abort("blockedbyclient")

    async def _render(self, page: FetchedPage, spec: RenderSpec, result: RenderResult) -> None:
        from playwright.async_api import TimeoutError as PlaywrightTimeout

        tab, job = await self._tab(result.javascript, spec)
        job.page, job.spec, job.result, job.fetched = page, spec, result, 0
        clean = False
        try:
            await tab.set_viewport_size({"width": spec.width, "height": 900})
            try:
                await tab.goto(page.url, wait_until="load", timeout=spec.timeout_s * 1000)
            except PlaywrightTimeout:
                result.error = f"page did not finish loading within {spec.timeout_s:.0f} s"
                return
            height = await _page_height(tab, spec)
            await tab.set_viewport_size({"width": spec.width, "height": height})
            result.png = await tab.screenshot(full_page=False, type="png", timeout=spec.timeout_s * 1000)
            clean = True
        finally:
            job.page = job.spec = job.result = None
            if clean:  # a tab that loaded and rendered goes back to the pool; any other is closed
                self._free.setdefault(result.javascript, []).append((tab, job))
            else:
                with contextlib.suppress(Exception):
                    await tab.close()


async def _page_height(tab: Any, spec: RenderSpec) -> int:
    """The document's height, capped (a page 10⁶ px tall must not become a 10⁹-pixel PNG)."""
    try:
        height = int(await tab.evaluate("document.documentElement.scrollHeight"))
    except Exception:
        height = 900
    return max(600, min(height, spec.max_height))


def _safe_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers handed to Chromium: no cookies set by the page, no refresh or link preloads."""
    drop = {"set-cookie", "refresh", "link", "content-security-policy-report-only"}
    return [(k, v) for k, v in headers if k.lower() not in drop]
