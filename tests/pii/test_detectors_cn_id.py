"""cn_id: the checksum, normal form and date rule behind the detector, against their definitions."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leaktrace.core.cn_id_rule import CHECK_CHARS, check_char, upgrade_15_to_18
from leaktrace.core.normalize import SPACES, normalize_cn_id
from leaktrace.core.text import fold_width
from leaktrace.pii.detectors.cn_id import CnIdDetector, check_cn_id


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_char_is_the_standards_weighted_sum(body: str) -> None:
    # GB 11643: weight of position i is 2**(17 - i) mod 11.
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(body))
    assert check_char(body) == CHECK_CHARS[total % 11]


@pytest.mark.parametrize("body", ["", "1234567890123456", "123456789012345678"])
def test_check_char_refuses_other_lengths(body: str) -> None:
    with pytest.raises(ValueError):
        check_char(body)


@given(st.text(alphabet="0123456789Xx１２ｘ \t\u3000ab", max_size=20))
def test_normal_form_equals_fold_strip_upper(value: str) -> None:
    v = SPACES.sub("", fold_width(value)).upper()
    expected = upgrade_15_to_18(v) if len(v) == 15 and v.isascii() and v.isdigit() else v
    assert normalize_cn_id(value) == expected


def _id_born(day: dt.date) -> str:
    body = "110105" + day.strftime("%Y%m%d") + "123"
    return body + check_char(body)


def test_future_birth_dates_fail_the_date_rule_without_an_explicit_today() -> None:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert check_cn_id(_id_born(tomorrow))[:2] == (False, "date")
    assert check_cn_id(_id_born(dt.date(1990, 5, 17)))[:2] == (True, "")


def test_an_explicit_today_moves_the_date_rule() -> None:
    born = _id_born(dt.date(1990, 5, 17))
    assert check_cn_id(born, today=dt.date(1990, 5, 16))[:2] == (False, "date")
    assert check_cn_id(born, today=dt.date(1990, 5, 17))[:2] == (True, "")


def test_detector_reports_the_normal_form_and_birth_date() -> None:
    det = CnIdDetector(mode="lenient")
    verdict = det.validate("11010519491231002x")
    assert verdict is not None and verdict.valid
    assert verdict.normalized == "11010519491231002X"
    assert verdict.attrs["birth_date"] == "1949-12-31"
    assert verdict.attrs["gender"] == "F"
    legacy = det.validate("110105491231002")
    assert legacy is not None and legacy.normalized == normalize_cn_id("110105491231002")
    assert legacy.attrs["birth_date"] == "1949-12-31"
