"""The console's sources page (online inspection) and a listing's history as a diff.

Over the same service functions as `leaktrace sources`: the list with each
source's last run, pages, new captures, errors and next run; pause, resume,
run now, accept or reject a proposed mirror (supervisors and admins; CSRF
checked); and every version of a listing with what changed.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.web.pages import guard
from leaktrace.web.requests import lang_of, page_principal, render

router = APIRouter(include_in_schema=False)

WORDS = {
    "en": {"sources": "Sources", "schedule": "Schedule", "state": "State", "last_run": "Last run",
           "status": "Status", "pages": "Pages", "new_captures": "New captures", "errors": "Errors",
           "next_run": "Next run", "pause": "Pause", "resume": "Resume", "run": "Run now", "accept": "Accept",
           "reject": "Reject", "proposed": "Proposed mirrors", "mirror_of": "mirror of", "history": "History",
           "version": "Version", "seen": "Seen", "kind": "Kind", "changes": "Changes", "capture": "Capture",
           "legal_basis": "Legal basis", "proxy": "Proxy", "isolated": "isolated", "screenshots": "screenshots"},
    "zh": {"sources": "来源", "schedule": "计划", "state": "状态", "last_run": "上次运行", "status": "结果",
           "pages": "页面", "new_captures": "新采集", "errors": "错误", "next_run": "下次运行", "pause": "暂停",
           "resume": "恢复", "run": "立即运行", "accept": "接受", "reject": "拒绝", "proposed": "待确认的镜像",
           "mirror_of": "镜像自", "history": "历史", "version": "版本", "seen": "发现时间", "kind": "类型",
           "changes": "变化", "capture": "采集", "legal_basis": "法律依据", "proxy": "代理", "isolated": "隔离", "screenshots": "截图"},
}


def _ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _w(request: Request) -> dict[str, str]:
    return WORDS.get(lang_of(request), WORDS["en"])


@router.get("/sources")
def sources_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.access import allowed
    from leaktrace.service.sources import sources

    rows = sources(_ctx(request), principal)
    return render(request, "sources.html", w=_w(request), rows=[r for r in rows if r.state != "proposed"],
                  proposed=[r for r in rows if r.state == "proposed"],
                  manage=allowed(principal, "sources.manage"))


@router.post("/sources/{name}/{action}", dependencies=[Depends(guard)])
async def source_action(request: Request, name: str, action: str,
                        principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.sources import act

    await run_in_threadpool(act, _ctx(request), principal, name[:100], action[:16])
    return RedirectResponse("/sources", status_code=303)


@router.get("/listing/{post_id}/history")
def history_page(request: Request, post_id: int, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.sources import history

    post, versions = history(_ctx(request), principal, post_id)
    return render(request, "history.html", w=_w(request), post=post, versions=versions)
