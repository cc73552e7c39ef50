"""RFC 9497 ristretto255-SHA512 OPRF-mode vectors, and the blinded round trip."""

from __future__ import annotations

import pytest

from leaktrace.attribution import oprf
from leaktrace.core.keyring import Keyring

SEED = bytes.fromhex("a3" * 32)
SKSM = "5ebcea5ee37023ccb9fc2d2019f9d7737be85591ae8652ffa9ef0f4d37063b0e"
BLIND = bytes.fromhex("64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706")
VECTORS = [
    ("00", "609a0ae68c15a3cf6903766461307e5c8bb2f95e7e6550e1ffa2dc99e412803c",
     "7ec6578ae5120958eb2db1745758ff379e77cb64fe77b0b2d8cc917ea0869c7e",
     "527759c3d9366f277d8c6020418d96bb393ba2afb20ff90df23fb7708264e2f3ab9135e3bd69955851de4b1f9fe8a0973396719b7912ba9ee8aa7d0b5e24bcf6"),
    ("5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a", "da27ef466870f5f15296299850aa088629945a17d1f5b7f5ff043f76b3c06418",
     "b4cbf5a4f1eeda5a63ce7b77c7d23f461db3fcab0dd28e4e17cecb5c90d02c25",
     "f4a74c9c592497375e796aa837e907b1a045d34306a749db9f34221f7e750cb4f2a6413a6bf6fa5e19ba6348eb673934a722a7ede2e7621306d18951e7cf2c73"),
]


def test_derive_key_pair_matches_rfc() -> None:
    assert oprf.derive_key(SEED, b"test key").hex() == SKSM


@pytest.mark.parametrize(("inp", "blinded", "evaluated", "output"), VECTORS)
def test_rfc9497_vectors(inp: str, blinded: str, evaluated: str, output: str) -> None:
    key = oprf.ServerKey(bytes.fromhex(SKSM))
    b = oprf.blind(bytes.fromhex(inp), BLIND)
    assert b.element.hex() == blinded
    ev = key.blind_evaluate([b.element])[0]
    assert ev.hex() == evaluated
    assert oprf.finalize(b, ev).hex() == output
    assert key.evaluate(bytes.fromhex(inp)).hex() == output


def test_blinded_equals_direct_and_key_matters() -> None:
    ring = Keyring.generate()
    key = oprf.ServerKey.from_keyring(ring)
    xs = [oprf.oprf_input("cn_mobile", f"1380013800{i}") for i in range(5)]
    assert oprf.oblivious_outputs(key, xs, batch=2) == key.evaluate_many(xs)
    other = oprf.ServerKey.from_keyring(Keyring.generate())
    assert other.key_id != key.key_id
    assert other.evaluate(xs[0]) != key.evaluate(xs[0])


def test_blinded_element_is_fresh_each_time() -> None:
    x = oprf.oprf_input("cn_id", "11010119900307123X")
    assert oprf.blind(x).element != oprf.blind(x).element


def test_invalid_point_rejected() -> None:
    key = oprf.ServerKey.from_keyring(Keyring.generate())
    with pytest.raises(ValueError):
        key.blind_evaluate([b"\xff" * 32])


@pytest.mark.parametrize("n", [0, 1, 511, 512, 777])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_evaluate_many_on_threads_equals_one_at_a_time(n: int, workers: int) -> None:
    """The batch (threads over contiguous slices) gives every output, in input order, as `evaluate` does."""
    key = oprf.ServerKey.from_keyring(Keyring.generate(), purpose=oprf.EXPOSURE)
    xs = [oprf.oprf_input("cn_mobile", f"138{i * 7919:08d}") for i in range(n)]
    assert key.evaluate_many(xs, workers=workers) == [key.evaluate(x) for x in xs]
