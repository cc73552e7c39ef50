"""The market web server: host routing, login, throttling, failures and legacy encodings.

Starlette (with uvicorn) because it is the ASGI toolkit FastAPI is built on,
which leaktrace's web face uses too: one stack to know, and an app that
tests can drive in-process. Behaviour a crawler must survive is deliberate
and seeded: listing and vendor pages need a session cookie from the login
form; a client faster than `rate_per_s` (token bucket of `burst`) gets 429
with Retry-After; a seeded fraction `error_rate` of requests gets 503; the
GBK market sends `charset=gbk` in the header on listing pages and leaves it
out elsewhere (the page's <meta> then carries it), as old forums do.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from leaktrace.simulate.serve import pages
from leaktrace.simulate.serve.data import Market

MAX_FORM_BYTES = 4096


@dataclass
class Behaviour:
    """How hostile the server is; tests and benchmarks tune it."""

    rate_per_s: float = 20.0  # <= 0 disables throttling
    burst: int = 10
    error_rate: float = 0.02
    seed: int = 0


@dataclass
class _State:
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)  # sid -> (onion, user)
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)  # client -> (tokens, at)
    hits: dict[str, int] = field(default_factory=dict)


def build_app(world: dict[str, Market], behaviour: Behaviour | None = None) -> Starlette:
    """An ASGI app serving every market in `world`, chosen by the Host header."""
    cfg = behaviour or Behaviour()
    st = _State()

    def market(request: Request) -> Market | None:
        host = request.headers.get("host", "").rsplit(":", 1)[0].lower()
        return world.get(host)

    def html(m: Market, text: str, status: int = 200, charset_header: bool = True) -> Response:
        body = text.encode(m.encoding, errors="xmlcharrefreplace")
        ctype = f"text/html; charset={m.encoding}" if charset_header or m.encoding == "utf-8" else "text/html"
        resp = Response(body, status_code=status)
        resp.headers["content-type"] = ctype
        return resp

    def gate(request: Request, m: Market) -> Response | None:
        """Throttle and fail before doing any work, the way a loaded hidden service does."""
        sid = request.cookies.get("sid", "")
        client = f"{m.onion}|{sid or (request.client.host if request.client else '-')}"
        now = time.monotonic()
        if cfg.rate_per_s > 0:
            tokens, at = st.buckets.get(client, (float(cfg.burst), now))
            tokens = min(float(cfg.burst), tokens + (now - at) * cfg.rate_per_s)
            if tokens < 1.0:
                st.buckets[client] = (tokens, now)
                wait = max(1, int((1.0 - tokens) / cfg.rate_per_s + 0.999))
                return Response("Too Many Requests", 429, headers={"Retry-After": str(wait)})
            st.buckets[client] = (tokens - 1.0, now)
        if cfg.error_rate > 0:
            key = f"{m.onion}{request.url.path}?{request.url.query}"
            n = st.hits[key] = st.hits.get(key, 0) + 1
            digest = hashlib.blake2b(f"{cfg.seed}|{key}|{n}".encode(), digest_size=8).digest()
            if int.from_bytes(digest, "big") / 2**64 < cfg.error_rate:
                return Response("Service Unavailable", 503, headers={"Retry-After": "1"})
        return None

    def logged_in(request: Request, m: Market) -> bool:
        sess = st.sessions.get(request.cookies.get("sid", ""))
        return sess is not None and sess[0] == m.onion

    def to_login(request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=302)

    def endpoint(handler):  # type: ignore[no-untyped-def]
        async def wrapped(request: Request) -> Response:
            m = market(request)
            if m is None:
                return Response("Misdirected Request: unknown host", 421)
            if m.down:  # live mode: the hidden service is unreachable for now
                return Response("Service Unavailable", 503)
            blocked = gate(request, m)
            return blocked if blocked is not None else await handler(request, m)

        return wrapped

    async def home(request: Request, m: Market) -> Response:
        return html(m, pages.home(m), charset_header=False)

    async def login_get(request: Request, m: Market) -> Response:
        return html(m, pages.login_form(m, request.query_params.get("next", "/"), False), charset_header=False)

    async def login_post(request: Request, m: Market) -> Response:
        raw = await request.body()
        if len(raw) > MAX_FORM_BYTES:
            return Response("Payload Too Large", 413)
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        user, pw = form.get("username", ""), form.get("password", "")
        nxt = form.get("next", "/")
        if not nxt.startswith("/") or nxt.startswith("//"):
            nxt = "/"
        ok = secrets.compare_digest(user.encode(), m.credentials["username"].encode()) and \
            secrets.compare_digest(pw.encode(), m.credentials["password"].encode())
        if not ok:
            return html(m, pages.login_form(m, nxt, True), status=401, charset_header=False)
        sid = secrets.token_urlsafe(24)
        st.sessions[sid] = (m.onion, user)
        resp = RedirectResponse(nxt, status_code=303)
        resp.set_cookie("sid", sid, httponly=True, samesite="lax")
        return resp

    async def category(request: Request, m: Market) -> Response:
        slug = request.path_params["slug"]
        label = next((c["label"] for c in m.categories if c["slug"] == slug), None)
        try:
            page = int(request.query_params.get("page", "1"))
        except ValueError:
            page = 0
        text = pages.category(m, slug, label, page) if label else None
        return html(m, text, charset_header=False) if text else Response("Not Found", 404)

    async def listing(request: Request, m: Market) -> Response:
        if not logged_in(request, m):
            return to_login(request)
        row = m.by_id.get(request.path_params["lid"])
        if row is None:
            return Response("Not Found", 404)
        m.served[row["id"]] = time.monotonic()  # live mode leaves it unchanged a while (LiveConfig.settle_s)
        return html(m, pages.listing(m, row))

    async def vendor(request: Request, m: Market) -> Response:
        if not logged_in(request, m):
            return to_login(request)
        v = m.vendors.get(request.path_params["handle"])
        return html(m, pages.vendor(m, v), charset_header=False) if v else Response("Not Found", 404)

    async def image(request: Request, m: Market) -> Response:
        if not logged_in(request, m):
            return to_login(request)
        path = m.images.get(request.path_params["name"])
        if path is None:
            return Response("Not Found", 404)
        kind = "image/png" if path.suffix == ".png" else "image/jpeg"
        return Response(path.read_bytes(), media_type=kind)

    routes = [
        Route("/", endpoint(home)),
        Route("/login", endpoint(login_get), methods=["GET"]),
        Route("/login", endpoint(login_post), methods=["POST"]),
        Route("/category/{slug}", endpoint(category)),
        Route("/listing/{lid:int}", endpoint(listing)),
        Route("/vendor/{handle}", endpoint(vendor)),
        Route("/images/{name}", endpoint(image)),
    ]
    return Starlette(routes=routes)
