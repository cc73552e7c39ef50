"""ristretto255 group operations from libsodium: the system library through ctypes, else `rbcl`.

PyNaCl 1.6 bundles libsodium but does not export its ristretto255 functions
(``nacl.bindings`` has none), so the OPRF loads the shared libsodium that the
operating system ships (``libsodium23`` on Debian/Ubuntu); where there is
none, the `rbcl` wheel (libsodium bundled, same functions) serves instead, so
a fresh machine needs nothing beyond PyPI. Each call is checked and fails
loudly rather than returning an all-zero point.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

from leaktrace.core.errors import ConfigError

BYTES = 32
HASH_BYTES = 64


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL | _RbclLib:
    name = ctypes.util.find_library("sodium")
    candidates = [n for n in (name, "libsodium.so.23", "libsodium.so", "libsodium.dylib") if n]
    for cand in candidates:
        try:
            lib = ctypes.CDLL(cand)
        except OSError:
            continue
        if hasattr(lib, "crypto_scalarmult_ristretto255") and lib.sodium_init() >= 0:
            return lib
    return _RbclLib()


class _RbclLib:
    """The ctypes call convention (out buffer first, int status) over rbcl's functions."""

    def __init__(self) -> None:
        try:
            import rbcl
        except ImportError as exc:
            raise ConfigError("libsodium with ristretto255 (>= 1.0.18) is required for attribution and "
                              "exposure checks: install the system package libsodium23 or 'pip install rbcl'"
                              ) from exc
        self._r = rbcl

    @staticmethod
    def _put(out: ctypes.Array[ctypes.c_char], value: bytes) -> None:
        ctypes.memmove(out, value, len(value))

    def crypto_core_ristretto255_from_hash(self, out: ctypes.Array[ctypes.c_char], h: bytes) -> int:
        self._put(out, self._r.crypto_core_ristretto255_from_hash(h))
        return 0

    def crypto_core_ristretto255_is_valid_point(self, p: bytes) -> int:
        return int(bool(self._r.crypto_core_ristretto255_is_valid_point(p)))

    def crypto_scalarmult_ristretto255(self, out: ctypes.Array[ctypes.c_char], s: bytes, p: bytes) -> int:
        try:
            self._put(out, self._r.crypto_scalarmult_ristretto255(s, p))
        except Exception:  # rbcl raises where libsodium returns -1
            return -1
        return 0

    def crypto_scalarmult_ristretto255_base(self, out: ctypes.Array[ctypes.c_char], s: bytes) -> int:
        try:
            self._put(out, self._r.crypto_scalarmult_ristretto255_base(s))
        except Exception:
            return -1
        return 0

    def crypto_core_ristretto255_scalar_reduce(self, out: ctypes.Array[ctypes.c_char], wide: bytes) -> int:
        self._put(out, self._r.crypto_core_ristretto255_scalar_reduce(wide))
        return 0

    def crypto_core_ristretto255_scalar_invert(self, out: ctypes.Array[ctypes.c_char], s: bytes) -> int:
        try:
            self._put(out, self._r.crypto_core_ristretto255_scalar_invert(s))
        except Exception:
            return -1
        return 0

    def crypto_core_ristretto255_scalar_random(self, out: ctypes.Array[ctypes.c_char]) -> int:
        self._put(out, self._r.crypto_core_ristretto255_scalar_random())
        return 0


def from_hash(h: bytes) -> bytes:
    """The ristretto255 element of 64 uniform bytes (the RFC 9380 map)."""
    if len(h) != HASH_BYTES:
        raise ValueError("from_hash needs 64 bytes")
    out = ctypes.create_string_buffer(BYTES)
    _lib().crypto_core_ristretto255_from_hash(out, h)
    return out.raw


def is_valid_point(p: bytes) -> bool:
    return len(p) == BYTES and _lib().crypto_core_ristretto255_is_valid_point(p) == 1


def scalarmult(scalar: bytes, point: bytes) -> bytes:
    """scalar * point; raises ValueError for an invalid point or an identity result."""
    out = ctypes.create_string_buffer(BYTES)
    if len(point) != BYTES or _lib().crypto_scalarmult_ristretto255(out, scalar, point) != 0:
        raise ValueError("invalid ristretto255 point")
    return out.raw


def scalarmult_base(scalar: bytes) -> bytes:
    out = ctypes.create_string_buffer(BYTES)
    if _lib().crypto_scalarmult_ristretto255_base(out, scalar) != 0:
        raise ValueError("zero scalar")
    return out.raw


def scalar_reduce(wide: bytes) -> bytes:
    """64 bytes (little-endian) reduced modulo the group order."""
    out = ctypes.create_string_buffer(BYTES)
    _lib().crypto_core_ristretto255_scalar_reduce(out, wide)
    return out.raw


def scalar_invert(s: bytes) -> bytes:
    out = ctypes.create_string_buffer(BYTES)
    if _lib().crypto_core_ristretto255_scalar_invert(out, s) != 0:
        raise ValueError("zero scalar has no inverse")
    return out.raw


def scalar_random() -> bytes:
    out = ctypes.create_string_buffer(BYTES)
    _lib().crypto_core_ristretto255_scalar_random(out)
    return out.raw
