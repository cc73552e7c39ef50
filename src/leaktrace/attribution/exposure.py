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

Where things are: this module holds the protocol's constants, the exposure
set, the organisations' quotas and tokens, and `index_file`;
exposure_service.py the operations (`ExposureService`: sessions, quotas,
ledger, rate limit); exposure_http.py the routes and `create_app`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from leaktrace.attribution import oprf
from leaktrace.attribution.exposure_build import ExposureBuilder, merge_sorted
from leaktrace.attribution.fingerprint import MIN_RATE
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
        """The union with `other` (same key and buckets), each (bucket, tag) once (`exposure_build.merge_sorted`)."""
        if self.key_id != other.key_id or self.bucket_bits != other.bucket_bits:
            raise ValueError("exposure sets of different keys or bucket sizes cannot be merged")
        buckets, tags = merge_sorted((self.buckets, self.tags), (other.buckets, other.tags), self.bucket_bits)
        return ExposureSet(self.key_id, buckets, tags, self.bucket_bits)


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


def read_token_file(path: Path) -> list[tuple[str, str, int | None]]:
    """(SHA-256 of the token, organisation, daily quota or None) for each entry of an old token file.

    Organisation tokens now live in the console's token store (partner
    accounts' tokens, `leaktrace org token`); this reads the JSON files the
    exposure server used to take (`{sha256: org}` or `{sha256: {"org",
    "daily_quota"}}`) so `leaktrace org import-tokens` can bring them over.
    """
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: expected a JSON object of token-hash -> organisation") from exc
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object of token-hash -> organisation")
    out = []
    for k, v in doc.items():
        if isinstance(v, str):
            out.append((str(k), v, None))
        elif isinstance(v, dict) and isinstance(v.get("org"), str):
            quota = v.get("daily_quota")
            if quota is not None and (not isinstance(quota, int) or quota < 0):
                raise InputError(f"{path}: entry {k[:12]}...: field 'daily_quota': expected a non-negative integer")
            out.append((str(k), v["org"], quota or None))
        else:
            raise InputError(f"{path}: entry {k[:12]}...: expected an organisation name or {{\"org\", \"daily_quota\"}}")
    return out


def index_file(path: str | Path, key: oprf.ServerKey, bucket_bits: int = BUCKET_BITS,
               spill: Path | None = None) -> tuple[ExposureSet, int]:
    """The exposure set of every distinct ID, mobile and e-mail in a dump (platform side; see `exposure_index`)."""
    from leaktrace.attribution.exposure_index import index_words

    builder = ExposureBuilder(bucket_bits)
    w = index_words(path, key, builder.add, spill=spill)
    return ExposureSet(key.key_id, *builder.build(), bucket_bits), w.values
