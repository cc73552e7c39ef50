"""The REST API of the record pages (dumps, cases, administration) under /api/v1: what each page shows and does,
as JSON, through the pages' own service functions.

Same rules as the pages because they are the pages' functions: `dump_view`
gives a partner only its organisation's dumps, `case_work` and `case_files`
refuse a non-member, `accounts.set_role` and `access.add_member` are the
functions `leaktrace users role` and `leaktrace case members` call, audited
there. A bearer token acts with at most its scopes (`dump.view`,
`case.view`, `export.download`, `admin.view`, `admin.settings`,
`users.manage`, `case.members`, or their areas: `access.in_scope`).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from leaktrace.core.errors import InputError
from leaktrace.service.access import Principal
from leaktrace.web.api import bearer
from leaktrace.web.record_render import ctx_of

router = APIRouter(prefix="/api/v1", tags=["records"])


class ExportRequest(BaseModel):
    kind: str = Field(description="report | report_pdf | stix | misp | csv | bundle")
    lang: str = Field(default="zh", description="the report's language: zh or en")


class RoleChange(BaseModel):
    role: str = Field(description="admin | supervisor | analyst | auditor | partner")
    org: str | None = Field(default=None, max_length=200, description="the organisation, for a partner")


class Membership(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    action: str = Field(default="add", description="add | remove")


class SettingChange(BaseModel):
    value: str | None = Field(default=None, max_length=2000, description="the new value as text; null: the default")


@router.get("/dumps", summary="Analysed dumps, newest first, 100 a page (a partner: its own organisation's only)")
def api_dumps(request: Request, principal: Principal = Depends(bearer), page: int = Query(0, ge=0, le=20)) -> dict[str, Any]:
    from leaktrace.service.dump_view import list_dumps

    return asdict(list_dumps(ctx_of(request), principal, page=page))


@router.get("/dumps/{ref}", summary="One dump's report: map, cities, ages, gender, padding, novelty, attribution")
def api_dump(request: Request, ref: str, principal: Principal = Depends(bearer),
             province: str | None = Query(None, max_length=4, description="2 digits: that province's cities")) -> dict[str, Any]:
    from leaktrace.service.dump_view import dump_page

    return asdict(dump_page(ctx_of(request), principal, ref[:80], province=(province or "").strip() or None))


@router.get("/cases", summary="Cases the token's user may see, filtered by status, assignee and TLP, 50 a page")
def api_cases(request: Request, principal: Principal = Depends(bearer), status: str | None = Query(None, max_length=20),
              assignee: str | None = Query(None, max_length=200), tlp: str | None = Query(None, max_length=20),
              page: int = Query(0, ge=0, le=10_000)) -> dict[str, Any]:
    from leaktrace.service.case_work import MAX_LISTED, CaseFilter, list_cases

    rows = list_cases(ctx_of(request), principal, CaseFilter.parse(status, assignee, tlp), page=page)
    return {"rows": [asdict(r) for r in rows], "page": page, "more": len(rows) == MAX_LISTED}


@router.get("/cases/{ref}/page", summary="The case page: items and timeline a page at a time, notes, members")
def api_case_page(request: Request, ref: str, principal: Principal = Depends(bearer),
                  items_page: int = Query(0, ge=0, le=10_000), events_page: int = Query(0, ge=0, le=10_000)) -> dict[str, Any]:
    from leaktrace.service.case_work import case_page

    v = case_page(ctx_of(request), principal, ref[:64], items_page=items_page, events_page=events_page)
    return {**asdict(v), "items_more": v.items_more, "events_more": v.events_more}


@router.post("/cases/{ref}/exports", status_code=202,
             summary="Queue a build of the report or an export (a worker builds it; poll GET .../exports)")
def api_queue_export(request: Request, ref: str, body: ExportRequest, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.case_export_jobs import queue_build

    return {"job": queue_build(ctx_of(request), principal, ref[:64], body.kind, lang=body.lang)}


@router.get("/cases/{ref}/exports", summary="The case's export jobs with their progress, and each built file's name")
def api_exports(request: Request, ref: str, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.case_export_jobs import export_jobs

    return {"jobs": [j.as_dict() for j in export_jobs(ctx_of(request), principal, ref[:64])]}


@router.get("/cases/{ref}/files/{build_dir}/{name}", summary="A built file (attachment; the download is audited)",
            response_class=FileResponse)
def api_case_file(request: Request, ref: str, build_dir: str, name: str, principal: Principal = Depends(bearer)) -> Response:
    from leaktrace.service.case_files import download

    if len(build_dir) > 100 or len(name) > 200:
        raise InputError("file: no such file")
    f = download(ctx_of(request), principal, ref[:64], f"{build_dir}/{name}")
    return FileResponse(f.path, media_type=f.media_type, filename=f.path.name)


@router.post("/cases/{ref}/members", summary="Add or remove a case member (supervisors, admins; audited)")
def api_case_member(request: Request, ref: str, body: Membership, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.admin_view import change_membership

    change_membership(ctx_of(request), principal, ref[:64], body.username, body.action)
    return {"case": ref[:64], "username": body.username, "action": body.action}


@router.get("/admin", summary="Accounts with roles and memberships, sources, settings (secrets redacted)")
def api_admin(request: Request, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.admin_view import admin_page

    return asdict(admin_page(ctx_of(request), principal))


@router.post("/admin/users/{username}/role", summary="Change an account's role (admins; ends its sessions; audited)")
def api_set_role(request: Request, username: str, body: RoleChange, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.accounts import set_role

    v = set_role(ctx_of(request), username[:64], body.role, actor=principal, org_id=body.org)
    return {"username": v.username, "role": v.role.value, "org_id": v.org_id}


@router.post("/admin/settings/{name}", summary="Write a setting to the settings file (admins; not where the "
             "environment sets it, not secrets; applies at the next start; audited)")
def api_set_setting(request: Request, name: str, body: SettingChange, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.settings_edit import set_setting

    return {"name": name[:60], "value": set_setting(ctx_of(request), principal, name[:60], body.value),
            "applies": "at the next start"}
