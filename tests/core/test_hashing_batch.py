"""The compiled batch HMAC gives exactly KeyedHasher's hashes, whatever Arrow layout it is handed."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core import hashing_batch
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring

if not hashing_batch.available():
    if os.environ.get("CI") == "true":
        raise RuntimeError("leaktrace.core._hmac_batch was not built: CI must build it (gcc + OpenSSL headers)")
    pytest.skip("the batch HMAC extension was not built on this machine", allow_module_level=True)


def _want(ring: Keyring, pii_type: str, values: list[str | None]) -> list[str | None]:
    h = KeyedHasher(ring)
    return [None if v is None else h.hash_normalised(pii_type, v) for v in values]


@settings(max_examples=80, deadline=None)
@given(values=st.lists(st.none() | st.text(max_size=150), max_size=40), long_key=st.booleans(),
       large=st.booleans(), cut=st.integers(0, 5))
def test_equals_keyed_hasher(values: list[str | None], long_key: bool, large: bool, cut: int) -> None:
    ring = Keyring.generate()
    if long_key:  # longer than the SHA-256 block: hashed first, as RFC 2104 says
        ring = Keyring(active=ring.active, keys={ring.active: bytes(range(100))})
    arr = pa.array(values, pa.large_string() if large else pa.string())
    fn = hashing_batch.batch_hasher(ring, "cn_mobile")
    assert fn(arr).to_pylist() == _want(ring, "cn_mobile", values)
    # A slice keeps its parent's buffers with an offset; chunks arrive from engines.
    assert fn(arr.slice(cut)).to_pylist() == _want(ring, "cn_mobile", values[cut:])
    assert fn(pa.chunked_array([arr.slice(0, cut), arr.slice(cut)], arr.type)).to_pylist() == \
        _want(ring, "cn_mobile", values)


def test_type_tag_and_key_id_are_part_of_the_hash() -> None:
    ring = Keyring.generate()
    arr = pa.array(["13800138000"])
    a = hashing_batch.batch_hasher(ring, "cn_mobile")(arr)[0].as_py()
    b = hashing_batch.batch_hasher(ring, "cn_id")(arr)[0].as_py()
    assert a != b and a.startswith(ring.active + ".") and len(a) == len(ring.active) + 33
    old = ring.rotated()
    assert hashing_batch.batch_hasher(old, "cn_mobile", kid=ring.active)(arr)[0].as_py() == a


def test_dictionary_and_empty_input() -> None:
    ring = Keyring.generate()
    fn = hashing_batch.batch_hasher(ring, "cn_id")
    d = pa.array(["x", "y", "x", None]).dictionary_encode()
    assert fn(d).to_pylist() == _want(ring, "cn_id", ["x", "y", "x", None])
    assert fn(pa.array([], pa.string())).to_pylist() == []


def test_offsets_outside_the_data_are_refused() -> None:
    """A corrupt buffer pair raises, never reads past the data."""
    from leaktrace.core import _hmac_batch  # type: ignore[attr-defined]

    offsets = pa.array([0, 5, 1 << 20], pa.int32()).buffers()[1]
    with pytest.raises(ValueError, match="outside the data"):
        _hmac_batch.hmac128_hex(b"k", b"t\x1f", b"k.", b"hello", offsets, 0, 2, False)
    with pytest.raises(ValueError, match="shorter"):
        _hmac_batch.hmac128_hex(b"k", b"t\x1f", b"k.", b"hello", offsets, 1, 2, False)
