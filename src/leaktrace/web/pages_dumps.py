"""Dump pages: the list of analysed dumps, and one dump's report (map, cities, ages, gender, padding, novelty,
attribution), each chart with its table. Service: `service.dump_view`."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from leaktrace.service.access import Principal
from leaktrace.web.record_render import ctx_of, show
from leaktrace.web.requests import page_principal

router = APIRouter(include_in_schema=False)


def _province(request: Request) -> str | None:
    return (request.query_params.get("province") or "").strip()[:4] or None


@router.get("/dumps")
def dumps_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.case_work import page_number
    from leaktrace.service.dump_view import list_dumps

    v = list_dumps(ctx_of(request), principal, page=page_number(request.query_params.get("page", "")[:6], "page"))
    return show(request, "dumps.html", rows=v.rows, v=v)


@router.get("/dumps/{ref}")
def dump_page(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.dump_view import dump_page as view

    province = _province(request)
    v = view(ctx_of(request), principal, ref[:80], province=province)
    return show(request, "dump.html", v=v, province=province, chart=v.chart_data())


@router.get("/dumps/{ref}/cities")
def dump_cities(request: Request, ref: str, principal: Principal = Depends(page_principal)) -> Response:
    """The city table of one province (what a click on the map swaps in)."""
    from leaktrace.service.dump_view import dump_page as view

    province = _province(request)
    v = view(ctx_of(request), principal, ref[:80], province=province)
    return show(request, "_cities.html", v=v, province=province)
