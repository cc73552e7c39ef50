"""The exposure service over HTTP: each route reads its request into plain values and calls the service.

The wire format (routes, JSON bodies, base64 elements, hex tags, error
statuses) is described in exposure.py; what is allowed, charged and
rate-limited is decided by `ExposureService` alone. Here a request becomes
the client address, the bearer token and the decoded fields (None where a
field is missing or unreadable), and an `ExposureError` becomes
``{"error": message}`` with its status.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from leaktrace.attribution import oprf
from leaktrace.attribution.exposure import MAX_BODY, ORG_QUOTA_FLOOR, ExposureSet
from leaktrace.attribution.exposure_service import (
    ExposureError,
    ExposureService,
    OrgLookup,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from leaktrace.attribution.otp import OtpVerifier
from leaktrace.attribution.usage import UsageLedger

Handler = Callable[[Request], Awaitable[JSONResponse]]


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"


def _token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    return auth[7:].strip() if auth.lower().startswith("bearer ") else ""


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object a request carries (`{}` when empty); ValueError when it is not one.

    A body announced (Content-Length) or found while reading to be over
    MAX_BODY bytes is a 413 at once: nothing past the cap is read, and with
    a Content-Length nothing at all. JSON nested too deeply for the parser
    is a ValueError like any other unreadable body, never a 500.
    """
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise PayloadTooLarge(f"request body over {MAX_BODY} bytes (256 KiB)")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise PayloadTooLarge(f"request body over {MAX_BODY} bytes (256 KiB)")
    try:
        doc = json.loads(bytes(raw) or b"{}")
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(doc, dict):
        raise ValueError("expected a JSON object")
    return doc


def _require_json(request: Request) -> None:
    """OTP requests must say they are JSON: a cross-site HTML form cannot, so no page can send codes for a visitor."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise UnsupportedMediaType("expected Content-Type: application/json")


def _str(doc: dict[str, Any], field: str, default: str | None = None) -> str | None:
    """A string field, or None when it is missing (without a default) or not a string."""
    v = doc.get(field, default)
    return v if isinstance(v, str) else None


def _elements(doc: dict[str, Any]) -> list[bytes] | None:
    items = doc.get("elements")
    if not isinstance(items, list) or not all(isinstance(e, str) for e in items):
        return None
    try:
        return [base64.b64decode(e, validate=True) for e in items]
    except (ValueError, binascii.Error):
        return None


def _buckets(doc: dict[str, Any]) -> list[int] | None:
    """Bucket ids: JSON integers only (no floats, Infinity, NaN, booleans or strings)."""
    items = doc.get("buckets")
    if not isinstance(items, list) or not all(type(b) is int for b in items):
        return None
    return items


def _guarded(op: Handler) -> Handler:
    async def handler(request: Request) -> JSONResponse:
        try:
            return await op(request)
        except ExposureError as exc:
            return JSONResponse({"error": exc.message}, status_code=exc.status)
    return handler


def routes(service: ExposureService) -> list[Route]:
    """The five routes of the exposure protocol over `service`.

    Fields are decoded before the service is called, but a field that cannot
    be read is handed on as None and refused by the service only after its
    rate limit and session checks: the order of answers stays 429, 401, 400.
    Only a body over the cap (413, refused from its Content-Length before a
    byte is read) and, on the OTP routes, a body not sent as JSON (415) are
    answered before that.
    """

    async def info(request: Request) -> JSONResponse:
        i = service.info()
        fp = ({"fingerprint_key_id": i.fingerprint_key_id,
               "fingerprint_public_key": base64.b64encode(i.fingerprint_public_key).decode()}
              if i.fingerprint_key_id is not None and i.fingerprint_public_key is not None else {})
        return JSONResponse({"key_id": i.key_id, "public_key": base64.b64encode(i.public_key).decode(), **fp,
                             "bucket_bits": i.bucket_bits, "suite": i.suite})

    async def otp_start(request: Request) -> JSONResponse:
        _require_json(request)
        channel: str | None = None
        address: str | None = None
        try:
            doc = await _body(request)
            channel, address = _str(doc, "channel", "sms"), _str(doc, "address")
        except ValueError:
            pass
        return JSONResponse({"challenge": service.otp_start(_client(request), channel, address)})

    async def otp_verify(request: Request) -> JSONResponse:
        _require_json(request)
        challenge: str | None = None
        code: str | None = None
        try:
            doc = await _body(request)
            challenge, code = _str(doc, "challenge"), _str(doc, "code")
        except ValueError:
            pass
        s = service.otp_verify(_client(request), challenge, code)
        return JSONResponse({"token": s.token, "quota": s.quota, "expires_in": s.expires_in})

    async def evaluate(request: Request) -> JSONResponse:
        elements: list[bytes] | None = None
        purpose: str | None = None
        try:
            doc = await _body(request)
            elements, purpose = _elements(doc), _str(doc, "purpose", oprf.EXPOSURE)
        except ValueError:
            pass
        out = service.evaluate(_client(request), _token(request), elements, purpose)
        return JSONResponse({"key_id": out.key_id, "elements": [base64.b64encode(e).decode() for e in out.elements]})

    async def bucket(request: Request) -> JSONResponse:
        buckets: list[int] | None = None
        with contextlib.suppress(ValueError):
            buckets = _buckets(await _body(request))
        out = service.bucket(_client(request), _token(request), buckets)
        return JSONResponse({"key_id": out.key_id,
                             "buckets": {str(b): [f"{int(t):016x}" for t in tags] for b, tags in out.buckets.items()}})

    return [
        Route("/v1/info", _guarded(info), methods=["GET"]),
        Route("/v1/otp/start", _guarded(otp_start), methods=["POST"]),
        Route("/v1/otp/verify", _guarded(otp_verify), methods=["POST"]),
        Route("/v1/evaluate", _guarded(evaluate), methods=["POST"]),
        Route("/v1/bucket", _guarded(bucket), methods=["POST"]),
    ]


def create_app(key: oprf.ServerKey, exposure: ExposureSet | None, otp: OtpVerifier,
               org_tokens: OrgLookup | None = None, rate: float = 20.0, burst: int = 40,
               org_quota: int = ORG_QUOTA_FLOOR, quotas: dict[str, int] | None = None,
               fingerprint_key: oprf.ServerKey | None = None, ledger: UsageLedger | None = None) -> Starlette:
    """The HTTP app over a new `ExposureService` (same arguments); the keys stay in the service."""
    service = ExposureService(key, exposure, otp, org_tokens, rate=rate, burst=burst, org_quota=org_quota,
                              quotas=quotas, fingerprint_key=fingerprint_key, ledger=ledger)
    return app_for(service)


def app_for(service: ExposureService) -> Starlette:
    """The Starlette app over an existing service (the console mounts the same routes)."""
    app = Starlette(routes=routes(service))
    app.state.exposure = service
    return app
