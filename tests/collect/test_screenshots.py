"""Screenshots in headless Chromium: every request served by the crawler through the SOCKS5h proxy, hostile content blocked."""

from __future__ import annotations

import asyncio
import contextlib
import io
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from _crawl_sources import add_source
from PIL import Image

from leaktrace.collect.fetch import FetchedPage, Fetcher
from leaktrace.collect.login import Credentials
from leaktrace.collect.politeness import HostGate
from leaktrace.collect.profile import Limits, Profile, RenderSpec
from leaktrace.collect.render import ChromiumRenderer, RenderResult
from leaktrace.collect.screenshots import FAILED, PNG, SCREENSHOT, store_render
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.crawl import CrawlOptions, run_crawl
from leaktrace.simulate.serve import Behaviour, running_world
from leaktrace.simulate.serve.socks import Socks5Proxy

HOST = "hostilemarketxyz.onion"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bomb_png() -> bytes:
    """A PNG whose header declares 50000 x 50000 pixels (2.5 gigapixels) in a few dozen bytes."""
    ihdr = struct.pack(">IIBBBBB", 50000, 50000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + _png_chunk(b"IEND", b""))


def _small_png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


EVIL_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>fetch("http://x.example/")</script></svg>'
PAGE = f"""<!doctype html><html><head><meta charset="utf-8"><title>listing</title>
<link rel="stylesheet" href="/s.css"></head><body>
<h1 class="title">身份证 四要素 10万条</h1>
<img src="/ok.png"><img src="/bomb.png"><img src="/evil.svg">
<img src="http://other-site.example/track.png">
<script src="/a.js"></script><iframe src="http://evil.example/"></iframe>
<p>{"sample row " * 200}</p></body></html>""".encode()
SLOW_PAGE = b'<html><body><h1>slow</h1><img src="/never.png"></body></html>'


class _Site:
    """The hidden service's own server: what it served, and to whom (only the SOCKS proxy reaches it)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.paths.append(self.path)
                if self.path == "/never.png":
                    time.sleep(8)
                body, ctype = {
                    "/": (PAGE, "text/html; charset=utf-8"), "/slow": (SLOW_PAGE, "text/html"),
                    "/s.css": (b"h1 { color: #a00; font-size: 40px }", "text/css"),
                    "/ok.png": (_small_png(), "image/png"), "/bomb.png": (_bomb_png(), "image/png"),
                    "/evil.svg": (EVIL_SVG, "image/svg+xml"), "/a.js": (b"document.title='x'", "text/javascript"),
                    "/never.png": (_small_png(), "image/png"),
                }.get(self.path, (b"not found", "text/plain"))
                self.send_response(200 if body != b"not found" else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):  # the renderer may give up on /never.png
                    self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class _Canary:
    """Chromium's configured proxy: a port that counts every connection (there must be none)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture(scope="module")
def site() -> Iterator[_Site]:
    s = _Site()
    yield s
    s.server.shutdown()


async def _render(site: _Site, canary: _Canary, path: str, spec: RenderSpec) -> tuple[RenderResult, list[str]]:
    proxy = Socks5Proxy({HOST: {80: site.port}})
    port = await proxy.start()
    fetched: list[str] = []
    try:
        limits = Limits(timeout_s=spec.timeout_s, retries=0)
        async with httpx.AsyncClient(proxy=f"socks5h://127.0.0.1:{port}", trust_env=False) as client:
            fetcher = Fetcher(client, limits, frozenset({HOST}), HostGate(4, 0.0))
            page = await fetcher.fetch(f"http://{HOST}{path}")

            async def via_crawler(url: str, types: frozenset[str]) -> FetchedPage:
                fetched.append(url)
                return await fetcher.fetch(url, content_types=types)

            renderer = ChromiumRenderer(via_crawler, proxy_port=canary.port)
            await renderer.start()
            try:
                return await renderer.render(page, spec), fetched
            finally:
                await renderer.close()
    finally:
        await proxy.close()


def test_every_request_goes_through_the_crawler_and_hostile_content_is_blocked(site: _Site, ctx: Context) -> None:
    canary = _Canary()
    site.paths.clear()
    result, fetched = asyncio.run(_render(site, canary, "/", RenderSpec()))
    assert result.error is None and result.png is not None
    with Image.open(io.BytesIO(result.png)) as img:
        assert img.width == 1280 and img.height >= 600
    assert canary.connections == 0  # nothing left Chromium except through the route
    assert not result.javascript  # a hidden service: JavaScript off by default
    # every request Chromium made was answered by the route: the page from the capture, the rest fetched
    assert result.served[0] == f"http://{HOST}/"
    assert set(result.served[1:]) == set(fetched) | {u for u, _ in result.blocked}
    got = {r.url.rsplit("/", 1)[1] for r in result.resources}
    assert got == {"s.css", "ok.png"}
    reasons = {u.rsplit("/", 1)[1] or u: r for u, r in result.blocked}
    assert "decompression bomb" in reasons["bomb.png"]
    assert "SVG with script" in reasons["evil.svg"]
    assert "outside the configured hosts" in reasons["track.png"]
    assert "a.js" not in got and "/a.js" not in site.paths  # no script fetched with JavaScript off
    # the site saw exactly the page (fetched once, by the crawler) and what the route fetched, via the proxy
    assert sorted(site.paths) == sorted(["/", *(u.split(HOST, 1)[1] for u in fetched if f"//{HOST}/" in u)])
    # into evidence: the PNG, and a WARC of the two subresources, tied to the capture by its hash
    from datetime import UTC, datetime

    from leaktrace.evidence.warc import iter_warc

    shot = store_render(ctx.evidence, result, "cd" * 32, collector="t", rendered_at=datetime.now(UTC))
    entries = {e.action: e for e in ctx.evidence.entries()}
    assert entries[SCREENSHOT].sha256 == shot and entries[SCREENSHOT].meta["capture_sha256"] == "cd" * 32
    assert entries[SCREENSHOT].meta["blocked_total"] == len(result.blocked)
    res = entries["render-resources"]
    assert entries[SCREENSHOT].meta["resources_sha256"] == res.sha256
    records = list(iter_warc(io.BytesIO(ctx.evidence.read_bytes(str(res.sha256))), "resources"))
    assert {(r.url or "").rsplit("/", 1)[1] for r in records if r.record_type == "response"} == {"s.css", "ok.png"}


def test_javascript_per_profile(site: _Site) -> None:
    result, fetched = asyncio.run(_render(site, _Canary(), "/", RenderSpec(javascript=True)))
    assert result.javascript and result.png is not None
    assert any(u.endswith("/a.js") for u in fetched)


def test_page_that_never_finishes_is_a_recorded_failure(site: _Site, ctx: Context) -> None:
    result, _ = asyncio.run(_render(site, _Canary(), "/slow", RenderSpec(timeout_s=2)))
    assert result.png is None and result.error is not None and "within" in result.error
    from datetime import UTC, datetime

    assert store_render(ctx.evidence, result, "ab" * 32, collector="t", rendered_at=datetime.now(UTC)) is None
    last = list(ctx.evidence.entries())[-1]
    assert last.action == FAILED and last.meta["capture_sha256"] == "ab" * 32 and "within" in last.meta["reason"]


def test_crawl_with_screenshots_queues_renders_that_join_the_capture_entry(
        ctx: Context, sim_world: Path, sim_profile: Profile) -> None:
    """The crawl only queues renderings (the capture's entry announces each); a drain renders them afterwards."""
    from leaktrace.pipeline.render_runtime import RenderRuntime
    from leaktrace.service.media import drain_media
    from leaktrace.store.models import Media
    from leaktrace.store.repo.jobs import JobQueue

    add_source(ctx, "m1")
    with running_world(sim_world, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        url = w.url("m1")
        host = url.split("/")[2]
        creds = w.credentials[host]
        report = run_crawl(CrawlOptions(profile=sim_profile, source="m1", start_urls=[url], proxy=w.proxy_url,
                                        credentials={host: Credentials(creds["username"], creds["password"])},
                                        delay_s=0.0, concurrency=4, screenshots=True), ctx)
        # nothing was rendered during the crawl: only queued, each announced in its capture's entry
        assert not [e for e in ctx.evidence.entries() if e.action == SCREENSHOT]
        queue = JobQueue(ctx.sessions)
        assert report.media is not None and report.media["render_queued"] == queue.counts("render")["queued"] > 0
        runtime = RenderRuntime(ctx.evidence, proxy=w.proxy_url)
        try:
            drained = drain_media(ctx, runtime, workers=2)
        finally:
            runtime.close()
    assert drained.counts["render"] == {"done": report.media["render_queued"]}
    entries = list(ctx.evidence.entries())
    announced = {e.meta["rendering"]["job_key"]: e for e in entries if e.action == "capture" and "rendering" in e.meta}
    # listing and seller pages (the profile's rules with item selectors), not the index pages
    assert {e.sha256 for e in announced.values()} == {
        e.sha256 for e in entries
        if e.action == "capture" and ("/listing/" in (e.source_url or "") or "/vendor/" in (e.source_url or ""))}
    shots = [e for e in entries if e.action == SCREENSHOT]
    assert len(shots) == len(announced)
    for e in shots:  # each PNG names the capture entry that announced it, by hash, seq and job key
        cap = announced[e.meta["job_key"]]
        assert (e.meta["capture_entry"], e.meta["capture_seq"], e.meta["capture_sha256"]) == (cap.hash, cap.seq,
                                                                                              cap.sha256)
        assert e.seq > cap.seq and isinstance(e.meta["job_id"], int)
        assert e.media_type == PNG and e.meta["javascript"] is False
        with Image.open(io.BytesIO(ctx.evidence.read_bytes(e.sha256))) as img:
            assert img.format == "PNG" and img.width == 1280
    with ctx.sessions() as s:
        rows = s.query(Media).filter(Media.kind == "screenshot").all()
        assert {r.sha256 for r in rows} == {e.sha256 for e in shots} and {r.state for r in rows} == {"done"}
    assert ctx.evidence.verify().ok
