"""The organisations page (supervisors, admins) and the administration page (admins): read views over
`service.org_view` and `service.admin_view`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from leaktrace.service.access import Principal
from leaktrace.web.record_render import ctx_of, show
from leaktrace.web.requests import page_principal

router = APIRouter(include_in_schema=False)


@router.get("/orgs")
def orgs_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.org_view import STALE_DAYS, organisations

    return show(request, "orgs.html", rows=organisations(ctx_of(request), principal), stale_days=STALE_DAYS)


@router.get("/admin")
def admin_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.admin_view import admin_page as view

    return show(request, "admin.html", v=view(ctx_of(request), principal))
