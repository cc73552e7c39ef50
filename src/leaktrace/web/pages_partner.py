"""The partner-facing pages and API: an organisation's own attribution results, exposure notices and alerts.

Every rule is in `service.partner_view` (organisation, TLP, nothing to
download); these routes only render it. There is deliberately no download
route here: a partner never gets captures, samples, bundles or hash sets.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from leaktrace.service.access import Principal
from leaktrace.service.partner_view import attribution_result, partner_view
from leaktrace.web.api import bearer
from leaktrace.web.i18n_uploads_partners import extra_words
from leaktrace.web.requests import lang_of, page_principal, render

router = APIRouter()


def _org(request: Request) -> str | None:
    return (request.query_params.get("org") or "").strip()[:200] or None


@router.get("/partner", include_in_schema=False)
def partner_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    view = partner_view(request.app.state.ctx, principal, _org(request))
    return render(request, "partner.html", v=view, w=extra_words(lang_of(request)))


@router.get("/partner/attributions/{item_id}", include_in_schema=False)
def partner_attribution_page(request: Request, item_id: int,
                             principal: Principal = Depends(page_principal)) -> Response:
    r = attribution_result(request.app.state.ctx, principal, item_id, _org(request))
    return render(request, "partner_attribution.html", r=r, w=extra_words(lang_of(request)))


@router.get("/api/v1/partner", tags=["console"],
            summary="The organisation's attribution results, exposure notices and alerts (partners: their own)")
def api_partner(request: Request, org: str | None = Query(None, max_length=200),
                principal: Principal = Depends(bearer)) -> dict[str, Any]:
    return partner_view(request.app.state.ctx, principal, org).as_dict()


@router.get("/api/v1/partner/attributions/{item_id}", tags=["console"],
            summary="One attribution result of the organisation")
def api_partner_attribution(request: Request, item_id: int, org: str | None = Query(None, max_length=200),
                            principal: Principal = Depends(bearer)) -> dict[str, Any]:
    return dict(attribution_result(request.app.state.ctx, principal, item_id, org).__dict__)


def register(app: Any) -> None:
    """Add the partner pages and API to the console (from web/app.py)."""
    app.include_router(router)
