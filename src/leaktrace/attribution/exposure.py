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
organisation API token (a daily allowance per organisation, whatever the
number of its tokens, charged in the shared usage ledger so a restart does
not refill it, for breach-notice checks of its own customers).

The service holds two OPRF keys (see oprf.py): the exposure key, which the
exposure set is built under, and, optionally, the fingerprint key, which an
organisation asks for with ``"purpose": "fingerprint"`` to build its
fingerprint online. Fingerprint evaluations grant no bucket lookups and
cannot be tested against the exposure set. Each client is also rate-limited (token bucket), and batch and
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

from leaktrace.attribution import oprf, sodium
from leaktrace.attribution.fingerprint import MIN_RATE
from leaktrace.attribution.otp import OtpLocked, OtpVerifier
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.errors import InputError, IntegrityError

BUCKET_BITS = 16
MAX_BODY = 256 * 1024
CITIZEN_QUOTA = 4
ORG_BATCH = 1000
CITIZEN_BATCH = 2
SESSION_TTL_S = 900
ORG_QUOTA_FLOOR = 10_000  # evaluations per day for an organisation with no registered fingerprint
ORG_QUOTA_MAX = 10_000_000  # the most a fingerprint can earn; above it only `org token --daily-quota`


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
    quota: int  # citizens: evaluations left (organisations are charged in the usage ledger)
    batch: int
    expires: float
    who: str  # the organisation name, or "citizen"
    limit: int = 0  # evaluations per UTC day (organisations; 0: a one-off citizen quota)
    buckets: int = 0  # bucket lookups left: one per exposure evaluation, so nobody bulk-downloads the set


def org_quotas(orgs: dict[str, dict[str, Any]], slack: float = 1.2, floor: int = ORG_QUOTA_FLOOR,
               cap: int = ORG_QUOTA_MAX) -> dict[str, int]:
    """Evaluations per day for each registered organisation: its own customer base, with slack.

    An organisation checking its customers for breach notices needs about one
    evaluation per customer and key (ID, mobile, e-mail); its registered
    fingerprint says how many it has. A quota of that size lets it run its
    whole base daily, but not enumerate anybody else's: the mobile space
    alone is ~10^9 values, thousands of days of a 10^5-customer quota.

    The `distinct` counts are the organisation's own claim (it signs the
    file), checked only against its sampled tags; fingerprints sampled below
    1/64 are refused at registration so the claim cannot be inflated cheaply,
    and the result is capped at `cap` anyway: a larger allowance takes an
    operator's explicit `org token --daily-quota`.
    """
    out = {}
    for name, e in orgs.items():
        d = e.get("distinct") or {}
        if float(e.get("sampling_rate") or 1.0) < MIN_RATE:
            d = {}  # registered before rates under 1/64 were refused: its sizes prove nothing
        base = max(int(d.get("cn_id", 0)), int(d.get("cn_mobile", 0)))
        out[name] = min(cap, max(floor, int(3 * base * slack)))
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
               org_quota: int = ORG_QUOTA_FLOOR, quotas: dict[str, int] | None = None,
               fingerprint_key: oprf.ServerKey | None = None, ledger: UsageLedger | None = None) -> Starlette:
    """The HTTP app; the keys stay inside this closure and are never serialised.

    `key` is the exposure key (the one `exposure` was built under);
    `fingerprint_key`, if given, serves organisations' fingerprint requests.
    Each organisation gets `quotas[org]` evaluations per UTC day (see
    `org_quotas`), else `org_quota`, charged in `ledger` across all its
    tokens and both purposes; citizens a one-off `CITIZEN_QUOTA`.
    """
    if fingerprint_key is not None and fingerprint_key.key_id == key.key_id:
        raise ValueError("the fingerprint and exposure OPRF keys must differ (domain separation)")
    sessions: dict[str, _Session] = {}
    limiter = RateLimiter(rate, burst)
    org_tokens = org_tokens or {}
    usage = ledger or UsageLedger(None)

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
            # one session per organisation, however many tokens it holds; the allowance is in the ledger
            s = sessions.setdefault("org:" + org, _Session(limit, ORG_BATCH, float("inf"), org, limit))
            return "org:" + org, s
        s = sessions.get(digest)
        if s is None or s.expires < time.monotonic():
            sessions.pop(digest, None)
            return digest, None
        return digest, s

    async def info(request: Request) -> JSONResponse:
        fp = ({"fingerprint_key_id": fingerprint_key.key_id,
               "fingerprint_public_key": base64.b64encode(fingerprint_key.public).decode()}
              if fingerprint_key else {})
        return JSONResponse({"key_id": key.key_id, "public_key": base64.b64encode(key.public).decode(), **fp,
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
            purpose = str(doc.get("purpose", oprf.EXPOSURE))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return _error(400, "expected {\"elements\": [base64 ristretto255 elements]}")
        if purpose not in (oprf.EXPOSURE, oprf.FINGERPRINT):
            return _error(400, "purpose: expected \"exposure\" or \"fingerprint\"")
        use = key
        if purpose == oprf.FINGERPRINT:
            if not session.limit:
                return _error(403, "fingerprint evaluations need an organisation token")
            if fingerprint_key is None:
                return _error(503, "this server does not evaluate fingerprints")
            use = fingerprint_key
        if not elements or len(elements) > session.batch:
            return _error(400, f"between 1 and {session.batch} elements per request")
        if not all(sodium.is_valid_point(e) for e in elements):
            return _error(400, "an element is not a valid ristretto255 point")
        if session.limit:
            if not usage.charge(session.who, len(elements), session.limit, "online-" + purpose):
                return _error(429, "daily evaluation quota used up")
        elif len(elements) > session.quota:
            return _error(403, "evaluation quota used up")
        else:
            session.quota -= len(elements)
        out = use.blind_evaluate(elements)
        if purpose == oprf.EXPOSURE:
            session.buckets += len(elements)
        return JSONResponse({"key_id": use.key_id, "elements": [base64.b64encode(e).decode() for e in out]})

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
