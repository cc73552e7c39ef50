"""The exposure service: "is my number in a leak?" without the server learning the number.

Protocol (two round trips, JSON over HTTP):

1. ``POST /v1/evaluate {"elements": [b64 r·H(x)]}`` -> ``{"key_id", "elements": [b64 k·r·H(x)]}``.
   The client unblinds and hashes: ``F(k, x)``. The server saw a random group
   element, never ``x`` nor ``H(x)``.
2. ``POST /v1/bucket {"buckets": [b]}`` where ``b`` is the top ``bucket_bits`` of
   ``F``'s first word -> ``{"buckets": {"b": [hex tag, ...]}}``; the client looks
   for its tag (``F``'s second word). The server learns only ``b`` — one of
   2^bucket_bits buckets — and a bucket dump is a list of PRF tags that no one
   can test a guess against without ``k``.

Every request needs a bearer token: an OTP session token (after proving
control of the phone or mailbox, a small evaluation quota) or an
organisation API token (a large quota, for breach-notice checks of its own
customers). Each client is also rate-limited (token bucket), and batch and
body sizes are capped.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from leaktrace.attribution import oprf
from leaktrace.attribution.otp import OtpLocked, OtpVerifier
from leaktrace.core.errors import InputError, IntegrityError

BUCKET_BITS = 16
MAX_BODY = 256 * 1024
CITIZEN_QUOTA = 4
ORG_BATCH = 1000
CITIZEN_BATCH = 2
SESSION_TTL_S = 900
QUOTA_WINDOW_S = 86_400.0
ORG_QUOTA_FLOOR = 10_000  # evaluations per day for an organisation with no registered fingerprint


@dataclass
class ExposureSet:
    """Exposed values as (bucket, tag), sorted by bucket; built by the platform with the key."""

    key_id: str
    buckets: np.ndarray  # uint32, sorted
    tags: np.ndarray  # uint64, same order
    bucket_bits: int = BUCKET_BITS

    @classmethod
    def from_words(cls, key_id: str, u: np.ndarray, tags: np.ndarray, bucket_bits: int = BUCKET_BITS) -> ExposureSet:
        b = (u >> np.uint64(64 - bucket_bits)).astype(np.uint32)
        order = np.lexsort((tags, b))
        return cls(key_id, b[order], tags[order], bucket_bits)

    def bucket(self, b: int) -> np.ndarray:
        """The tags in bucket `b` (0 <= b < 2^bucket_bits)."""
        # query in the array's own dtype: a Python int list would make numpy cast all 10^7 entries
        lo, hi = np.searchsorted(self.buckets, np.array([b, b + 1], dtype=self.buckets.dtype))
        return self.tags[lo:hi]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez(tmp, key_id=np.array(self.key_id), buckets=self.buckets, tags=self.tags,
                 bucket_bits=np.array(self.bucket_bits))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, expect_key_id: str) -> ExposureSet:
        try:
            with np.load(path) as z:
                s = cls(str(z["key_id"]), z["buckets"], z["tags"], int(z["bucket_bits"]))
        except FileNotFoundError as exc:
            raise InputError(f"{path}: no exposure set; build one with 'leaktrace exposure index DUMP'") from exc
        if s.key_id != expect_key_id:
            raise IntegrityError(f"{path}: built under OPRF key {s.key_id}, the server key is {expect_key_id}")
        return s

    def merged(self, other: ExposureSet) -> ExposureSet:
        b = np.concatenate([self.buckets, other.buckets])
        t = np.concatenate([self.tags, other.tags])
        order = np.lexsort((t, b))
        b, t = b[order], t[order]
        keep = np.ones(len(b), bool)
        keep[1:] = (b[1:] != b[:-1]) | (t[1:] != t[:-1])
        return ExposureSet(self.key_id, b[keep], t[keep], self.bucket_bits)


class RateLimiter:
    """Token bucket per client: `rate` requests per second, bursts up to `burst`.

    Memory stays bounded: a client idle long enough for its bucket to refill
    is the same as one never seen, so such entries are dropped in a sweep
    whenever more than `max_clients` are held; if that is not enough (a
    flood of fresh addresses), the least recently seen are dropped too,
    which at worst gives them a fresh burst.
    """

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._state)

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        tokens, last = self._state.pop(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        ok = tokens >= 1
        self._state[client] = (tokens - 1 if ok else tokens, now)  # most recently seen last
        if len(self._state) > self.max_clients:
            self._evict(now)
        return ok

    def _evict(self, now: float) -> None:
        """Drop refilled buckets, then the least recently seen, down to 90% (so sweeps stay rare)."""
        for c, (tokens, last) in list(self._state.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._state[c]
        while len(self._state) > 0.9 * self.max_clients:
            self._state.popitem(last=False)


@dataclass
class _Session:
    quota: int  # evaluations left in this window
    batch: int
    expires: float
    who: str
    limit: int = 0  # evaluations per window (organisations; 0: a one-off citizen quota)
    window_start: float = 0.0
    buckets: int = 0  # bucket lookups left: one per element evaluated, so nobody bulk-downloads the set

    def refill(self, now: float) -> None:
        if self.limit and now - self.window_start >= QUOTA_WINDOW_S:
            self.quota, self.window_start = self.limit, now


def org_quotas(orgs: dict[str, dict[str, Any]], slack: float = 1.2, floor: int = ORG_QUOTA_FLOOR) -> dict[str, int]:
    """Evaluations per day for each registered organisation: its own customer base, with slack.

    An organisation checking its customers for breach notices needs about one
    evaluation per customer and key (ID, mobile, e-mail); its registered
    fingerprint says how many it has. A quota of that size lets it run its
    whole base daily, but not enumerate anybody else's: the mobile space
    alone is ~10^9 values, thousands of days of a 10^5-customer quota.
    """
    out = {}
    for name, e in orgs.items():
        d = e.get("distinct") or {}
        base = max(int(d.get("cn_id", 0)), int(d.get("cn_mobile", 0)))
        out[name] = max(floor, int(3 * base * slack))
    return out


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _token_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: expected a JSON object of token-hash -> organisation") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object of token-hash -> organisation")
    for k, v in doc.items():
        if not (isinstance(v, str) or (isinstance(v, dict) and isinstance(v.get("org"), str))):
            raise InputError(f"{path}: entry {k[:12]}...: expected an organisation name or {{\"org\", \"daily_quota\"}}")
    return doc


def load_org_tokens(path: Path | None) -> dict[str, str]:
    """`{sha256(token) hex: org}` from a JSON file; tokens themselves are never stored."""
    if path is None:
        return {}
    return {str(k): v if isinstance(v, str) else v["org"] for k, v in _token_doc(path).items()}


def load_token_quotas(path: Path | None) -> dict[str, int]:
    """Daily quotas set explicitly when a token was issued (`org token --daily-quota`), per organisation."""
    if path is None:
        return {}
    return {v["org"]: int(v["daily_quota"]) for v in _token_doc(path).values()
            if isinstance(v, dict) and int(v.get("daily_quota") or 0) > 0}


def create_app(key: oprf.ServerKey, exposure: ExposureSet | None, otp: OtpVerifier,
               org_tokens: dict[str, str] | None = None, rate: float = 20.0, burst: int = 40,
               org_quota: int = ORG_QUOTA_FLOOR, quotas: dict[str, int] | None = None) -> Starlette:
    """The HTTP app; `key` stays inside this closure and is never serialised.

    Organisation tokens get `quotas[org]` evaluations per day (see
    `org_quotas`), else `org_quota`; citizens a one-off `CITIZEN_QUOTA`.
    """
    sessions: dict[str, _Session] = {}
    limiter = RateLimiter(rate, burst)
    org_tokens = org_tokens or {}

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ValueError(f"request body over {MAX_BODY} bytes")
        doc = json.loads(raw or b"{}")
        if not isinstance(doc, dict):
            raise ValueError("expected a JSON object")
        return doc

    def client_of(request: Request) -> tuple[str, _Session | None]:
        auth = request.headers.get("authorization", "")
        token = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        if not token:
            return (request.client.host if request.client else "?"), None
        digest = hashlib.sha256(token.encode()).hexdigest()
        if digest in org_tokens:
            org = org_tokens[digest]
            limit = (quotas or {}).get(org, org_quota)
            s = sessions.setdefault(digest, _Session(limit, ORG_BATCH, float("inf"), org, limit, time.monotonic()))
            s.refill(time.monotonic())
            return digest, s
        s = sessions.get(digest)
        if s is None or s.expires < time.monotonic():
            sessions.pop(digest, None)
            return digest, None
        return digest, s

    async def info(request: Request) -> JSONResponse:
        return JSONResponse({"key_id": key.key_id, "public_key": base64.b64encode(key.public).decode(),
                             "bucket_bits": exposure.bucket_bits if exposure else BUCKET_BITS,
                             "suite": "OPRF(ristretto255, SHA-512) RFC 9497 mode 0"})

    async def otp_start(request: Request) -> JSONResponse:
        client = request.client.host if request.client else "?"
        if not limiter.allow("otp:" + client):
            return _error(429, "too many requests")
        try:
            doc = await body(request)
            channel, address = str(doc.get("channel", "sms")), str(doc["address"])
        except (ValueError, KeyError):
            return _error(400, "expected {\"channel\": \"sms\"|\"email\", \"address\": ...}")
        if channel not in ("sms", "email") or not 3 <= len(address) <= 254:
            return _error(400, "bad channel or address")
        try:
            return JSONResponse({"challenge": otp.start(channel, address, client)})
        except OtpLocked:
            return _error(429, "too many wrong codes for this address or client; try again later")

    async def otp_verify(request: Request) -> JSONResponse:
        client = request.client.host if request.client else "?"
        if not limiter.allow("otp:" + client):
            return _error(429, "too many requests")
        try:
            doc = await body(request)
            ok = otp.verify(str(doc["challenge"]), str(doc["code"]))
        except (ValueError, KeyError):
            return _error(400, "expected {\"challenge\", \"code\"}")
        if not ok:
            return _error(403, "wrong or expired code")
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        for stale in [k for k, v in sessions.items() if v.expires < now]:
            del sessions[stale]
        sessions[hashlib.sha256(token.encode()).hexdigest()] = _Session(
            CITIZEN_QUOTA, CITIZEN_BATCH, time.monotonic() + SESSION_TTL_S, "citizen")
        return JSONResponse({"token": token, "quota": CITIZEN_QUOTA, "expires_in": SESSION_TTL_S})

    async def evaluate(request: Request) -> JSONResponse:
        client, session = client_of(request)
        if not limiter.allow(client):
            return _error(429, "too many requests")
        if session is None:
            return _error(401, "prove control of the value first (/v1/otp/start) or use an organisation token")
        try:
            doc = await body(request)
            elements = [base64.b64decode(e, validate=True) for e in doc["elements"]]
        except (ValueError, KeyError, TypeError, binascii.Error):
            return _error(400, "expected {\"elements\": [base64 ristretto255 elements]}")
        if not elements or len(elements) > session.batch:
            return _error(400, f"between 1 and {session.batch} elements per request")
        if len(elements) > session.quota:
            return _error(429 if session.limit else 403,
                          "daily evaluation quota used up" if session.limit else "evaluation quota used up")
        try:
            out = key.blind_evaluate(elements)
        except ValueError:
            return _error(400, "an element is not a valid ristretto255 point")
        session.quota -= len(elements)
        session.buckets += len(elements)
        return JSONResponse({"key_id": key.key_id, "elements": [base64.b64encode(e).decode() for e in out]})

    async def bucket(request: Request) -> JSONResponse:
        client, session = client_of(request)
        if not limiter.allow(client):
            return _error(429, "too many requests")
        if session is None:
            return _error(401, "a session or organisation token is required")
        if exposure is None:
            return _error(503, "no exposure set loaded")
        try:
            doc = await body(request)
            buckets = [int(b) for b in doc["buckets"]]
        except (ValueError, KeyError, TypeError):
            return _error(400, "expected {\"buckets\": [int, ...]}")
        if not buckets or len(buckets) > session.batch or any(not 0 <= b < 2**exposure.bucket_bits for b in buckets):
            return _error(400, "bucket ids out of range or too many")
        if len(buckets) > session.buckets:
            return _error(403, "one bucket lookup per value evaluated: evaluate first")
        session.buckets -= len(buckets)
        return JSONResponse({"key_id": key.key_id,
                             "buckets": {str(b): [f"{int(t):016x}" for t in exposure.bucket(b)] for b in buckets}})

    routes = [
        Route("/v1/info", info, methods=["GET"]),
        Route("/v1/otp/start", otp_start, methods=["POST"]),
        Route("/v1/otp/verify", otp_verify, methods=["POST"]),
        Route("/v1/evaluate", evaluate, methods=["POST"]),
        Route("/v1/bucket", bucket, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def index_file(path: str | Path, key: oprf.ServerKey, bucket_bits: int = BUCKET_BITS) -> tuple[ExposureSet, int]:
    """The exposure set of every distinct ID, mobile and e-mail in a dump (platform side)."""
    from leaktrace.attribution.keys import distinct, infer_roles, row_keys
    from leaktrace.attribution.table import open_rows

    stream = open_rows(path, strict=False)
    roles = infer_roles(stream)
    rows = stream.sample(None)
    per_row = row_keys(rows, roles)
    us, ts = [], []
    for kind in ("cn_id", "cn_mobile", "email"):
        for v in distinct(per_row.get(kind, [])):
            u, t = oprf.split_output(key.evaluate(oprf.oprf_input(kind, v)))
            us.append(u)
            ts.append(t)
    if not us:
        raise InputError(f"{path}: no ID, mobile or e-mail values to index")
    return ExposureSet.from_words(key.key_id, np.array(us, np.uint64), np.array(ts, np.uint64), bucket_bits), len(us)
