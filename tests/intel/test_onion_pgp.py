"""Onion v3 checksums and PGP key blocks against independent references (spec example, gpg)."""

from __future__ import annotations

import random

import pytest
from gen_identifiers import DATA, change_one, onion_v3, pgp_fixtures

from leaktrace.intel.onion import onion_version
from leaktrace.intel.pgp import crc24, dearmor, find_key_blocks


def test_onion_spec_example_and_typos() -> None:
    assert onion_version("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd") == 3  # rend-spec-v3
    rng = random.Random(3)
    for _ in range(200):
        label = onion_v3(rng)[:56]
        assert onion_version(label) == 3
        assert onion_version(change_one(rng, label, "abcdefghijklmnopqrstuvwxyz234567", lo=0)) is None


@pytest.mark.parametrize(("block", "fpr"), pgp_fixtures())
def test_fingerprint_matches_gpg(block: str, fpr: str) -> None:
    # Framed by other text, re-wrapped lines and Windows line ends: same key.
    pasted = "我的公钥 / my key:\r\n" + block.replace("\n", "\r\n") + "\r\n谢谢"
    [(_s, _e, keys)] = find_key_blocks(pasted)
    assert keys[0].fingerprint == fpr
    assert keys[0].key_id == fpr[-16:]
    assert keys[0].armor_crc_ok is True
    assert keys[0].user_ids and keys[0].user_ids[0].startswith("Synthetic Vendor")


def test_damaged_block_is_not_fingerprinted() -> None:
    block, _ = pgp_fixtures()[0]
    lines = block.splitlines()
    i = next(n for n, ln in enumerate(lines) if len(ln) > 40)
    lines[i] = lines[i][:10] + ("A" if lines[i][10] != "A" else "B") + lines[i][11:]
    assert find_key_blocks("\n".join(lines)) == []


def test_crc24_reference_value() -> None:
    data, ok = dearmor((DATA / "synthetic_vendor_two.asc").read_text().split("-----")[2])
    assert ok is True and len(data) > 200
    assert crc24(b"") == 0xB704CE
