"""The console's online-inspection pages: alerts, trackers (with retro-hunt progress), notices, notifications.

Each handler calls the service function the CLI calls (`service.alerts`,
`service.trackers`, `service.notify`) and renders its result; forms post
back with the CSRF token and redirect, htmx swaps the retro-hunt progress
in place. Every control is a real button or link in a form, so the pages
work by keyboard alone; `alerts.js` adds j/k to move between alerts and
a/d/e to acknowledge, dismiss, escalate the focused one.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.web.pages import guard
from leaktrace.web.requests import page_principal, render

router = APIRouter(include_in_schema=False)

WORDS = {
    "en": {"alerts": "Alerts", "trackers": "Trackers", "notices": "Notices", "notifications": "Notifications",
           "new": "new", "acknowledged": "acknowledged", "dismissed": "dismissed", "escalated": "escalated",
           "ack": "Acknowledge", "dismiss": "Dismiss", "escalate": "Escalate", "reason": "Reason",
           "case": "Case", "rule": "Rule", "actor": "Seller", "listing": "Listing", "matched": "Matched",
           "priority": "Priority", "hits": "Hits", "seen": "Last seen", "state": "State", "filter": "Filter",
           "kind": "Kind", "any": "any", "name": "Name", "spec": "Rule (JSON)", "save": "Save",
           "create": "New tracker", "retrohunt": "Retro-hunt", "progress": "Progress", "enabled": "Enabled",
           "version": "Version", "release": "Release", "org": "Organisation", "canary": "Canary",
           "source": "Source", "channel": "Channel", "target": "Address or URL", "min_priority": "Minimum priority",
           "subscribe": "Add", "remove": "Remove", "secret": "Webhook secret (shown once)", "none": "None.",
           "keys": "Keys: j/k move, a acknowledge, d dismiss, e escalate (the focused alert)."},
    "zh": {"alerts": "告警", "trackers": "跟踪规则", "notices": "机构通知", "notifications": "通知设置",
           "new": "新", "acknowledged": "已确认", "dismissed": "已忽略", "escalated": "已升级",
           "ack": "确认", "dismiss": "忽略", "escalate": "升级为案件", "reason": "理由",
           "case": "案件", "rule": "规则", "actor": "卖家", "listing": "帖子", "matched": "命中",
           "priority": "优先级", "hits": "次数", "seen": "最近", "state": "状态", "filter": "筛选",
           "kind": "类型", "any": "全部", "name": "名称", "spec": "规则 (JSON)", "save": "保存",
           "create": "新建跟踪规则", "retrohunt": "回溯检索", "progress": "进度", "enabled": "启用",
           "version": "版本", "release": "发布", "org": "机构", "canary": "金丝雀",
           "source": "来源", "channel": "渠道", "target": "地址或URL", "min_priority": "最低优先级",
           "subscribe": "添加", "remove": "删除", "secret": "Webhook 密钥 (仅显示一次)", "none": "无。",
           "keys": "快捷键: j/k 移动, a 确认, d 忽略, e 升级 (当前告警)。"},
}


def _ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _page(request: Request, template: str, **values: Any) -> Response:
    from leaktrace.web.requests import lang_of

    return render(request, template, w=WORDS.get(lang_of(request), WORDS["en"]), **values)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _int(value: str | None, field: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InputError(f"field '{field}': expected a whole number") from None


# -- alerts ---------------------------------------------------------------------------------

@router.get("/alerts")
def alerts_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.alerts import list_alerts

    q = request.query_params
    state = (q.get("state") or "new").strip() or None
    if state == "all":
        state = None
    kind = (q.get("kind") or "").strip() or None
    rows, counts = list_alerts(_ctx(request), principal, state=state, kind=kind,
                               min_priority=_int(q.get("min_priority"), "min_priority"),
                               tracker_id=_int(q.get("tracker"), "tracker"), actor=(q.get("actor") or None))
    return _page(request, "alerts.html", rows=rows, counts=counts, state=state or "all", kind=kind or "",
                 params={k: v for k, v in q.items() if v})


@router.post("/alerts/{alert_id}", dependencies=[Depends(guard)])
async def alert_action(request: Request, alert_id: int, principal: Principal = Depends(page_principal)) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_alert_action, request, alert_id, principal, form)


def _alert_action(request: Request, alert_id: int, principal: Principal, form: dict[str, str]) -> Response:
    from leaktrace.service import alerts

    action, ctx = form.get("action", ""), _ctx(request)
    if action == "ack":
        alerts.acknowledge(ctx, principal, alert_id)
    elif action == "dismiss":
        alerts.dismiss(ctx, principal, alert_id, form.get("reason", ""))
    elif action == "escalate":
        alerts.escalate(ctx, principal, alert_id, form.get("case", ""))
    else:
        raise InputError(f"field 'action': {action[:20]!r} is not ack, dismiss or escalate")
    back = form.get("back") or "/alerts"
    if not back.startswith("/alerts") or back.startswith("//"):
        back = "/alerts"
    return RedirectResponse(back, status_code=303)


# -- trackers -------------------------------------------------------------------------------

@router.get("/trackers")
def trackers_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.trackers import list_trackers

    return _page(request, "trackers.html", rows=list_trackers(_ctx(request), principal), error=None,
                 form={"name": "", "spec": '{"terms": []}', "priority": "1"})


def _spec_of(form: dict[str, str]) -> dict[str, Any]:
    try:
        doc = json.loads(form.get("spec") or "{}")
    except json.JSONDecodeError as exc:
        raise InputError(f"field 'spec': not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if not isinstance(doc, dict):
        raise InputError("field 'spec': expected a JSON object")
    return doc


@router.post("/trackers", dependencies=[Depends(guard)])
async def tracker_create(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_tracker_create, request, principal, form)


def _tracker_create(request: Request, principal: Principal, form: dict[str, str]) -> Response:
    from leaktrace.service.trackers import create_tracker, list_trackers

    ctx = _ctx(request)
    try:
        t = create_tracker(ctx, principal, form.get("name", ""), _spec_of(form),
                           priority=_int(form.get("priority"), "priority") or 0)
    except InputError as exc:  # the form comes back with what was typed and the one-line reason
        return _page(request, "trackers.html", status_code=400, rows=list_trackers(ctx, principal),
                     error=exc.message, form=form)
    return RedirectResponse(f"/trackers/{t.id}", status_code=303)


@router.get("/trackers/{tracker_id}")
def tracker_page(request: Request, tracker_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.trackers import get_tracker, retrohunt_status

    ctx = _ctx(request)
    t = get_tracker(ctx, principal, tracker_id)
    return _page(request, "tracker.html", tr=t, job=retrohunt_status(ctx, principal, tracker_id), error=None,
                 spec=json.dumps(t.spec, ensure_ascii=False, indent=2))


@router.get("/trackers/{tracker_id}/progress")
def tracker_progress(request: Request, tracker_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.trackers import retrohunt_status

    return _page(request, "_retro.html", t_id=tracker_id, job=retrohunt_status(_ctx(request), principal, tracker_id))


@router.post("/trackers/{tracker_id}", dependencies=[Depends(guard)])
async def tracker_edit(request: Request, tracker_id: int, principal: Principal = Depends(page_principal)) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_tracker_edit, request, tracker_id, principal, form)


def _tracker_edit(request: Request, tracker_id: int, principal: Principal, form: dict[str, str]) -> Response:
    from leaktrace.service.trackers import (
        get_tracker,
        retrohunt_status,
        start_retrohunt,
        update_tracker,
    )

    ctx = _ctx(request)
    if form.get("action") == "retrohunt":
        start_retrohunt(ctx, principal, tracker_id)
        return RedirectResponse(f"/trackers/{tracker_id}", status_code=303)
    try:
        update_tracker(ctx, principal, tracker_id, name=form.get("name"), spec=_spec_of(form),
                       priority=_int(form.get("priority"), "priority"), enabled=form.get("enabled") == "on")
    except InputError as exc:
        t = get_tracker(ctx, principal, tracker_id)
        return _page(request, "tracker.html", status_code=400, tr=t, job=retrohunt_status(ctx, principal, tracker_id),
                     error=exc.message, spec=form.get("spec", ""))
    return RedirectResponse(f"/trackers/{tracker_id}", status_code=303)


# -- organisation notices -------------------------------------------------------------------

@router.get("/notices")
def notices_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.access import allowed
    from leaktrace.service.alerts import list_notices

    return _page(request, "notices.html", rows=list_notices(_ctx(request), principal),
                 may_release=allowed(principal, "notice.release"))


@router.post("/notices/{notice_id}/release", dependencies=[Depends(guard)])
def notice_release(request: Request, notice_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.alerts import release_notice

    release_notice(_ctx(request), principal, notice_id)
    return RedirectResponse("/notices", status_code=303)


# -- notification preferences ---------------------------------------------------------------

@router.get("/notifications")
def notifications_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.notify import subscriptions

    return _page(request, "notifications.html", rows=subscriptions(_ctx(request), principal), secret=None,
                 error=None)


@router.post("/notifications", dependencies=[Depends(guard)])
async def notifications_add(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    form = await _form(request)
    raw = await request.form()
    kinds = [k for k in raw.getlist("kinds") if isinstance(k, str)]
    return await run_in_threadpool(_subscribe, request, principal, form, kinds)


def _subscribe(request: Request, principal: Principal, form: dict[str, str], kinds: list[str]) -> Response:
    from leaktrace.service.notify import subscribe, subscriptions

    ctx = _ctx(request)
    try:
        _, secret = subscribe(ctx, principal, form.get("channel", ""), form.get("target", ""),
                              min_priority=_int(form.get("min_priority"), "min_priority") or 0, kinds=kinds)
    except InputError as exc:
        return _page(request, "notifications.html", status_code=400, rows=subscriptions(ctx, principal),
                     secret=None, error=exc.message)
    return _page(request, "notifications.html", rows=subscriptions(ctx, principal), secret=secret, error=None)


@router.post("/notifications/{sub_id}/delete", dependencies=[Depends(guard)])
def notifications_delete(request: Request, sub_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.notify import unsubscribe

    unsubscribe(_ctx(request), principal, sub_id)
    return RedirectResponse("/notifications", status_code=303)


def query(params: dict[str, str], **changes: str) -> str:
    return urlencode({**params, **changes})


# -- operations -----------------------------------------------------------------------------

@router.get("/healthz")
def healthz(request: Request) -> Response:
    """For load balancers and monitors: no login, and nothing but ok/degraded per check."""
    from starlette.responses import JSONResponse

    from leaktrace.service.ops import health

    doc = health(_ctx(request))
    return JSONResponse(doc, status_code=200 if doc["status"] == "ok" else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus metrics (no personal data, but source names): an API token with the `ops` scope of an admin
    or supervisor (`leaktrace users token NAME --scope ops`), sent as Prometheus' bearer credentials."""
    from leaktrace.service.access import require
    from leaktrace.service.ops import metrics_text
    from leaktrace.web.api import bearer
    from leaktrace.web.requests import NotLoggedIn

    try:
        principal = bearer(request)
    except NotLoggedIn:  # a scraper, not a browser: no redirect to the login page
        return Response("a bearer token with the ops scope is required\n", status_code=401,
                        media_type="text/plain", headers={"WWW-Authenticate": "Bearer"})
    require(principal, "ops.metrics")
    body, ctype = metrics_text(_ctx(request))
    return Response(body, media_type=ctype)
