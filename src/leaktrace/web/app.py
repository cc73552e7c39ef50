"""The console's ASGI application: pages, REST API, static files, errors, over one Context.

`create_app(ctx)` is what `leaktrace serve`, the browser tests and the
benchmark start. Refusals become a clear page (or JSON under /api and for
htmx): 401 when not logged in, 403 naming the role needed, 403 for a
missing CSRF token, 429 with Retry-After when rate-limited.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from leaktrace.core.errors import InputError, LeaktraceError
from leaktrace.pipeline.context import Context
from leaktrace.service.access import may_open
from leaktrace.service.errors import AccessRefused, PermissionDenied, RateLimited
from leaktrace.web import security
from leaktrace.web.i18n import words
from leaktrace.web.requests import HERE, NotLoggedIn, error_response, lang_of, shown, wants_json


@asynccontextmanager
async def _warming(app: FastAPI) -> AsyncIterator[None]:
    """Mask a sample text in a thread while the server starts: the region tables the address detector needs
    take most of a second to build, once per process."""
    from leaktrace.pipeline.text_view import mask_text

    threading.Thread(target=mask_text, args=("广东省深圳市南山区科技园 13800138000",), name="warm-up",
                     daemon=True).start()
    yield


def create_app(ctx: Context, *, warm: bool = False) -> FastAPI:
    """The console over `ctx` (its store, keys and evidence); `warm`: load what the first pages would (the
    masking tables) in a thread at start, so no user's first page pays for it (`leaktrace serve`)."""
    app = FastAPI(lifespan=_warming if warm else None,  # type: ignore[arg-type]
                  title="leaktrace console API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/api/v1/openapi.json",
                  description="The REST API of the leaktrace console: bearer tokens (`leaktrace tokens`), "
                              "the same service functions and access rules as the pages.")
    app.state.ctx = ctx
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.autoescape = True
    templates.env.filters["shown"] = shown
    templates.env.globals["may_open"] = may_open  # the nav shows a page's link only where its rule lets it open
    app.state.templates = templates
    app.middleware("http")(security.security_headers)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/fonts/lt-cjk.woff2", include_in_schema=False)
    def cjk_font() -> Response:
        """The case report's CJK subset (GB 2312, Noto Sans CJK SC, OFL): machines without a Chinese font
        still show the console in Chinese. One copy in the package, served from where `cases` keeps it."""
        from importlib import resources

        from leaktrace.cases.report_fonts import CJK_FILE as REPORT_FONT_FILE

        data = resources.files("leaktrace.cases").joinpath("fonts", REPORT_FONT_FILE).read_bytes()
        return Response(data, media_type="font/woff2", headers={"Cache-Control": "public, max-age=86400"})

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
        return error_response(request, 403, words(lang_of(request))["csrf"])

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return error_response(request, 403, exc.message, needed=tuple(getattr(exc, "needed", ()) or ()))

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> Response:
        return error_response(request, 429, exc.message, headers={"Retry-After": str(exc.retry_after)})

    @app.exception_handler(AccessRefused)
    async def _refused(request: Request, exc: AccessRefused) -> Response:
        return error_response(request, 403, exc.message)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> Response:
        status = 404 if "no such" in exc.message else 400
        return error_response(request, status, exc.message)

    @app.exception_handler(LeaktraceError)
    async def _other(request: Request, exc: LeaktraceError) -> Response:
        return error_response(request, 400, exc.message)

    from leaktrace.web import api, pages
    from leaktrace.web.pages_records import records_router

    app.include_router(records_router())  # dumps, cases, organisations, administration (before pages: /cases/{ref})
    app.include_router(pages.router)
    app.include_router(api.router)
    from leaktrace.web import api_records

    app.include_router(api_records.router)  # dumps, cases, administration as JSON (the record pages' functions)
    from leaktrace.web.pages_actors import register as register_graph_pages
    register_graph_pages(app)
    from leaktrace.web import pages_sources

    app.include_router(pages_sources.router)
    from leaktrace.web import pages_partner, pages_tlp, pages_upload

    pages_upload.register(app)
    pages_tlp.register(app)
    pages_partner.register(app)
    from leaktrace.web.pages_alerts import router as inspection_router

    app.include_router(inspection_router)  # alerts, trackers, notices, notifications, health, metrics
    return app
