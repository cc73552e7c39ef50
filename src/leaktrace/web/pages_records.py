"""The record pages (dumps, cases, organisations, administration): one router app.py registers, and `show`,
which renders with this family's words (`w`) beside the console's (`t`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from leaktrace.pipeline.context import Context
from leaktrace.web.i18n_records import words
from leaktrace.web.requests import lang_of, render


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def show(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    return render(request, template, status_code=status_code, w=words(lang_of(request)), **values)


def records_router() -> APIRouter:
    from leaktrace.web import pages_admin, pages_cases, pages_dumps

    router = APIRouter(include_in_schema=False)
    for module in (pages_dumps, pages_cases, pages_admin):
        router.include_router(module.router)
    return router
