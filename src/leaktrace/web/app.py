"""The console's ASGI application: pages, REST API, static files, errors, over one Context.

`create_app(ctx)` is what `leaktrace serve`, the browser tests and the
benchmark start. Refusals become a clear page (or JSON under /api and for
htmx): 401 when not logged in, 403 naming the role needed, 403 for a
missing CSRF token, 429 with Retry-After when rate-limited.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from leaktrace.core.errors import InputError, LeaktraceError
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.service.errors import AccessRefused, PermissionDenied, RateLimited
from leaktrace.web import security
from leaktrace.web.i18n import LANGS, words

HERE = Path(__file__).resolve().parent
log = logging.getLogger("leaktrace.web")


class NotLoggedIn(Exception):
    """No valid session (none, expired or revoked)."""


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.headers.get("hx-request") == "true"


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def principal_or_none(request: Request) -> Principal | None:
    """The logged-in user of a page request, from the session cookie; None when there is none (or it ended)."""
    from leaktrace.service.sessions import principal_for_session

    token = request.cookies.get(security.SESSION_COOKIE)
    if not token:
        return None
    ctx: Context = request.app.state.ctx
    try:
        return principal_for_session(ctx, token, client_of(request))
    except AccessRefused:
        return None


def page_principal(request: Request) -> Principal:
    p = principal_or_none(request)
    if p is None:
        raise NotLoggedIn()
    request.state.principal = p
    return p


def lang_of(request: Request) -> str:
    chosen = request.cookies.get(security.LANG_COOKIE)
    if chosen in LANGS:
        return chosen  # type: ignore[return-value]
    p = getattr(request.state, "principal", None)
    if p is not None and getattr(p, "lang", None) in LANGS:
        return str(p.lang)
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    """A page in the user's language, with the CSRF token its forms and htmx calls send back."""
    app = request.app
    ctx: Context = app.state.ctx
    lang = lang_of(request)
    values.setdefault("principal", getattr(request.state, "principal", None))
    response = app.state.templates.TemplateResponse(request, template, {
        "t": words(lang), "lang": lang, "csrf": security.csrf_token(ctx, request), **values},
        status_code=status_code)
    pre = getattr(request.state, "pre_secret", None)
    if pre:
        security.set_cookie(response, request, security.PRE_COOKIE, pre)
    return response


def _error(request: Request, status: int, message: str, *, needed: tuple[str, ...] = (),
           headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"error": message, "status": status}
        if needed:
            body["needed_roles"] = list(needed)
        return JSONResponse(body, status_code=status, headers=headers)
    response = render(request, "error.html", status_code=status, message=message, needed=needed, status=status)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def create_app(ctx: Context) -> FastAPI:
    """The console over `ctx` (its store, keys and evidence)."""
    app = FastAPI(title="leaktrace console API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="The REST API of the leaktrace console: bearer tokens (`leaktrace tokens`), "
                              "the same service functions and access rules as the pages.")
    app.state.ctx = ctx
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    app.state.templates = templates
    app.middleware("http")(security.security_headers)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        had = bool(request.cookies.get(security.SESSION_COOKIE))
        if wants_json(request):
            return JSONResponse({"error": "not logged in or session ended", "status": 401}, status_code=401)
        response = RedirectResponse("/login?expired=1" if had else "/login", status_code=303)
        if had:
            response.delete_cookie(security.SESSION_COOKIE, path="/")
        return response

    @app.exception_handler(security.CsrfRefused)
    async def _csrf(request: Request, exc: security.CsrfRefused) -> Response:
        return _error(request, 403, words(lang_of(request))["csrf"])

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return _error(request, 403, exc.message, needed=tuple(getattr(exc, "needed", ()) or ()))

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        return _error(request, 429, exc.message, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(AccessRefused)
    async def _refused(request: Request, exc: AccessRefused) -> Response:
        return _error(request, 403, exc.message)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        status = 404 if "no such" in exc.message else 400
        return _error(request, status, exc.message)

    @app.exception_handler(LeaktraceError)
    async def _other(request: Request, exc: LeaktraceError) -> Response:
        return _error(request, 400, exc.message)

    from leaktrace.web import api, pages

    app.include_router(pages.router)
    app.include_router(api.router)
    return app
