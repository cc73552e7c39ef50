"""Uploads through the console: the page (/upload) and the REST endpoint (/api/v1/uploads/{kind}).

Both stream the body into `service.uploads.upload` (sealed evidence, the
CLI's importer or dump analysis, audit); neither lets Starlette spool the
file (`web.streaming`). Refusals come before a byte of the body is read
where they can: the role (403 naming the roles needed) and a declared
Content-Length over the limit (413). The page's CSRF token is the form's
first field, checked before the file part is read.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from leaktrace.core.errors import ConfigError, InputError
from leaktrace.pipeline.context import Context
from leaktrace.service.access import Principal, allowed, require
from leaktrace.service.uploads import KINDS, UPLOAD_ACTION, UploadOptions, UploadTooLarge, upload
from leaktrace.web import security
from leaktrace.web.api import bearer
from leaktrace.web.i18n_uploads_partners import extra_words
from leaktrace.web.requests import lang_of, page_principal, render
from leaktrace.web.streaming import MultipartStream, body_chunks

router = APIRouter()
MULTIPART_SLACK = 64 << 10  # form fields and boundaries around the file


def _ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def _limit(request: Request) -> int:
    return int(_ctx(request).settings.console_upload_max_bytes)


def _declared_too_large(request: Request, slack: int) -> UploadTooLarge | None:
    n = request.headers.get("content-length", "")
    limit = _limit(request)
    if n.isdigit() and int(n) > limit + slack:
        return UploadTooLarge(f"upload of {int(n):,} bytes: larger than the console's upload limit of {limit:,} "
                              "bytes (console_upload_max_bytes; import larger files with the CLI)")
    return None


def _page(request: Request, status_code: int = 200, **values: Any) -> Response:
    base: dict[str, Any] = {"kinds": KINDS, "result": None, "error": None, "limit": _limit(request),
                            "form": {}}
    return render(request, "upload.html", status_code=status_code, w=extra_words(lang_of(request)),
                  **{**base, **values})


@router.get("/upload", include_in_schema=False)
def upload_page(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    require(principal, UPLOAD_ACTION)
    return _page(request)


@router.post("/upload", include_in_schema=False)
def upload_post(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    require(principal, UPLOAD_ACTION)  # before the body is read
    too_large = _declared_too_large(request, MULTIPART_SLACK)
    if too_large is not None:
        return _page(request, 413, error=too_large.message)
    ctx = _ctx(request)
    expected = security.csrf_token(ctx, request)
    form: dict[str, str] = {}
    try:
        stream = MultipartStream(request.headers.get("content-type", ""), body_chunks(request))
        for event in stream.events():
            if event[0] == "field":
                form[event[1]] = event[2]
                continue
            _, _name, filename, pieces = event
            sent = form.get(security.CSRF_FIELD, "")
            if not expected or not sent or not hmac.compare_digest(expected, sent):
                raise security.CsrfRefused("missing or wrong CSRF token")
            opts = UploadOptions(source=form.get("source"), legal_basis=form.get("legal_basis") or None,
                                 owner=form.get("owner") or None, site=form.get("site") or None)
            result = upload(ctx, principal, form.get("kind", ""), filename, pieces, opts)
            return _page(request, result=result, form=form)
    except UploadTooLarge as exc:
        return _page(request, 413, error=exc.message, form=form)
    except (InputError, ConfigError) as exc:  # a bad file, field or source: on the form, one line
        return _page(request, 400, error=exc.message, form=form)
    if not expected or not hmac.compare_digest(expected, form.get(security.CSRF_FIELD, "")):
        raise security.CsrfRefused("missing or wrong CSRF token")
    return _page(request, 400, error="no file was sent: choose one", form=form)


@router.post("/api/v1/uploads/{kind}", tags=["console"],
             summary="Upload a WARC, Telegram export or dump (raw body); imported as the CLI imports it",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
def api_upload(request: Request, kind: str, filename: str = Query(..., max_length=500),
               source: str | None = Query(None, max_length=200),
               legal_basis: str | None = Query(None, max_length=500), owner: str | None = Query(None, max_length=200),
               site: str | None = Query(None, max_length=200),
               principal: Principal = Depends(bearer)) -> Response:
    require(principal, UPLOAD_ACTION)  # before the body is read
    too_large = _declared_too_large(request, 0)
    if too_large is not None:
        return JSONResponse({"error": too_large.message, "status": 413}, status_code=413)
    opts = UploadOptions(source=source, legal_basis=legal_basis, owner=owner, site=site)
    try:
        result = upload(_ctx(request), principal, kind, filename, body_chunks(request), opts)
    except UploadTooLarge as exc:
        return JSONResponse({"error": exc.message, "status": 413}, status_code=413)
    return JSONResponse(result.as_dict())


def register(app: Any) -> None:
    """Add the upload page and endpoint to the console (one line in web/app.py)."""
    app.include_router(router)
    app.state.templates.env.globals["allowed"] = allowed  # the nav asks the one table which links to show
