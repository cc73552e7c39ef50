"""The organisations page (supervisors, admins) and the administration page (admins): views over
`service.org_view` and `service.admin_view`, and the admin page's edits of roles and case memberships.

Each edit passes the CSRF check (`pages.guard`) and calls the function the
CLI and the API call (`accounts.set_role`, what `leaktrace users role`
calls; `admin_view.change_membership`), which check the role and write the
audit record; the form posts and redirects back, so it works without script.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from leaktrace.service.access import Principal
from leaktrace.web.pages import guard
from leaktrace.web.record_render import ctx_of, show
from leaktrace.web.requests import page_principal

router = APIRouter(include_in_schema=False)


@router.get("/orgs")
def orgs_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.org_view import STALE_DAYS, organisations

    return show(request, "orgs.html", rows=organisations(ctx_of(request), principal), stale_days=STALE_DAYS)


@router.get("/admin")
def admin_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.access import Role
    from leaktrace.service.admin_view import admin_page as view

    return show(request, "admin.html", v=view(ctx_of(request), principal), roles=[r.value for r in Role])


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v[:2001] for k, v in form.items() if isinstance(v, str)}


@router.post("/admin/users/{username}/role", dependencies=[Depends(guard)])
async def admin_role(request: Request, username: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.accounts import set_role

    form = await _form(request)
    await run_in_threadpool(set_role, ctx_of(request), username[:64], form.get("role", ""), actor=principal,
                            org_id=form.get("org", "").strip()[:200] or None)
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/members", dependencies=[Depends(guard)])
async def admin_members(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.admin_view import change_membership

    form = await _form(request)
    await run_in_threadpool(change_membership, ctx_of(request), principal, form.get("case", "").strip()[:64],
                            form.get("username", ""), form.get("action", ""))
    return RedirectResponse("/admin#users", status_code=303)


@router.post("/admin/settings/{name}", dependencies=[Depends(guard)])
async def admin_setting(request: Request, name: str, principal: Principal = Depends(page_principal)) -> Response:
    """Write one setting to the settings file (applies at the next start); refused where the environment sets it."""
    from leaktrace.service.settings_edit import set_setting

    form = await _form(request)
    await run_in_threadpool(set_setting, ctx_of(request), principal, name[:60], form.get("value"))
    return RedirectResponse("/admin#settings", status_code=303)
