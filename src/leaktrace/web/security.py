"""What only HTTP has: security headers, session and CSRF cookies, CSRF tokens.

CSRF tokens are keyed hashes of the session token (or, before login, of a
random pre-session cookie) under the deployment key: nothing to store, they
die with the session, and a page on another site can neither read nor
compute them. Every state-changing request of the pages carries one, in the
form field `csrf` or the `X-CSRF-Token` header htmx sends. The REST API is
authenticated by bearer tokens only (never cookies), so it needs none.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from leaktrace.pipeline.context import Context

SESSION_COOKIE = "lt_session"
PRE_COOKIE = "lt_pre"
LANG_COOKIE = "lt_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class CsrfRefused(Exception):
    """A state-changing request without a valid CSRF token."""


def is_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def csrf_for(ctx: Context, secret: str) -> str:
    return ctx.hasher.digest("console_csrf", secret).hex()


def csrf_token(ctx: Context, request: Request) -> str:
    """The token this request's pages must send back ('' when the browser has no cookie yet)."""
    secret = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE) or getattr(
        request.state, "pre_secret", "")
    return csrf_for(ctx, secret) if secret else ""


async def check_csrf(ctx: Context, request: Request) -> None:
    """Raise CsrfRefused unless the request carries this browser's token (header or form field)."""
    expected = csrf_token(ctx, request)
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRefused("missing or wrong CSRF token")


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=is_tls(request),
                        path="/")


def new_pre_secret() -> str:
    return secrets.token_urlsafe(32)


async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every response: CSP without inline script, nosniff, no framing; pages are never cached.

    `Server-Timing: app;dur=MS` says how long the console took (the benchmark's server time).
    """
    t0 = time.perf_counter()
    response = await call_next(request)
    response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
    for k, v in HEADERS.items():
        response.headers.setdefault(k, v)
    if not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if is_tls(request):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
