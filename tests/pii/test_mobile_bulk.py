"""A segment's 10,000 prefixes answered at once equal `_prefix_attrs` answering each (issue 16 #24).

`_mobile_bulk` re-reads the sources `_prefix_attrs` asks one prefix at a
time (the `phone` table, phonenumbers' number type and carrier data); these
tests pin the two equal, and the scanner's output equal whether a segment's
table is built or not.
"""

from __future__ import annotations

import random
from functools import cache

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phone import Phone
from phonenumbers import carrier as pn_carrier

import leaktrace.pii.detectors.cn_mobile as cn_mobile
from leaktrace.pii.detectors._geo import match_province
from leaktrace.pii.detectors._mobile_bulk import (
    _phone_records,
    carrier_lookup_allowed,
    carrier_lookup_allowed_by_desc,
    carrier_names_zh,
    segment_attrs,
)
from leaktrace.pii.detectors.cn_mobile import (
    _canonical_carrier,
    _phone_db,
    _prefix_attrs,
    clear_prefix_caches,
    mobile_segments,
)
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner

_SEGMENTS = sorted(mobile_segments())


@cache
def _table(segment: str) -> tuple[dict[str, str] | None, ...]:
    return tuple(segment_attrs(segment, _phone_db(), mobile_segments().get(segment) or None, _canonical_carrier))


def _answer(segment: str, rest: int) -> dict[str, str]:
    """What the detector uses: the table's entry, or the per-prefix lookup where the table holds None."""
    found = _table(segment)[rest]
    return found if found is not None else _prefix_attrs(f"{segment}{rest:04d}")


@pytest.mark.parametrize("segment", ["138", "192", "170"])
def test_whole_segment_equals_the_scalar_lookup(segment: str) -> None:
    # 192: places only the `phone` table knows; 170: a shared (virtual operator) segment.
    table = _table(segment)
    assert len(table) == 10_000
    db = Phone()
    for i, a in enumerate(table):
        if a is None:  # left to the per-prefix lookup only where the `phone` table has no place
            rec = db.find(f"{segment}{i:04d}")
            assert not (rec and rec["province"] and match_province(rec["province"])), i
    for i in range(10_000):
        assert _answer(segment, i) == _prefix_attrs(f"{segment}{i:04d}"), f"{segment}{i:04d}"


@settings(max_examples=300, deadline=None)
@given(segment=st.sampled_from(_SEGMENTS), rest=st.integers(0, 9999))
def test_property_any_prefix_equals_the_scalar_lookup(segment: str, rest: int) -> None:
    assert _answer(segment, rest) == _prefix_attrs(f"{segment}{rest:04d}")


@settings(max_examples=400, deadline=None)
@given(number=st.integers(10**10, 2 * 10**10 - 1) | st.integers(10**6, 10**12))
def test_property_number_type_and_carrier_equal_phonenumbers(number: int) -> None:
    """Any +86 number, not only mobiles: the re-read rule must follow every branch of the library's."""
    national = str(number)
    num = phonenumbers.PhoneNumber(country_code=86, national_number=number)
    expected = pn_carrier.name_for_number(num, "zh")
    allowed = carrier_lookup_allowed([national])[0]
    assert allowed == carrier_lookup_allowed_by_desc([national])[0]
    got = carrier_names_zh(["86" + national])[0] if allowed else ""
    assert got == expected
    assert allowed == (phonenumbers.number_type(num) in (
        phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.PAGER))


def test_phone_records_equal_the_package_lookup() -> None:
    db = Phone()
    rng = random.Random(4)
    prefixes = [rng.randrange(1_000_000, 2_000_000) for _ in range(3000)] + [1_000_000, 1_999_999, 1_380_013]
    for p, rec in zip(prefixes, _phone_records(db, prefixes), strict=True):
        want = db.find(str(p))
        assert rec == (None if want is None else (want["province"], want["city"], want["phone_type"])), p


def _dense(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_SEGMENTS) + f"{rng.randrange(10**8):08d}" for _ in range(n))


def test_scan_is_the_same_with_and_without_segment_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _dense(random.Random(9), 20_000) + " 手机+86 138-0013-8000，" + _dense(random.Random(10), 200)
    scanner = Scanner(default_registry())

    def hits() -> list[tuple[object, ...]]:
        return [(h.type, h.start, h.end, h.valid, h.score, h.attrs) for h in scanner.scan_stream(iter([text]), 1 << 14)]

    monkeypatch.setattr(cn_mobile, "BULK_AFTER_MISSES", 10**9)
    clear_prefix_caches()
    without = hits()
    assert not cn_mobile._SEGMENT_TABLES
    monkeypatch.setattr(cn_mobile, "BULK_AFTER_MISSES", 8)
    clear_prefix_caches()
    with_tables = hits()
    assert len(cn_mobile._SEGMENT_TABLES) == len(_SEGMENTS)  # every segment was dense enough to build
    assert with_tables == without
    assert len(without) > 19_000


def test_a_few_mobiles_build_no_table() -> None:
    clear_prefix_caches()
    Scanner(default_registry()).scan(_dense(random.Random(1), 30))
    assert not cn_mobile._SEGMENT_TABLES
