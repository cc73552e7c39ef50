"""Keyed hashes of PII: how a value is stored anywhere outside encrypted evidence.

HMAC-SHA256 over "type \\x1f normalised value", truncated to 128 bits. The
type is part of the message so a phone number and an order id with the same
digits never collide, and the key id is part of the printed form so hashes
survive key rotation. Phone and ID spaces are small enough to enumerate, so
an unkeyed hash would be no protection at all.
"""

from __future__ import annotations

import hashlib
import hmac

from leaktrace.core.keyring import Keyring
from leaktrace.core.normalize import normalize

DIGEST_BYTES = 16
HMAC_BLOCK = 64  # SHA-256's block size


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer padded keys (RFC 2104), for engines that compute HMAC in SQL."""
    k = (hashlib.sha256(key).digest() if len(key) > HMAC_BLOCK else key).ljust(HMAC_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in k), bytes(b ^ 0x5C for b in k)


class KeyedHasher:
    """Hashes normalised PII under the active key (or a named older one)."""

    def __init__(self, ring: Keyring, kid: str | None = None) -> None:
        self.kid = kid or ring.active
        self._key = ring.keys[self.kid]

    def digest(self, pii_type: str, normalised: str) -> bytes:
        msg = pii_type.encode() + b"\x1f" + normalised.encode()
        return hmac.new(self._key, msg, hashlib.sha256).digest()[:DIGEST_BYTES]

    def hash(self, pii_type: str, value: str) -> str:
        """`kid.hex` of the value after the canonical normalisation of its type."""
        return f"{self.kid}.{self.digest(pii_type, normalize(pii_type, value)).hex()}"

    def hash_normalised(self, pii_type: str, normalised: str) -> str:
        return f"{self.kid}.{self.digest(pii_type, normalised).hex()}"
