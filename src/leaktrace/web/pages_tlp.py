"""Setting a case item's TLP from the case page and the REST API (`service.tlp.set_item_tlp`, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from leaktrace.service.access import Principal
from leaktrace.service.tlp import set_item_tlp
from leaktrace.web.api import bearer
from leaktrace.web.pages import guard
from leaktrace.web.requests import page_principal

router = APIRouter()


class TlpBody(BaseModel):
    tlp: str | None = Field(default=None, max_length=20,
                            description="clear | green | amber | amber+strict | red; null: the case's marking")


@router.post("/cases/{ref}/items/{item_id}/tlp", dependencies=[Depends(guard)], include_in_schema=False)
async def item_tlp_page(request: Request, ref: str, item_id: int,
                        principal: Principal = Depends(page_principal)) -> Response:
    form = await request.form()
    level = form.get("tlp")
    done = await run_in_threadpool(set_item_tlp, request.app.state.ctx, principal, ref, str(item_id),
                                   level if isinstance(level, str) else None)
    return RedirectResponse(f"/cases/{done['case']}", status_code=303)


@router.post("/api/v1/cases/{ref}/items/{item}/tlp", tags=["console"],
             summary="Mark one case item's TLP (its number or KIND:KEY; audited)")
def item_tlp_api(request: Request, ref: str, item: str, body: TlpBody,
                 principal: Principal = Depends(bearer)) -> dict[str, Any]:
    return set_item_tlp(request.app.state.ctx, principal, ref, item, body.tlp)


def register(app: Any) -> None:
    """Add the TLP routes to the console (from web/app.py)."""
    app.include_router(router)
