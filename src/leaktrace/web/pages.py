"""The console's pages: login, feed (with triage), listing, identifier pivot, search, sessions, audit.

Each handler asks one service function and renders its result; state-changing
requests pass the CSRF check first (`guard`). htmx requests get the fragment
they swap in; plain form posts get a redirect, so every page also works
without JavaScript.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service.access import PAGE_ACTIONS, Principal
from leaktrace.service.errors import (
    LoginFailed,
    LoginThrottled,
    PasswordChangeRequired,
    TotpEnrollmentRequired,
    TotpRequired,
)
from leaktrace.web import security
from leaktrace.web.filters import page_offset, post_filter
from leaktrace.web.i18n import LANGS, words
from leaktrace.web.requests import client_of, page_principal, principal_or_none, render

router = APIRouter(include_in_schema=False)


def _ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


async def guard(request: Request) -> None:
    """The CSRF check every state-changing page request passes before its handler runs."""
    if request.method in security.UNSAFE:
        await security.check_csrf(_ctx(request), request)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _back(request: Request, default: str, wanted: str | None = None) -> str:
    """Where to go after a form: `wanted` or the Referer when it is a path of this console, else `default`."""
    if wanted and wanted.startswith("/") and not wanted.startswith(("//", "/\\")) and len(wanted) < 2000:
        return wanted
    ref = request.headers.get("referer") or ""
    host = f"{request.url.scheme}://{request.url.netloc}/"
    return ref if ref.startswith(host) else default


# -- login ---------------------------------------------------------------------------------

@router.get("/login")
async def login_page(request: Request) -> Response:
    if not request.cookies.get(security.PRE_COOKIE):
        request.state.pre_secret = security.new_pre_secret()
    expired = request.query_params.get("expired") == "1"
    return _login_form(request, notice=words(_lang(request))["expired"] if expired else None)


def _login_form(request: Request, status_code: int = 200, **values: Any) -> Response:
    base: dict[str, Any] = {"notice": None, "error": None, "username": "", "totp_step": False,
                            "change_step": False, "enroll": None}
    return render(request, "login.html", status_code=status_code, **{**base, **values})


def _lang(request: Request) -> str:
    from leaktrace.web.requests import lang_of

    return lang_of(request)


@router.post("/login", dependencies=[Depends(guard)])
async def login(request: Request) -> Response:
    from leaktrace.service.accounts import authenticate, change_password, enroll_totp
    from leaktrace.service.sessions import open_session

    form = await _form(request)
    t = words(_lang(request))
    ctx = _ctx(request)
    username = form.get("username", "")[:200]
    password = form.get("password", "")
    new_password = form.get("new_password", "")
    code = form.get("totp", "").strip() or None
    try:
        if new_password:
            principal = change_password(ctx, username, password, new_password, code, client_of(request))
        else:
            principal = authenticate(ctx, username, password, code, client_of(request))
    except TotpEnrollmentRequired:
        # The password was right: show the new seed once; the first accepted code confirms it.
        return _login_form(request, 401, error=t["enroll_totp"], username=username, totp_step=True,
                           enroll=enroll_totp(ctx, username))
    except TotpRequired:
        return _login_form(request, 401, error=t["need_totp"], username=username, totp_step=True)
    except PasswordChangeRequired:
        return _login_form(request, 401, error=t["change_password"], username=username, change_step=True,
                           totp_step=bool(code))
    except LoginThrottled as exc:
        resp = _login_form(request, 429, error=f"{t['throttled']} {exc.retry_after} {t['seconds']}",
                           username=username)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except LoginFailed:
        return _login_form(request, 401, error=t["wrong_login"], username=username, totp_step=bool(code),
                           change_step=bool(new_password))
    except InputError as exc:  # a new password that breaks the rules
        return _login_form(request, 400, error=exc.message, username=username, change_step=True,
                           totp_step=bool(code))
    token = open_session(_ctx(request), principal)
    response = RedirectResponse("/partner" if principal.is_partner else "/feed", status_code=303)
    security.set_cookie(response, request, security.SESSION_COOKIE, token)
    response.delete_cookie(security.PRE_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[Depends(guard)])
def logout(request: Request) -> Response:
    from leaktrace.service.sessions import logout as end_session

    p = principal_or_none(request)
    if p is not None:
        end_session(_ctx(request), p)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(security.SESSION_COOKIE, path="/")
    return response


@router.post("/lang", dependencies=[Depends(guard)])
async def switch_lang(request: Request) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_switch_lang, request, form)


def _switch_lang(request: Request, form: dict[str, str]) -> Response:
    from leaktrace.service.accounts import set_lang

    lang = form.get("lang", "")
    response = RedirectResponse(_back(request, "/feed", form.get("next")), status_code=303)
    if lang in LANGS:
        p = principal_or_none(request)
        if p is not None:
            set_lang(_ctx(request), p, lang)  # the user's own setting, wherever they log in next
        security.set_cookie(response, request, security.LANG_COOKIE, lang, max_age=365 * 86400)
    return response


# -- feed and triage -------------------------------------------------------------------------

@router.get("/")
def home(request: Request) -> Response:
    p = principal_or_none(request)
    return RedirectResponse("/partner" if p is not None and p.is_partner else "/feed", status_code=303)


@router.get("/feed")
def feed_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.feed import feed

    f = post_filter(request.query_params)
    offset = page_offset(request.query_params)
    page = feed(_ctx(request), principal, f, offset=offset)
    params = {k: v for k, v in request.query_params.items() if k != "offset" and v}
    next_url = "/feed?" + urlencode({**params, "offset": offset + page.limit}) if page.more else None
    return render(request, "feed.html", page=page, f=f, params=params, next_url=next_url)


@router.post("/triage/{post_id}", dependencies=[Depends(guard)])
async def triage(request: Request, post_id: int, principal: Principal = Depends(page_principal)) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_triage, request, post_id, principal, form)


def _triage(request: Request, post_id: int, principal: Principal, form: dict[str, str]) -> Response:
    from leaktrace.service import triage as tr
    from leaktrace.service.feed import feed_row, mark_rows, model_version
    from leaktrace.store.repo.post_queries import get_post

    action = form.get("action", "")
    ctx = _ctx(request)
    if action == "dismiss":
        tr.dismiss(ctx, principal, post_id, form.get("reason"))
    elif action == "watch":
        tr.watch_seller(ctx, principal, post_id)
    elif action == "case":
        tr.add_to_case(ctx, principal, post_id, form.get("case", ""))
    elif action == "reopen":
        tr.reopen(ctx, principal, post_id)
    else:
        raise InputError(f"field 'action': {action[:20]!r} is not dismiss, watch, case or reopen")
    if request.headers.get("hx-request") == "true":
        with ctx.session() as s:
            row = feed_row(get_post(s, post_id, model_version(ctx)))
        return render(request, "_row.html", r=mark_rows(ctx, principal, [row])[0])
    return RedirectResponse(_back(request, "/feed"), status_code=303)


# -- listing ---------------------------------------------------------------------------------

@router.get("/listing/{post_id}")
def listing_page(request: Request, post_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.listing_view import listing

    return render(request, "listing.html", v=listing(_ctx(request), principal, post_id), clear=None)


@router.post("/listing/{post_id}/unmask", dependencies=[Depends(guard)])
async def unmask_page(request: Request, post_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.listing_view import listing, unmask

    form = await _form(request)
    clear = await run_in_threadpool(unmask, _ctx(request), principal, post_id, form.get("reason"))
    if request.headers.get("hx-request") == "true":
        return render(request, "_clear.html", clear=clear)
    view = await run_in_threadpool(listing, _ctx(request), principal, post_id)
    return render(request, "listing.html", v=view, clear=clear)


@router.get("/listing/{post_id}/screenshot")
def screenshot(request: Request, post_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.listing_view import listing

    v = listing(_ctx(request), principal, post_id)
    if v.screenshot_sha256 is None:
        raise InputError(f"post {post_id}: no such screenshot")
    data = _ctx(request).evidence.read_bytes(v.screenshot_sha256, max_bytes=20 << 20)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg" if data.startswith(b"\xff\xd8") else None
    if kind is None:
        raise InputError(f"post {post_id}: the screenshot is not a PNG or JPEG image")
    return Response(data, media_type=kind, headers={"Content-Security-Policy": "sandbox; default-src 'none'"})


# -- pivot, search ---------------------------------------------------------------------------

@router.get("/identifier/{ident_id}")
def identifier_page(request: Request, ident_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.pivot import pivot

    return render(request, "identifier.html", v=pivot(_ctx(request), principal, ident_id))


@router.get("/search")
def search_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.access import require
    from leaktrace.service.search import search

    for action in PAGE_ACTIONS["/search"]:  # refused like its nav link, also before a query is typed
        require(principal, action)
    q = (request.query_params.get("q") or "").strip()
    f = post_filter(request.query_params)
    result, error = None, None
    if q:
        try:
            result = search(_ctx(request), principal, q, f, reason=request.query_params.get("reason"),
                            offset=page_offset(request.query_params))
        except InputError as exc:
            error = exc.message
    params = {k: v for k, v in request.query_params.items() if v and k not in ("q", "reason", "offset")}
    return render(request, "search.html", q=q, result=result, error=error, f=f, params=params)


# -- sessions, audit --------------------------------------------------------------------

@router.get("/sessions")
def sessions_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.sessions import list_sessions

    rows = list_sessions(_ctx(request), principal)
    return render(request, "sessions.html", rows=rows)


@router.post("/sessions/{session_id}/revoke", dependencies=[Depends(guard)])
def revoke(request: Request, session_id: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.sessions import revoke_session

    revoke_session(_ctx(request), principal, session_id[:64])
    if session_id == principal.session_id:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        return response
    return RedirectResponse("/sessions", status_code=303)


@router.get("/audit")
def audit_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.access import require
    from leaktrace.service.audit import query

    require(principal, "audit.view")
    action = (request.query_params.get("action") or "").strip()[:100] or None
    rows = query(_ctx(request), action=action, limit=200)
    return render(request, "audit.html", rows=rows, action=action or "")

