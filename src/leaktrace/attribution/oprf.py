"""Oblivious PRF over ristretto255 (RFC 9497, OPRF mode, ristretto255-SHA512).

Why an OPRF: ID and phone spaces are small enough to enumerate, so any
hash a client can compute by itself (HIBP-style prefixes, a shared salt) can
be brute-forced from the list of all possible values. With an OPRF the value
``F(k, x)`` needs the server key ``k`` *and* the input: the client blinds
``H(x)`` with a random scalar, the server multiplies by ``k`` without seeing
``x``, the client unblinds. Organisations building fingerprints and citizens
checking their own number therefore never hold ``k``, and the server never
sees ``x`` or an unkeyed hash of it (``r·H(x)`` is a uniformly random group
element). The platform, which holds ``k``, evaluates directly on dump values.

The server keys are derived from the deployment keyring (HMAC of the active
key), so they live wherever that secret lives and are never written to the
data directory. There are two, one per purpose (domain separation): the
*fingerprint* key (organisation fingerprints, attribution, offline
evaluation) and the *exposure* key (the exposure index and its lookups).
Organisations may have the fingerprint key applied to many values of their
choosing (a whole customer base, offline), so if the exposure index were
built under the same key those answers would let them test arbitrary
guesses against it offline; under separate keys they are useless there. Its key id (a hash of the public key) is carried by every
fingerprint file, so a file made under another key is rejected instead of
silently matching nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from leaktrace.attribution import sodium
from leaktrace.core.keyring import Keyring

CONTEXT = b"OPRFV1-\x00-ristretto255-SHA512"
_HASH_TO_GROUP_DST = b"HashToGroup-" + CONTEXT
_HASH_TO_SCALAR_DST = b"HashToScalar-" + CONTEXT
_DERIVE_DST = b"DeriveKeyPair" + CONTEXT
KEY_INFO = b"leaktrace attribution+exposure v1"
FINGERPRINT = "fingerprint"
EXPOSURE = "exposure"
# the fingerprint seed label predates the split, so fingerprints registered before it stay valid
_SEED_LABELS = {FINGERPRINT: b"leaktrace/oprf-seed/v1", EXPOSURE: b"leaktrace/oprf-seed/exposure/v2"}
OUTPUT_BYTES = 64
MIN_SLICE = 256  # values per thread below which a thread costs more than it saves (~25 ms of work)


def _i2osp(n: int, length: int) -> bytes:
    return n.to_bytes(length, "big")


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 expand_message_xmd with SHA-512."""
    b_len, block = 64, 128
    ell = -(-length // b_len)
    if ell > 255 or len(dst) > 255:
        raise ValueError("expand_message_xmd: length or DST too long")
    dst_prime = dst + _i2osp(len(dst), 1)
    b0 = hashlib.sha512(b"\x00" * block + msg + _i2osp(length, 2) + b"\x00" + dst_prime).digest()
    out = prev = hashlib.sha512(b0 + b"\x01" + dst_prime).digest()
    for i in range(2, ell + 1):
        prev = hashlib.sha512(bytes(a ^ b for a, b in zip(b0, prev, strict=True)) + _i2osp(i, 1) + dst_prime).digest()
        out += prev
    return out[:length]


def hash_to_group(x: bytes) -> bytes:
    return sodium.from_hash(expand_message_xmd(x, _HASH_TO_GROUP_DST, 64))


def hash_to_scalar(x: bytes, dst: bytes = _HASH_TO_SCALAR_DST) -> bytes:
    return sodium.scalar_reduce(expand_message_xmd(x, dst, 64))


def derive_key(seed: bytes, info: bytes = KEY_INFO) -> bytes:
    """RFC 9497 DeriveKeyPair: the secret scalar for (seed, info)."""
    base = seed + _i2osp(len(info), 2) + info
    for counter in range(256):
        sk = hash_to_scalar(base + _i2osp(counter, 1), _DERIVE_DST)
        if any(sk):
            return sk
    raise ValueError("DeriveKeyPair: no non-zero scalar")  # pragma: no cover - probability 2^-2000


def _finalize_hash(x: bytes, element: bytes) -> bytes:
    return hashlib.sha512(_i2osp(len(x), 2) + x + _i2osp(len(element), 2) + element + b"Finalize").digest()


def oprf_input(kind: str, normalised: str) -> bytes:
    """The OPRF input of a normalised value of one key kind (kind-separated, like core.hashing)."""
    return kind.encode() + b"\x1f" + normalised.encode()


@dataclass(frozen=True)
class Blinded:
    """The client's side of one request: its secret blind and the element it sends."""

    x: bytes
    blind: bytes
    element: bytes


def blind(x: bytes, blind_scalar: bytes | None = None) -> Blinded:
    r = blind_scalar or sodium.scalar_random()
    return Blinded(x, r, sodium.scalarmult(r, hash_to_group(x)))


def finalize(b: Blinded, evaluated: bytes) -> bytes:
    """Unblind the server's answer and hash it: the 64-byte PRF output."""
    if not sodium.is_valid_point(evaluated):
        raise ValueError("server answered with an invalid group element")
    n = sodium.scalarmult(sodium.scalar_invert(b.blind), evaluated)
    return _finalize_hash(b.x, n)


class BlindEvaluator(Protocol):
    """Whatever holds the server key: the in-process server or the HTTP client of one."""

    @property
    def key_id(self) -> str: ...

    def blind_evaluate(self, elements: Sequence[bytes]) -> list[bytes]: ...


class ServerKey:
    """The secret scalar; lives only in the server process (derived, never stored)."""

    def __init__(self, secret: bytes) -> None:
        self._sk = secret
        self.public = sodium.scalarmult_base(secret)
        self.key_id = "oprf-" + hashlib.sha256(self.public).hexdigest()[:16]

    @classmethod
    def from_keyring(cls, ring: Keyring, kid: str | None = None, purpose: str = FINGERPRINT) -> ServerKey:
        """The key for one purpose (FINGERPRINT or EXPOSURE); different purposes never share a key."""
        if purpose not in _SEED_LABELS:
            raise ValueError(f"OPRF key purpose: expected {FINGERPRINT!r} or {EXPOSURE!r}, got {purpose!r}")
        seed = hmac.new(ring.keys[kid or ring.active], _SEED_LABELS[purpose], hashlib.sha256).digest()
        return cls(derive_key(seed))

    def blind_evaluate(self, elements: Sequence[bytes]) -> list[bytes]:
        """k·B for each blinded element; an invalid element raises ValueError."""
        out = []
        for e in elements:
            if not sodium.is_valid_point(e):
                raise ValueError("blinded element is not a valid ristretto255 point")
            out.append(sodium.scalarmult(self._sk, e))
        return out

    def evaluate(self, x: bytes) -> bytes:
        """The PRF output computed directly (platform side, where the key is)."""
        return _finalize_hash(x, sodium.scalarmult(self._sk, hash_to_group(x)))

    def evaluate_many(self, xs: Iterable[bytes], workers: int | None = None) -> list[bytes]:
        """`evaluate` over many inputs, in order, on `workers` threads (default: one per CPU).

        Nearly all of a value's ~0.1 ms is libsodium (hash-to-group, one
        scalar multiplication), called through ctypes, which releases the GIL;
        so contiguous slices evaluated on threads use every core, where a loop
        used one. Memory: the inputs and outputs of this call only.
        """
        xs = list(xs)
        n = workers or os.cpu_count() or 1
        if n <= 1 or len(xs) < 2 * MIN_SLICE:
            return [self.evaluate(x) for x in xs]
        n = min(n, len(xs) // MIN_SLICE)
        step = -(-len(xs) // n)
        slices = [xs[i:i + step] for i in range(0, len(xs), step)]
        with ThreadPoolExecutor(max_workers=len(slices), thread_name_prefix="oprf") as pool:
            parts = list(pool.map(lambda part: [self.evaluate(x) for x in part], slices))
        return [out for part in parts for out in part]


def oblivious_outputs(evaluator: BlindEvaluator, xs: Sequence[bytes], batch: int = 4096) -> list[bytes]:
    """PRF outputs of `xs` obtained through blinded requests, `batch` elements per request."""
    out: list[bytes] = []
    for i in range(0, len(xs), batch):
        reqs = [blind(x) for x in xs[i:i + batch]]
        answers = evaluator.blind_evaluate([r.element for r in reqs])
        if len(answers) != len(reqs):
            raise ValueError("OPRF server returned a different number of elements")
        out.extend(finalize(r, a) for r, a in zip(reqs, answers, strict=True))
    return out


def split_output(out: bytes) -> tuple[int, int]:
    """(sampling value, tag): two independent 64-bit words of a PRF output.

    The first decides consistent sampling (keep when below the threshold), the
    second is what fingerprints and exposure buckets store, so the stored tag
    carries no bias from the sampling decision.
    """
    return int.from_bytes(out[:8], "big"), int.from_bytes(out[8:16], "big")
