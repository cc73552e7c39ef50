"""The exposure service's operations, with no HTTP in them (the protocol is in exposure.py).

`ExposureService` holds the keys, the exposure set, the OTP verifier, the
sessions, the quotas, the usage ledger and the rate limiter. Its methods are
the five operations — `info`, `otp_start`, `otp_verify`, `evaluate`,
`bucket` — over plain Python values: who is asking (the client address and
the bearer token, if any) and what they sent, already decoded. They return
plain results and refuse with an `ExposureError` that carries the HTTP-style
status and the message. exposure_http.py maps requests onto them; the
console can call the same methods.

A value the caller's request did not carry in readable form is passed as
None: the service answers it with the same 400 as before, at the same point
(after the rate limit and the session check), so a malformed request from an
unknown client is still a 401 and an over-eager client still a 429.
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from leaktrace.attribution import oprf, sodium
from leaktrace.attribution.exposure import (
    BUCKET_BITS,
    CITIZEN_BATCH,
    CITIZEN_QUOTA,
    ORG_BATCH,
    ORG_QUOTA_FLOOR,
    SESSION_TTL_S,
    ExposureSet,
)
from leaktrace.attribution.otp import OtpRefused, OtpVerifier
from leaktrace.attribution.usage import UsageLedger
from leaktrace.core.normalize import normalize

SUITE = "OPRF(ristretto255, SHA-512) RFC 9497 mode 0"
IDENTITY = bytes(32)  # the ristretto255 identity: a "valid point" whose multiple is refused
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_EMAIL = re.compile(r"[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f.]+(\.[^@\s\x00-\x1f.]+)+")


def valid_address(channel: str, address: str) -> bool:
    """Whether `address` is something a code can be sent to: a mainland mobile (sms) or an e-mail address."""
    if not 3 <= len(address) <= 254:
        return False
    if channel == "sms":
        return bool(_MOBILE.fullmatch(normalize("cn_mobile", address)))
    return bool(_EMAIL.fullmatch(normalize("email", address)))


class ExposureError(Exception):
    """A refused operation: `status` is the HTTP status the web face answers with, `message` its text."""

    status: int = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.status}: {self.message}"


class BadRequest(ExposureError):
    status = 400


class Unauthorized(ExposureError):
    status = 401


class Forbidden(ExposureError):
    status = 403


class PayloadTooLarge(ExposureError):
    status = 413


class UnsupportedMediaType(ExposureError):
    status = 415


class TooManyRequests(ExposureError):
    status = 429


class Unavailable(ExposureError):
    status = 503


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
class Session:
    """One caller's allowance: a citizen's OTP session, or an organisation's (one for all its tokens)."""

    quota: int  # citizens: evaluations left (organisations are charged in the usage ledger)
    batch: int
    expires: float
    who: str  # the organisation name, or "citizen"
    limit: int = 0  # evaluations per UTC day (organisations; 0: a one-off citizen quota)
    buckets: int = 0  # bucket lookups left: one per exposure evaluation, so nobody bulk-downloads the set
    fetched: set[int] = field(default_factory=set)  # distinct buckets served to this session (see bucket_cap)


@dataclass(frozen=True)
class ServerInfo:
    key_id: str
    public_key: bytes
    bucket_bits: int
    fingerprint_key_id: str | None = None
    fingerprint_public_key: bytes | None = None
    suite: str = SUITE


@dataclass(frozen=True)
class OtpSession:
    """What a correct one-time code buys: a bearer token, its evaluation quota and lifetime."""

    token: str
    quota: int
    expires_in: int


@dataclass(frozen=True)
class Evaluation:
    key_id: str
    elements: list[bytes]


@dataclass(frozen=True)
class BucketTags:
    key_id: str
    buckets: dict[int, np.ndarray]  # bucket id -> its PRF tags (uint64), in the order asked


# Which organisation a bearer token acts for: (token, client address) -> organisation id, or None.
# The entry point wires the console's token store (`leaktrace.service.partners.exposure_lookup`):
# one store of tokens, revocable there, not a second list here.
OrgLookup = Callable[[str, str], str | None]


def token_digest(token: str) -> str:
    """How a bearer token is known to the service: its SHA-256, hex (tokens themselves are never kept)."""
    return hashlib.sha256(token.encode()).hexdigest()


class ExposureService:
    """The exposure check's operations (see the module docstring); the keys never leave it.

    `key` is the exposure key (the one `exposure` was built under);
    `fingerprint_key`, if given, serves organisations' fingerprint requests.
    Each organisation gets `quotas[org]` evaluations per UTC day (see
    `exposure.org_quotas`), else `org_quota`, charged in `ledger` across all
    its tokens and both purposes; citizens a one-off `CITIZEN_QUOTA`.
    `org_tokens` answers which organisation a bearer token acts for (see
    `OrgLookup`), asked on every request, so a revoked token stops at once.
    """

    def __init__(self, key: oprf.ServerKey, exposure: ExposureSet | None, otp: OtpVerifier,
                 org_tokens: OrgLookup | None = None, rate: float = 20.0, burst: int = 40,
                 org_quota: int = ORG_QUOTA_FLOOR, quotas: dict[str, int] | None = None,
                 fingerprint_key: oprf.ServerKey | None = None, ledger: UsageLedger | None = None) -> None:
        if fingerprint_key is not None and fingerprint_key.key_id == key.key_id:
            raise ValueError("the fingerprint and exposure OPRF keys must differ (domain separation)")
        self._key = key
        self._fingerprint_key = fingerprint_key
        self.exposure = exposure
        self._otp = otp
        self._org_of = org_tokens
        self._org_quota = org_quota
        self._quotas = quotas or {}
        self._usage = ledger or UsageLedger(None)
        self.limiter = RateLimiter(rate, burst)
        self._sessions: dict[str, Session] = {}

    # -- who is asking ---------------------------------------------------------------

    def _session(self, token: str | None, client: str) -> Session | None:
        """The session a bearer token opens (an organisation's, or a citizen's OTP session), if any."""
        if not token:
            return None
        digest = token_digest(token)
        org = self._org_of(token, client) if self._org_of is not None and digest not in self._sessions else None
        if org is not None:
            limit = self._quotas.get(org, self._org_quota)
            # one session per organisation, however many tokens it holds; the allowance is in the ledger
            return self._sessions.setdefault("org:" + org, Session(limit, ORG_BATCH, float("inf"), org, limit))
        s = self._sessions.get(digest)
        if s is None or s.expires < time.monotonic():
            self._sessions.pop(digest, None)
            return None
        return s

    def _admit(self, client: str) -> None:
        """The rate limit, by client address and before any token is looked at.

        Counting by token would let a client dodge it with a fresh made-up
        token per request (each a new bucket, and a new entry in the table).
        """
        if not self.limiter.allow(client):
            raise TooManyRequests("too many requests")

    # -- the operations --------------------------------------------------------------

    def info(self) -> ServerInfo:
        """The public keys and bucket size a client needs; free, not rate-limited."""
        fp = self._fingerprint_key
        return ServerInfo(self._key.key_id, self._key.public,
                          self.exposure.bucket_bits if self.exposure else BUCKET_BITS,
                          fp.key_id if fp else None, fp.public if fp else None)

    def otp_start(self, client: str, channel: str | None, address: str | None) -> str:
        """Send a one-time code to `address` over `channel` ("sms" or "email"); returns the challenge."""
        self._admit(client)
        if channel is None or address is None:
            raise BadRequest("expected {\"channel\": \"sms\"|\"email\", \"address\": \"...\"} (strings)")
        if channel not in ("sms", "email"):
            raise BadRequest("bad channel: expected \"sms\" or \"email\"")
        if not valid_address(channel, address):
            raise BadRequest("bad address: expected a mainland mobile number" if channel == "sms"
                             else "bad address: expected an e-mail address")
        try:
            return self._otp.start(channel, address, client)
        except OtpRefused as exc:  # locked after wrong codes, or too many codes sent
            raise TooManyRequests(str(exc)) from None

    def otp_verify(self, client: str, challenge: str | None, code: str | None) -> OtpSession:
        """A correct code opens a citizen session with a small one-off quota."""
        self._admit(client)
        if challenge is None or code is None:
            raise BadRequest("expected {\"challenge\", \"code\"}")
        if not self._otp.verify(challenge, code):
            raise Forbidden("wrong or expired code")
        token = secrets.token_urlsafe(24)
        now = time.monotonic()
        for stale in [k for k, v in self._sessions.items() if v.expires < now]:
            del self._sessions[stale]
        self._sessions[token_digest(token)] = Session(
            CITIZEN_QUOTA, CITIZEN_BATCH, time.monotonic() + SESSION_TTL_S, "citizen")
        return OtpSession(token, CITIZEN_QUOTA, SESSION_TTL_S)

    def evaluate(self, client: str, token: str | None, elements: Sequence[bytes] | None,
                 purpose: str | None = oprf.EXPOSURE) -> Evaluation:
        """k·E for each blinded element E, under the exposure key (or the fingerprint key), charged to the caller."""
        self._admit(client)
        session = self._session(token, client)
        if session is None:
            raise Unauthorized("prove control of the value first (/v1/otp/start) or use an organisation token")
        if elements is None:
            raise BadRequest("elements: expected {\"elements\": [base64 ristretto255 elements]}")
        if purpose not in (oprf.EXPOSURE, oprf.FINGERPRINT):
            raise BadRequest("purpose: expected \"exposure\" or \"fingerprint\"")
        use = self._key
        if purpose == oprf.FINGERPRINT:
            if not session.limit:
                raise Forbidden("fingerprint evaluations need an organisation token")
            if self._fingerprint_key is None:
                raise Unavailable("this server does not evaluate fingerprints")
            use = self._fingerprint_key
        if not elements or len(elements) > session.batch:
            raise BadRequest(f"between 1 and {session.batch} elements per request")
        for i, e in enumerate(elements, 1):
            if e == IDENTITY or not sodium.is_valid_point(e):  # the identity would fail in the evaluation
                raise BadRequest(f"elements: element {i} is not a valid ristretto255 point (nothing charged)")
        if session.limit:
            if not self._usage.charge(session.who, len(elements), session.limit, "online-" + purpose):
                raise TooManyRequests("daily evaluation quota used up")
        elif len(elements) > session.quota:
            raise Forbidden("evaluation quota used up")
        else:
            session.quota -= len(elements)
        out = use.blind_evaluate(list(elements))
        if purpose == oprf.EXPOSURE:
            session.buckets += len(elements)
        return Evaluation(use.key_id, out)

    @staticmethod
    def bucket_cap(allowance: int, bucket_bits: int) -> int:
        """The most distinct buckets a session with `allowance` evaluations (a day's, for an organisation) may fetch.

        It is the number of buckets one allowance's worth of values falls in
        on average, ``n (1 - e^(-allowance/n))`` for ``n`` buckets, plus four
        standard deviations of that count (occupancy of ``n`` bins by
        ``allowance`` balls), rounded up: an honest allowance falls in more
        buckets than the average about half the time, and was refused then.
        An organisation checking its own customers again tomorrow asks for
        the same buckets and is served, while one that buys evaluations day
        after day cannot add up to the whole tag set. At the 10,000 floor
        that is 14% of 65,536 buckets (the slack adds under 0.5%); at
        100,000, 78%; above ~300,000 (an allowance for ~85,000 customers) it
        is all of them.
        """
        n = 2**bucket_bits
        m = allowance
        mean = -n * math.expm1(-m / n)
        # Var of the number of occupied bins: n(n-1)(1-2/n)^m + n(1-1/n)^m - n^2 (1-1/n)^(2m).
        var = n * (n - 1) * math.exp(m * math.log1p(-2 / n)) if n > 2 else 0.0
        var += n * math.exp(m * math.log1p(-1 / n)) - n * n * math.exp(2 * m * math.log1p(-1 / n))
        return min(n, max(1, math.ceil(mean + 4 * math.sqrt(max(var, 0.0)))))

    def bucket(self, client: str, token: str | None, buckets: Sequence[int] | None) -> BucketTags:
        """The PRF tags in each asked bucket: one bucket per exposure evaluation made, within `bucket_cap`."""
        self._admit(client)
        session = self._session(token, client)
        if session is None:
            raise Unauthorized("a session or organisation token is required")
        if self.exposure is None:
            raise Unavailable("no exposure set loaded")
        if buckets is None:
            raise BadRequest("buckets: expected {\"buckets\": [integer bucket ids]}")
        exposure = self.exposure
        if not buckets or len(buckets) > session.batch or any(not 0 <= b < 2**exposure.bucket_bits for b in buckets):
            raise BadRequest("buckets: bucket ids out of range or too many")
        if len(buckets) > session.buckets:
            raise Forbidden("one bucket lookup per value evaluated: evaluate first")
        new = set(buckets) - session.fetched
        cap = self.bucket_cap(session.limit or CITIZEN_QUOTA, exposure.bucket_bits)
        if len(session.fetched) + len(new) > cap:
            raise Forbidden(f"this allowance may fetch at most {cap} distinct buckets "
                            f"of {2**exposure.bucket_bits}; {len(session.fetched)} fetched already")
        session.buckets -= len(buckets)
        session.fetched |= new
        return BucketTags(self._key.key_id, {b: exposure.bucket(b) for b in buckets})
