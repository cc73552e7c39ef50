"""A hostile little hidden service for crawler tests: the things simulate/serve does not do.

Served by uvicorn on loopback behind the simulated SOCKS5h proxy (as
`fake.onion`, plus `elsewhere.onion` for off-site redirects), so the crawler
takes the same proxy path as against Tor. Listings are mutable between watch
rounds; a CAPTCHA login and a webhook receiver are included.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from leaktrace.simulate.serve.socks import Socks5Proxy

HOST = "fake.onion"
OTHER = "elsewhere.onion"
CAPTCHA_ANSWER = "k7x2"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HUGE_BYTES = 500 << 20
BOMB_BYTES = 64 << 20


def _bomb() -> bytes:
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\x00" * (1 << 20)
    return b"".join(comp.compress(block) for _ in range(BOMB_BYTES >> 20)) + comp.flush()


@dataclass
class SiteState:
    listings: dict[int, dict[str, str]] = field(default_factory=dict)
    captcha: bool = False
    hooks: list[dict[str, Any]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    captcha_seen: int = 0
    bomb: bytes = b""


def page(title: str, body: str, extra: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head><body>"
            f"<h1 class=\"title\">{escape(title)}</h1><div class=\"description\">{escape(body)}</div>{extra}"
            "</body></html>")


def build(state: SiteState) -> Starlette:
    def count(request: Request) -> int:
        key = request.url.path
        state.hits[key] = state.hits.get(key, 0) + 1
        return state.hits[key]

    def html(text: str, ctype: str = "text/html; charset=utf-8", enc: str = "utf-8") -> Response:
        return Response(text.encode(enc), headers={"content-type": ctype})

    def authed(request: Request) -> bool:
        return request.cookies.get("sid", "") in state.sessions

    async def home(request: Request) -> Response:
        count(request)
        links = ["/ok", "/malformed", "/huge", "/huge-declared", "/loop1", "/bomb", "/gbk", "/gbk-meta", "/offsite",
                 "/binary", "/flaky", f"http://{OTHER}/outside", "/members"]
        links += [f"/listing/{i}" for i in sorted(state.listings)]
        items = "".join(f'<li><a href="{escape(u)}">{escape(u)}</a></li>' for u in links)
        return html(f"<html><body><h1>Fake market</h1><ul>{items}</ul></body></html>")

    async def ok(request: Request) -> Response:
        count(request)
        return html(page("A fine listing", "100万条 数据", '<span class="price">50 USDT</span>'))

    async def malformed(request: Request) -> Response:
        count(request)
        return html('<html><h1 class="title">Broken <b>markup<div class="description">body <<<>>> & text'
                    '<span class="price">12 USDT</td></tr></table></html></body><script>alert(1)</script><!--')

    async def huge(request: Request) -> Response:
        count(request)

        async def chunks() -> AsyncIterator[bytes]:
            block = b"<p>" + b"x" * ((1 << 20) - 3)
            for _ in range(HUGE_BYTES >> 20):
                yield block

        return StreamingResponse(chunks(), media_type="text/html")

    async def huge_declared(request: Request) -> Response:
        count(request)
        return Response(b"<p>", headers={"content-type": "text/html", "content-length": str(HUGE_BYTES)})

    async def loop1(request: Request) -> Response:
        count(request)
        return RedirectResponse("/loop2", 302)

    async def loop2(request: Request) -> Response:
        count(request)
        return RedirectResponse("/loop1", 302)

    async def bomb(request: Request) -> Response:
        count(request)
        return Response(state.bomb, headers={"content-type": "text/html", "content-encoding": "gzip"})

    async def gbk(request: Request) -> Response:
        count(request)
        return html(page("出售学籍数据", "正宗一手，量大从优"), ctype="text/html", enc="gbk")

    async def gbk_meta(request: Request) -> Response:
        count(request)
        text = page("出售快递单号", "价格私聊").replace("<head>", '<head><meta charset="gb2312">')
        return html(text, ctype="text/html", enc="gbk")

    async def offsite(request: Request) -> Response:
        count(request)
        return RedirectResponse(f"http://{OTHER}/landing", 302)

    async def binary(request: Request) -> Response:
        count(request)
        return Response(b"\x00\x01" * 100, headers={"content-type": "application/octet-stream"})

    async def flaky(request: Request) -> Response:
        n = count(request)
        if n <= 2:
            return Response("busy", 503 if n == 1 else 429, headers={"Retry-After": "0"})
        body = page("Flaky page", "worth the wait")
        return Response(gzip.compress(body.encode()), headers={"content-type": "text/html; charset=utf-8",
                                                               "content-encoding": "gzip"})

    async def listing(request: Request) -> Response:
        count(request)
        row = state.listings.get(int(request.path_params["lid"]))
        if row is None:
            return Response("gone", 404)
        extra = (f'<span class="price">{escape(row["price"])}</span>'
                 f'<span class="status">{escape(row.get("status", "active"))}</span>'
                 f'<a class="vendor" href="/vendor/{escape(row["seller"])}">{escape(row["seller"])}</a>')
        return html(page(row["title"], row["body"], extra))

    async def members(request: Request) -> Response:
        count(request)
        if not authed(request):
            return RedirectResponse("/login?next=/members", 302)
        return html(page("Members area", "secret index"))

    async def login_get(request: Request) -> Response:
        count(request)
        cap = '<img class="captcha" src="/captcha.png"><input name="captcha">' if state.captcha else ""
        return html('<html><body><form method="post" action="/login"><input type="hidden" name="next" value="/">'
                    f'<input name="username"><input type="password" name="password">{cap}'
                    '<button type="submit">go</button></form></body></html>')

    async def login_post(request: Request) -> Response:
        count(request)
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        if form.get("username") != "inv" or form.get("password") != "pw":
            return html('<html><p class="error">bad</p></html>')
        if state.captcha and form.get("captcha") != CAPTCHA_ANSWER:
            return RedirectResponse("/login?captcha=wrong", 303)
        sid = f"s{len(state.sessions) + 1}"
        state.sessions.add(sid)
        resp = RedirectResponse("/", 303)
        resp.set_cookie("sid", sid)
        return resp

    async def captcha_png(request: Request) -> Response:
        state.captcha_seen += 1
        return Response(PNG, media_type="image/png")

    async def hook(request: Request) -> Response:
        state.hooks.append(await request.json())
        return JSONResponse({"ok": True})

    routes = [Route("/", home), Route("/ok", ok), Route("/malformed", malformed), Route("/huge", huge),
              Route("/huge-declared", huge_declared), Route("/loop1", loop1), Route("/loop2", loop2),
              Route("/bomb", bomb), Route("/gbk", gbk), Route("/gbk-meta", gbk_meta), Route("/offsite", offsite),
              Route("/binary", binary), Route("/flaky", flaky), Route("/listing/{lid:int}", listing),
              Route("/members", members), Route("/login", login_get, methods=["GET"]),
              Route("/login", login_post, methods=["POST"]), Route("/captcha.png", captcha_png),
              Route("/hook", hook, methods=["POST"])]
    return Starlette(routes=routes)


@dataclass
class Served:
    state: SiteState
    http_port: int
    socks_port: int

    @property
    def proxy_url(self) -> str:
        return f"socks5h://127.0.0.1:{self.socks_port}"

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/hook"


@contextlib.contextmanager
def serve(state: SiteState) -> Iterator[Served]:
    """Run the fake site and a SOCKS5h proxy for it in a background thread."""
    ready = threading.Event()
    box: dict[str, Any] = {}

    async def main() -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(build(state), log_level="warning", lifespan="off", access_log=False))
        box["server"] = server
        task = asyncio.create_task(server.serve(sockets=[sock]))
        proxy = Socks5Proxy({HOST: {80: port}, OTHER: {80: port}}, loopback_ports=frozenset({port}))
        box["served"] = Served(state, port, await proxy.start(0))
        while not server.started:
            await asyncio.sleep(0.01)
        ready.set()
        try:
            await task
        finally:
            await proxy.close()

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    if not ready.wait(15):
        raise RuntimeError("fake site did not start")
    try:
        yield box["served"]
    finally:
        box["server"].should_exit = True
        thread.join(10)
