"""Golden vectors: the one canonical form of each PII type, written out by hand.

Every stage hashes `normalize(type, value)`, so these forms are a contract:
a change here changes every keyed hash already stored (fingerprints, dump
hash sets, the exposure index). The expected values are worked out by hand
from the rules (GB 11643 check character included), not read back from the
code.
"""

from __future__ import annotations

import pytest

from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.keyring import Keyring
from leaktrace.core.normalize import normalize

GOLDEN = [
    # 18-digit IDs: upper-case X, full-width folded, spaces dropped
    ("cn_id", "11010519491231002x", "11010519491231002X"),
    ("cn_id", "１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
    ("cn_id", " 110105 19491231 002X ", "11010519491231002X"),
    # 15-digit legacy: century 19 inserted, check character computed (weighted sum 167, 167 mod 11 = 2 -> X)
    ("cn_id", "110105491231002", "11010519491231002X"),
    # mobiles: country prefix and separators dropped
    ("cn_mobile", "+86 138-1234-5678", "13812345678"),
    ("cn_mobile", "0086 13812345678", "13812345678"),
    ("cn_mobile", "8613812345678", "13812345678"),
    ("cn_mobile", "１３８ １２３４ ５６７８", "13812345678"),
    ("cn_mobile", "138 1234 5678", "13812345678"),
    # landlines: trunk-prefixed national form
    ("cn_landline", "010-12345678", "01012345678"),
    ("cn_landline", "+86 10 12345678", "01012345678"),
    ("cn_landline", "0086-21-87654321", "02187654321"),
    ("bank_card", "6222 0212 3456 7890 128", "6222021234567890128"),
    ("email", " Zhang.San@Example.COM ", "zhang.san@example.com"),
    ("email", "ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
    ("ipv4", "192.168.001.010", "192.168.1.10"),
    ("ipv4", "１９２．１６８．１．１", "192.168.1.1"),
    ("plate", "京A·12345", "京A12345"),
    ("plate", "粤b-d1234", "粤BD1234"),
    ("cn_passport", "e 1234 5678", "E12345678"),
    ("order_id", "jd 2024 0001ab", "JD20240001AB"),
    ("person_name", "张 三", "张三"),
    ("person_name", "阿卜杜拉・买买提", "阿卜杜拉·买买提"),
    ("person_name", "  John   SMITH ", "john smith"),
    ("address", "北京市\u3000朝阳区  建国路88号", "北京市 朝阳区 建国路88号"),
]


@pytest.mark.parametrize(("pii_type", "raw", "canonical"), GOLDEN)
def test_golden_form(pii_type: str, raw: str, canonical: str) -> None:
    assert normalize(pii_type, raw) == canonical


@pytest.mark.parametrize(("pii_type", "raw", "canonical"), GOLDEN)
def test_canonical_form_is_a_fixed_point(pii_type: str, raw: str, canonical: str) -> None:
    assert normalize(pii_type, canonical) == canonical


def test_every_written_form_hashes_as_its_canonical_form() -> None:
    """Stages that see different spellings of one person produce one keyed hash."""
    hasher = KeyedHasher(Keyring.generate())
    by_canonical: dict[tuple[str, str], set[str]] = {}
    for pii_type, raw, canonical in GOLDEN:
        by_canonical.setdefault((pii_type, canonical), set()).add(hasher.hash(pii_type, raw))
        assert hasher.hash(pii_type, raw) == hasher.hash_normalised(pii_type, canonical)
    assert all(len(hashes) == 1 for hashes in by_canonical.values())
    # and the type is part of the message: the same digits as a card and as a mobile differ
    assert hasher.hash("bank_card", "13812345678") != hasher.hash("cn_mobile", "13812345678")
