"""Wallet checksums: published vectors, generated valid addresses and one-character near-misses."""

from __future__ import annotations

import random

import pytest
from gen_identifiers import B58, BECH, btc_legacy, btc_segwit_v0, change_one, eth, flip_case, tron
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.intel.crypto_addresses import (
    btc_base58_kind,
    eip55,
    eth_checksum_state,
    is_tron_address,
    segwit_decode,
    segwit_encode,
    xmr_encode,
    xmr_kind,
)

RNG = random.Random(11)


def test_published_vectors() -> None:
    assert btc_base58_kind("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa") == "p2pkh"  # genesis coinbase
    assert segwit_decode("bc", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4") is not None  # BIP-173
    # BIP-350: v1 must be Bech32m; the same program under Bech32 is invalid.
    assert segwit_decode("bc", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0") is not None
    assert segwit_decode("bc", "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4") is None
    assert eip55("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed") == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert is_tron_address("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")  # USDT-TRC20 contract
    assert xmr_kind("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A") == "standard"


@pytest.mark.parametrize("i", range(40))
def test_generated_valid_and_near_miss(i: int) -> None:
    a = btc_legacy(RNG)
    assert btc_base58_kind(a) in ("p2pkh", "p2sh")
    assert btc_base58_kind(change_one(RNG, a, B58)) is None
    s = btc_segwit_v0(RNG)
    assert segwit_decode("bc", s) is not None
    assert segwit_decode("bc", change_one(RNG, s, BECH, lo=4)) is None
    t = tron(RNG)
    assert is_tron_address(t)
    assert not is_tron_address(change_one(RNG, t, B58))
    e = eth(RNG)
    assert eth_checksum_state(e) is True
    assert eth_checksum_state(flip_case(RNG, e)) is False
    assert eth_checksum_state(e.lower()) is None


@given(st.binary(min_size=32, max_size=32), st.integers(1, 16))
@settings(max_examples=50, deadline=None)
def test_segwit_round_trip(program: bytes, witver: int) -> None:
    addr = segwit_encode("bc", witver, program)
    assert segwit_decode("bc", addr) == (witver, program)
    assert segwit_decode("tb", addr) is None


@given(st.binary(min_size=64, max_size=64), st.sampled_from([18, 42]))
@settings(max_examples=30, deadline=None)
def test_xmr_round_trip_and_typo(keys: bytes, net: int) -> None:
    addr = xmr_encode(net, keys)
    assert len(addr) == 95
    assert xmr_kind(addr) == {18: "standard", 42: "subaddress"}[net]
    assert xmr_kind(change_one(random.Random(keys), addr, B58, lo=2)) is None
