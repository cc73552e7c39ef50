"""The REST API under /api/v1: bearer tokens, the same service functions as the pages, JSON in and out.

Tokens are checked by `service.tokens.principal_for_token`; cookies are never
read here, so a page on another site cannot make a logged-in browser call the
API (no CSRF surface). FastAPI documents every route at /api/v1/openapi.json.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from starlette.requests import Request

from leaktrace.core.errors import InputError
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal
from leaktrace.web.filters import page_offset, post_filter
from leaktrace.web.requests import NotLoggedIn, client_of

router = APIRouter(prefix="/api/v1", tags=["console"])


def _ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def bearer(request: Request) -> Principal:
    """The principal of the `Authorization: Bearer <token>` header; 401 when missing, revoked or expired."""
    from leaktrace.service.errors import AccessRefused
    from leaktrace.service.tokens import principal_for_token

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotLoggedIn()
    try:
        p = principal_for_token(_ctx(request), token.strip(), client_of(request))
    except AccessRefused as exc:
        raise NotLoggedIn() from exc
    if p is None:
        raise NotLoggedIn()
    return p


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="why the clear text is needed (audited)")


class TriageAction(BaseModel):
    action: str = Field(description="dismiss | watch | case | reopen")
    reason: str | None = Field(default=None, max_length=500, description="with dismiss")
    case: str | None = Field(default=None, max_length=64, description="with case: the case ref")


@router.get("/feed", summary="The inspection feed (filters as query parameters)")
def api_feed(request: Request, principal: Principal = Depends(bearer),
             limit: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    from leaktrace.service.feed import feed

    page = feed(_ctx(request), principal, post_filter(request.query_params), limit=limit,
                offset=page_offset(request.query_params))
    return {"rows": [r.as_dict() for r in page.rows], "counts": page.counts, "more": page.more}


@router.get("/listings/{post_id}", summary="One listing, personal data masked")
def api_listing(request: Request, post_id: int, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.listing_view import listing

    return listing(_ctx(request), principal, post_id).as_dict()


@router.post("/listings/{post_id}/unmask", summary="The clear text of a listing (reason required, audited)")
def api_unmask(request: Request, post_id: int, body: Reason, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.listing_view import unmask

    u = unmask(_ctx(request), principal, post_id, body.reason)
    return {"post_id": u.post_id, "title": u.title, "body": u.body}


@router.post("/listings/{post_id}/triage", summary="Dismiss, watch the seller, add to a case, or reopen")
def api_triage(request: Request, post_id: int, body: TriageAction, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service import triage as tr

    ctx = _ctx(request)
    if body.action == "dismiss":
        tr.dismiss(ctx, principal, post_id, body.reason)
    elif body.action == "watch":
        tr.watch_seller(ctx, principal, post_id)
    elif body.action == "case":
        tr.add_to_case(ctx, principal, post_id, body.case or "")
    elif body.action == "reopen":
        tr.reopen(ctx, principal, post_id)
    else:
        raise InputError(f"field 'action': {body.action[:20]!r} is not dismiss, watch, case or reopen")
    return {"post_id": post_id, "action": body.action}


@router.get("/search", summary="Full text and identifiers (a person's identifier needs `reason`)")
def api_search(request: Request, q: str = Query(..., max_length=500), reason: str | None = Query(None, max_length=500),
               principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.search import search

    return search(_ctx(request), principal, q, post_filter(request.query_params), reason=reason,
                  offset=page_offset(request.query_params)).as_dict()


@router.get("/identifiers/{ident_id}", summary="Every listing, account, case and dump an identifier appears in")
def api_identifier(request: Request, ident_id: int, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.pivot import pivot

    return pivot(_ctx(request), principal, ident_id).as_dict()


@router.get("/cases/{ref}", summary="A case (members and supervisors only)")
def api_case(request: Request, ref: str, principal: Principal = Depends(bearer)) -> dict[str, Any]:
    from leaktrace.service.case_view import case_dict, case_view

    return case_dict(case_view(_ctx(request), principal, ref))
