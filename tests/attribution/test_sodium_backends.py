"""The rbcl fallback (for machines without a system libsodium) computes what the system library does."""

from __future__ import annotations

import ctypes
import hashlib

import pytest

from leaktrace.attribution import sodium


def _call(lib: object, name: str, *args: bytes) -> tuple[int, bytes]:
    out = ctypes.create_string_buffer(sodium.BYTES)
    rc = getattr(lib, name)(out, *args)
    return rc, out.raw


@pytest.mark.parametrize("seed", [b"a", b"leaktrace", b"\x00" * 7])
def test_rbcl_backend_equals_system_libsodium(seed: bytes) -> None:
    system = sodium._lib()
    if isinstance(system, sodium._RbclLib):
        pytest.skip("no system libsodium here: nothing to compare rbcl with")
    rbcl = sodium._RbclLib()
    h = hashlib.sha512(seed).digest()
    point = _call(system, "crypto_core_ristretto255_from_hash", h)
    assert point == _call(rbcl, "crypto_core_ristretto255_from_hash", h)
    scalar = _call(system, "crypto_core_ristretto255_scalar_reduce", h)[1]
    assert scalar == _call(rbcl, "crypto_core_ristretto255_scalar_reduce", h)[1]
    for name, args in (("crypto_scalarmult_ristretto255", (scalar, point[1])),
                       ("crypto_scalarmult_ristretto255_base", (scalar,)),
                       ("crypto_core_ristretto255_scalar_invert", (scalar,))):
        assert _call(system, name, *args) == _call(rbcl, name, *args)
    bad = b"\x01" * 32
    assert rbcl.crypto_core_ristretto255_is_valid_point(bad) == system.crypto_core_ristretto255_is_valid_point(bad)
    assert _call(rbcl, "crypto_scalarmult_ristretto255", scalar, bad)[0] == -1
