"""The ID rule's shortcuts (issue 16 #24) against the plain forms they replace.

Text dense with resident IDs is validated once per ID; the check character
is read as a base-13 number, birth dates and lenient regions are cached.
Each must answer exactly as the form it replaced, on any input.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.core.cn_id_rule import check_char, check_char_weighted
from leaktrace.pii.detectors.cn_id import _birth8, check_normalized, parse_birth_date
from leaktrace.pii.regions import lenient_region, region_for_id, region_table

_CODES = sorted(region_table())


@settings(max_examples=2000, deadline=None)
@given(st.text("0123456789", min_size=17, max_size=17)
       | st.text("0123456789X x_abc\uff11\u0661", min_size=17, max_size=17))
def test_property_check_char_equals_the_weighted_sum(body: str) -> None:
    assert check_char(body) == check_char_weighted(body)


def test_check_char_keeps_the_standard_example() -> None:
    assert check_char("11010519491231002") == "X"
    assert check_char_weighted("11010519491231002") == "X"


@settings(max_examples=1000, deadline=None)
@given(st.text("0123456789", min_size=8, max_size=8))
def test_property_cached_birth_date_equals_the_parse(yyyymmdd: str) -> None:
    birth, iso = _birth8(yyyymmdd)
    assert birth == parse_birth_date("110105" + yyyymmdd + "0000")
    if birth is not None:
        assert iso == birth.isoformat()


@settings(max_examples=500, deadline=None)
@given(code=st.sampled_from(_CODES) | st.text("0123456789", min_size=6, max_size=6),
       year=st.integers(1880, 2030))
def test_property_lenient_region_ignores_the_year(code: str, year: int) -> None:
    assert lenient_region(code) == region_for_id(code, year, "lenient")


@settings(max_examples=1000, deadline=None)
@given(code=st.sampled_from(_CODES), days=st.integers(-40000, 60000), seq=st.integers(0, 999),
       last=st.sampled_from("0123456789X"), mode=st.sampled_from(["lenient", "strict"]))
def test_property_check_normalized_attrs_are_the_plain_ones(code: str, days: int, seq: int, last: str,
                                                             mode: str) -> None:
    d = dt.date(1990, 1, 1) + dt.timedelta(days=days)
    v = f"{code}{d:%Y%m%d}{seq:03d}{last}"
    valid, reason, attrs = check_normalized(v, mode)  # type: ignore[arg-type]
    birth = parse_birth_date(v)
    assert attrs["birth_year"] == birth.year and attrs["birth_date"] == birth.isoformat()  # type: ignore[union-attr]
    if reason == "" or reason == "region":
        assert check_char(v[:17]) == v[17]
        region = region_for_id(v[:6], birth.year, mode)  # type: ignore[union-attr, arg-type]
        assert valid == (region is not None)
