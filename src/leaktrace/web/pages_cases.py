"""Case pages: the list (filters: status, assignee, TLP), a new case, and the case page with its items, notes,
timeline, members, status, assignee, sign-off, and the report and exports built from it for download.

Every state change passes the CSRF check (`pages.guard`) and calls one
service function (`service.case_work`, `service.case_files`), the same the
CLI calls; forms post and redirect back, so the page works without script.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from leaktrace.core.errors import InputError
from leaktrace.service.access import Principal
from leaktrace.web.pages import guard
from leaktrace.web.record_render import ctx_of, show
from leaktrace.web.requests import lang_of, page_principal

router = APIRouter(include_in_schema=False)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:20_000] for k, v in form.items() if isinstance(v, str)}


def _to_case(ref: str, anchor: str = "") -> Response:
    return RedirectResponse(f"/cases/{quote(ref, safe='')}{anchor}", status_code=303)


@router.get("/cases")
def cases_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import MAX_LISTED, STATUSES, CaseFilter, assignees, list_cases

    q = request.query_params
    f = CaseFilter.parse(q.get("status"), q.get("assignee"), q.get("tlp"))
    ctx = ctx_of(request)
    from leaktrace.pipeline.case_items import TLP_LEVELS

    page = q.get("page", "")[:6]
    rows = list_cases(ctx, principal, f, page=page)
    return show(request, "cases.html", rows=rows, f=f, statuses=STATUSES, page=int(page or 0), full=len(rows) == MAX_LISTED,
                tlps=TLP_LEVELS, people=assignees(ctx, principal))


@router.post("/cases", dependencies=[Depends(guard)])
async def new_case(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import create_case

    form = await _form(request)
    ref = await run_in_threadpool(create_case, ctx_of(request), principal, form.get("title", ""),
                                  tlp=form.get("tlp", "amber"))
    return _to_case(ref)


@router.get("/cases/{ref}")
def case_page(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_export_jobs import export_jobs
    from leaktrace.service.case_files import KINDS, built
    from leaktrace.service.case_work import STATUSES, assignees
    from leaktrace.service.case_work import case_page as view

    ctx = ctx_of(request)
    q = request.query_params
    v = view(ctx, principal, ref[:64], items_page=q.get("items_page", "")[:6], events_page=q.get("events_page", "")[:6])
    files = built(ctx, principal, v.ref) if v.may_export else []
    jobs = export_jobs(ctx, principal, v.ref) if v.may_export else []
    return show(request, "case.html", v=v, chart=v.chart_data(), statuses=STATUSES, kinds=KINDS, files=files, jobs=jobs,
                people=assignees(ctx, principal) if v.may_manage_members else [])


@router.post("/cases/{ref}/note", dependencies=[Depends(guard)])
async def case_note(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import add_note

    form = await _form(request)
    await run_in_threadpool(add_note, ctx_of(request), principal, ref[:64], form.get("text", ""))
    return _to_case(ref, "#notes")


@router.post("/cases/{ref}/status", dependencies=[Depends(guard)])
async def case_status(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import set_status

    form = await _form(request)
    await run_in_threadpool(set_status, ctx_of(request), principal, ref[:64], form.get("status", ""))
    return _to_case(ref)


@router.post("/cases/{ref}/assignee", dependencies=[Depends(guard)])
async def case_assignee(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import set_assignee

    form = await _form(request)
    await run_in_threadpool(set_assignee, ctx_of(request), principal, ref[:64], form.get("assignee"))
    return _to_case(ref, "#members")


@router.post("/cases/{ref}/members", dependencies=[Depends(guard)])
async def case_members(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.admin_view import change_membership

    form = await _form(request)
    action = "remove" if form.get("action") == "remove" else "add"
    await run_in_threadpool(change_membership, ctx_of(request), principal, ref[:64], form.get("username", ""), action)
    return _to_case(ref, "#members")


@router.post("/cases/{ref}/signoff", dependencies=[Depends(guard)])
async def case_signoff(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import sign_off

    form = await _form(request)
    await run_in_threadpool(sign_off, ctx_of(request), principal, ref[:64], note=form.get("note"))
    return _to_case(ref, "#signoff")


@router.post("/cases/{ref}/export", dependencies=[Depends(guard)])
async def case_export(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    """Queue the build (a worker of `serve` or `worker` runs it); the page shows its progress and the file."""
    from leaktrace.service.case_export_jobs import queue_build

    form = await _form(request)
    lang = form.get("lang") or lang_of(request)
    await run_in_threadpool(queue_build, ctx_of(request), principal, ref[:64], form.get("kind", ""), lang=lang)
    return _to_case(ref, "#exports")


@router.get("/cases/{ref}/exports")
def case_exports(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    """The case's export jobs with their progress (what the page polls while one is queued or running)."""
    from leaktrace.service.case_export_jobs import export_jobs
    from leaktrace.service.case_files import KINDS, check_export

    ctx = ctx_of(request)
    canonical = check_export(ctx, principal, ref[:64], "report")
    return show(request, "_case_exports.html", ref=canonical, jobs=export_jobs(ctx, principal, canonical), kinds=KINDS)


@router.get("/cases/{ref}/files/{build_dir}/{name}")
def case_file(request: Request, ref: str, build_dir: str, name: str,
              principal: Principal = Depends(page_principal)) -> Response:
    """A built file, as an attachment (never rendered in the console's origin). Audited."""
    from leaktrace.service.case_files import download

    if len(build_dir) > 100 or len(name) > 200:
        raise InputError("file: no such file")
    f = download(ctx_of(request), principal, ref[:64], f"{build_dir}/{name}")
    return FileResponse(f.path, media_type=f.media_type, filename=f.path.name,
                        headers={"Content-Security-Policy": "sandbox; default-src 'none'"})
