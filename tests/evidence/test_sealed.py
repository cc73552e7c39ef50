"""The sealed blob format: round trip, encryption at rest, and every way a blob can be damaged."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.errors import IntegrityError, SecretError
from leaktrace.core.keyring import Keyring
from leaktrace.evidence.sealed import OpenedBlob, seal_stream

RING = Keyring.generate()


def _seal(data: bytes, ring: Keyring = RING, chunk: int = 64) -> bytes:
    out = io.BytesIO()
    pieces = (data[i : i + 50] for i in range(0, len(data), 50))
    seal_stream(pieces, out, ring, chunk_bytes=chunk)
    return out.getvalue()


def _open(sealed: bytes, ring: Keyring = RING) -> bytes:
    with OpenedBlob(io.BytesIO(sealed), ring, "t") as blob:
        return blob.read()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000))
def test_round_trip_any_bytes(data: bytes) -> None:
    assert _open(_seal(data)) == data


def test_plaintext_marker_is_not_stored() -> None:
    marker = b"MARKER-110101199003077777-"
    sealed = _seal(marker * 200)
    assert marker not in sealed
    assert b"110101199003077777" not in sealed


def test_wrong_key_fails() -> None:
    sealed = _seal(b"secret rows" * 100)
    other = Keyring({"k1": os.urandom(32)}, "k1")
    with pytest.raises(IntegrityError, match="fails authentication"):
        _open(sealed, other)


def test_missing_key_id_is_named() -> None:
    sealed = _seal(b"x" * 10)
    with pytest.raises(SecretError, match="'k1'"):
        _open(sealed, Keyring({"k9": os.urandom(32)}, "k9"))


def test_rotated_keyring_still_reads_old_blobs() -> None:
    sealed = _seal(b"old evidence" * 50)
    rotated = RING.rotated()
    assert _open(sealed, rotated) == b"old evidence" * 50
    assert _open(_seal(b"new", rotated), rotated) == b"new"


def _chunks(sealed: bytes) -> list[tuple[int, int]]:
    """(start, end) of each framed chunk, parsed the way the format documents."""
    hlen = int.from_bytes(sealed[9:11], "big")
    pos = 11 + hlen
    out = []
    while pos < len(sealed):
        n = int.from_bytes(sealed[pos : pos + 4], "big")
        out.append((pos, pos + 4 + n))
        pos += 4 + n
    return out


def _incompressible(n: int) -> bytes:
    return os.urandom(n)


def test_truncation_at_chunk_boundary_is_detected() -> None:
    sealed = _seal(_incompressible(1000))
    chunks = _chunks(sealed)
    assert len(chunks) > 3
    with pytest.raises(IntegrityError, match="no final chunk"):
        _open(sealed[: chunks[-2][1]])


def test_reordered_chunks_are_detected() -> None:
    sealed = _seal(_incompressible(1000))
    (a0, a1), (b0, b1) = _chunks(sealed)[1:3]
    swapped = sealed[:a0] + sealed[b0:b1] + sealed[a0:a1] + sealed[b1:]
    with pytest.raises(IntegrityError, match="chunk 1 fails"):
        _open(swapped)


def test_appended_data_is_detected() -> None:
    sealed = _seal(_incompressible(300))
    with pytest.raises(IntegrityError, match="after the final chunk"):
        _open(sealed + sealed[-40:])


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_any_flipped_byte_is_detected(data: st.DataObject) -> None:
    sealed = bytearray(_seal(b"rows " * 300))
    i = data.draw(st.integers(0, len(sealed) - 1))
    sealed[i] ^= data.draw(st.integers(1, 255))
    with pytest.raises((IntegrityError, SecretError)):
        _open(bytes(sealed))
