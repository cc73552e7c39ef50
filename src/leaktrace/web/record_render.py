"""Rendering the record pages (dumps, cases, organisations, administration) with their words (`w`) beside the
console's (`t`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from leaktrace.pipeline.context import Context
from leaktrace.web.i18n_records import words
from leaktrace.web.requests import lang_of, render


def ctx_of(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def show(request: Request, template: str, status_code: int = 200, **values: Any) -> Response:
    return render(request, template, status_code=status_code, w=words(lang_of(request)), **values)
