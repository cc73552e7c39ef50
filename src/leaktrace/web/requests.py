"""Requests to pages and API: who is asking (session cookie), in which language, and rendering a page or error.

Shared by `pages` and `api`; `app` wires them and the error handlers together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.service.errors import AccessRefused
from leaktrace.web import security
from leaktrace.web.i18n import LANGS, words

HERE = Path(__file__).resolve().parent


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
    """The logged-in user's language; before login the browser's last choice, else its Accept-Language."""
    p = getattr(request.state, "principal", None)
    if p is not None and getattr(p, "lang", None) in LANGS:
        return str(p.lang)
    chosen = request.cookies.get(security.LANG_COOKIE)
    if chosen in LANGS:
        return chosen  # type: ignore[return-value]
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


def error_response(request: Request, status: int, message: str, *, needed: tuple[str, ...] = (),
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




def shown(value: object, limit: int = 2000) -> str:
    """A template filter for values that did not pass through a service's display_text (audit fields, echoed
    filter values): bidi overrides and zero-width characters made visible, length capped."""
    from leaktrace.pipeline.text_view import display_text

    return display_text(None if value is None else str(value), limit, masked=False)
