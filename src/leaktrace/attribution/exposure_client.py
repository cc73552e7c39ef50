"""Client of the exposure service: blind locally, ask the server, unblind, look in the bucket.

`HttpEvaluator` is also what `leaktrace org fingerprint` uses (with
``purpose="fingerprint"``: the server's fingerprint key, not the exposure
key), so an organisation obtains its fingerprint values without ever holding
a key.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

import httpx

from leaktrace.attribution import oprf
from leaktrace.core.errors import InputError, LeaktraceError
from leaktrace.core.normalize import normalize


class ServiceError(LeaktraceError):
    """The exposure/OPRF service refused or failed a request."""

    exit_code = 5


class HttpEvaluator:
    """A BlindEvaluator that talks to a remote server."""

    def __init__(self, base_url: str, token: str | None = None, client: httpx.Client | None = None,
                 timeout: float = 30.0, purpose: str = oprf.EXPOSURE) -> None:
        if purpose not in (oprf.EXPOSURE, oprf.FINGERPRINT):
            raise ValueError(f"purpose: expected {oprf.EXPOSURE!r} or {oprf.FINGERPRINT!r}, got {purpose!r}")
        self.purpose = purpose
        self.base = base_url.rstrip("/")
        self.http = client or httpx.Client(timeout=timeout)
        self.headers = {"authorization": f"Bearer {token}"} if token else {}
        self._info: dict[str, Any] | None = None

    def _post(self, path: str, doc: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self.http.post(self.base + path, json=doc, headers=self.headers)
        except httpx.HTTPError as exc:
            raise ServiceError(f"{self.base}{path}: {exc}") from exc
        if r.status_code != 200:
            try:
                msg = r.json().get("error", r.text[:200])
            except ValueError:
                msg = r.text[:200]
            raise ServiceError(f"{self.base}{path}: HTTP {r.status_code}: {msg}")
        return r.json()

    @property
    def info(self) -> dict[str, Any]:
        if self._info is None:
            try:
                self._info = self.http.get(self.base + "/v1/info").json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ServiceError(f"{self.base}/v1/info: {exc}") from exc
        return self._info

    @property
    def key_id(self) -> str:
        """The id of the server key this evaluator's purpose uses."""
        field = "key_id" if self.purpose == oprf.EXPOSURE else "fingerprint_key_id"
        if field not in self.info:
            raise ServiceError(f"{self.base}: the server does not offer {self.purpose} evaluations")
        return str(self.info[field])

    def blind_evaluate(self, elements: Sequence[bytes]) -> list[bytes]:
        doc = self._post("/v1/evaluate", {"elements": [base64.b64encode(e).decode() for e in elements],
                                          "purpose": self.purpose})
        if doc.get("key_id") != self.key_id:
            raise ServiceError("the server changed its OPRF key during the session")
        return [base64.b64decode(e) for e in doc["elements"]]

    def login(self, channel: str, address: str, code_for: Any) -> str:
        """OTP flow: start a challenge, get the code from `code_for(challenge)`, keep the session token."""
        challenge = self._post("/v1/otp/start", {"channel": channel, "address": address})["challenge"]
        token = self._post("/v1/otp/verify", {"challenge": challenge, "code": code_for(challenge)})["token"]
        self.headers = {"authorization": f"Bearer {token}"}
        return token

    def check_many(self, kind: str, normalised: Sequence[str], batch: int = 1000) -> list[bool]:
        """Whether each normalised value of `kind` is exposed: blinded in batches, one bucket lookup per value.

        The organisation's bulk path (breach notices): the server sees only
        random group elements and bucket numbers, `batch` per request. The
        values are sent in a secret random order and each request's bucket
        ids sorted, so neither a value's place in the (often sorted) input
        nor its place in a request tells the server anything.
        """
        if kind not in ("cn_id", "cn_mobile", "email"):
            raise InputError(f"kind: expected cn_id, cn_mobile or email, got {kind!r}")
        if self.purpose != oprf.EXPOSURE:
            raise InputError("exposure checks need an evaluator for the exposure key")
        bits = int(self.info.get("bucket_bits", 16))
        order = list(range(len(normalised)))
        secrets.SystemRandom().shuffle(order)
        out = [False] * len(normalised)
        for i in range(0, len(order), batch):
            idx = order[i:i + batch]
            outs = oprf.oblivious_outputs(self, [oprf.oprf_input(kind, normalised[j]) for j in idx], batch)
            words = [oprf.split_output(o) for o in outs]
            buckets = [u >> (64 - bits) for u, _ in words]
            doc = self._post("/v1/bucket", {"buckets": sorted(buckets)})  # one per value (repeats allowed)
            found = {b: set(doc["buckets"].get(str(b), [])) for b in set(buckets)}
            for j, (_, t), b in zip(idx, words, buckets, strict=True):
                out[j] = f"{t:016x}" in found[b]
        return out

    def check(self, kind: str, value: str) -> bool:
        """Whether `value` of `kind` (cn_id, cn_mobile, email) is in the exposure set."""
        if kind not in ("cn_id", "cn_mobile", "email"):
            raise InputError(f"--kind: expected cn_id, cn_mobile or email, got {kind!r}")
        if self.purpose != oprf.EXPOSURE:
            raise InputError("exposure checks need an evaluator for the exposure key")
        norm = normalize(kind, value)
        if not norm:
            raise InputError("the value is empty after normalisation")
        b = oprf.blind(oprf.oprf_input(kind, norm))
        out = oprf.finalize(b, self.blind_evaluate([b.element])[0])
        u, tag = oprf.split_output(out)
        bits = int(self.info.get("bucket_bits", 16))
        bucket = u >> (64 - bits)
        doc = self._post("/v1/bucket", {"buckets": [bucket]})
        return f"{tag:016x}" in set(doc["buckets"].get(str(bucket), []))
