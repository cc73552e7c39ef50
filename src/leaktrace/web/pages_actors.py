"""Actor and group pages, the link chart's JSON and GraphML, link decisions; and their REST API twins.

Every handler asks one service function (actor_view, graph_chart,
group_view, link_review) and renders or returns its result; the link
decision passes the CSRF check first. `register(app)` adds both routers.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.web.api import bearer
from leaktrace.web.pages import _back, _form, guard
from leaktrace.web.requests import page_principal, render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/v1", tags=["graph"])


def _ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def register(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(api_router)


# -- pages ---------------------------------------------------------------------------------------

@router.get("/actors")
def actors_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.actor_view import actor_list
    from leaktrace.service.group_view import group_list
    from leaktrace.service.link_review import pending

    q = (request.query_params.get("q") or "").strip()[:200]
    ctx = _ctx(request)
    rows = actor_list(ctx, principal, q)
    actor_of = {k: r.id for r in actor_list(ctx, principal) for k in r.keys}
    waiting = [(p, actor_of.get(p.a)) for p in pending(ctx, principal, limit=50) if not p.decided]
    return render(request, "actors.html", rows=rows, groups=group_list(ctx, principal), q=q, waiting=waiting)


@router.get("/actors/{actor_id}")
def actor_page(request: Request, actor_id: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.actor_view import actor_view
    from leaktrace.service.graph_chart import KINDS, STANDINGS

    v = actor_view(_ctx(request), principal, actor_id[:64])
    return render(request, "actor.html", v=v, kinds=KINDS, standings=STANDINGS)


@router.get("/actors/{actor_id}/chart.json")
def actor_chart_json(request: Request, actor_id: str, depth: int = Query(1),
                     principal: Principal = Depends(page_principal)) -> dict[str, Any]:
    from leaktrace.service.graph_chart import actor_chart

    return actor_chart(_ctx(request), principal, actor_id[:64], depth).as_dict()


@router.get("/graph/account.json")
def account_chart_json(request: Request, key: str = Query(..., max_length=600),
                       principal: Principal = Depends(page_principal)) -> dict[str, Any]:
    from leaktrace.service.graph_chart import account_chart

    return account_chart(_ctx(request), principal, key).as_dict()


@router.get("/actors/{actor_id}/chart.graphml")
def actor_graphml(request: Request, actor_id: str, depth: int = Query(1),
                  principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.graph_chart import export_graphml

    data = export_graphml(_ctx(request), principal, actor_id[:64], depth)
    name = "".join(c for c in actor_id[:64] if c.isalnum()) or "actor"
    return Response(data, media_type="application/graphml+xml",
                    headers={"Content-Disposition": f'attachment; filename="leaktrace-{name}.graphml"'})


@router.post("/links/decision", dependencies=[Depends(guard)])
async def link_decision(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_decide, request, principal, form)


def _decide(request: Request, principal: Principal, form: dict[str, str]) -> Response:
    from leaktrace.service.link_review import decide

    d = decide(_ctx(request), principal, form.get("link", "")[:64], None, form.get("decision", ""),
               form.get("reason"))
    if request.headers.get("hx-request") == "true":
        return render(request, "_link_decided.html", d=d)
    return RedirectResponse(_back(request, "/actors", form.get("next")), status_code=303)


@router.get("/groups/{group_id}")
def group_page(request: Request, group_id: str, principal: Principal = Depends(page_principal)) -> Response:
    from leaktrace.service.geo import MAP_NAME
    from leaktrace.service.group_view import group_view

    v = group_view(_ctx(request), principal, group_id[:64])
    return render(request, "group.html", v=v, map_name=MAP_NAME, flows=[f.__dict__ for f in v.flows])


# -- REST API ------------------------------------------------------------------------------------

class LinkDecision(BaseModel):
    decision: str = Field(description="confirm | reject")
    reason: str = Field(min_length=1, max_length=2000, description="why (kept with the verdict, audited)")


@api_router.get("/actors", summary="Actors of the last graph build (`q`: an account containing it)")
def api_actors(request: Request, q: str | None = Query(None, max_length=200),
               principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.actor_view import actor_list

    return {"actors": [r.__dict__ for r in actor_list(_ctx(request), principal, q)]}


@api_router.get("/actors/{actor_id}", summary="An actor: aliases, identifiers in clear (audited), posts, prices")
def api_actor(request: Request, actor_id: str, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.actor_view import actor_view

    return actor_view(_ctx(request), principal, actor_id[:64]).as_dict()


@api_router.get("/actors/{actor_id}/chart", summary="The actor's link chart (cytoscape.js elements)")
def api_actor_chart(request: Request, actor_id: str, depth: int = Query(1),
                    principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.graph_chart import actor_chart

    return actor_chart(_ctx(request), principal, actor_id[:64], depth).as_dict()


@api_router.get("/groups/{group_id}", summary="A group: members, roles, provinces, money flows")
def api_group(request: Request, group_id: str, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.group_view import group_view

    return group_view(_ctx(request), principal, group_id[:64]).as_dict()


@api_router.get("/links/pending", summary="Inferred links waiting for a supervisor's decision")
def api_pending(request: Request, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.link_review import pending

    return {"links": [p.as_dict() for p in pending(_ctx(request), principal)]}


@api_router.post("/links/{link_id}/decision", summary="Confirm or reject an inferred link (supervisors; audited)")
def api_decide(request: Request, link_id: str, body: LinkDecision,
               principal: Principal = Depends(bearer)) -> JSONResponse:
    from leaktrace.service.link_review import decide

    d = decide(_ctx(request), principal, link_id[:64], None, body.decision, body.reason)
    return JSONResponse(d.as_dict())
