"""cn_landline: area-code forms, libphonenumber validity, places."""

from __future__ import annotations

import phonenumbers
import pytest
from phonenumbers import geocoder

from leaktrace.pii.detectors.cn_landline import CnLandlineDetector
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([CnLandlineDetector()]))


@pytest.mark.parametrize(
    ("text", "value", "city"),
    [
        ("电话010-12345678。", "010-12345678", "北京"),
        ("座机(021)12345678", "(021)12345678", "上海"),
        ("tel +86 10 12345678", "+86 10 12345678", "北京"),
        ("tel 0086 20 87654321", "0086 20 87654321", "广州"),
        ("传真075523456789，", "075523456789", "深圳"),
        ("0571-87654321", "0571-87654321", "杭州"),
    ],
)
def test_valid_forms(text: str, value: str, city: str) -> None:
    hits = SCAN.scan(text)
    assert [text[h.start : h.end] for h in hits] == [value]
    assert hits[0].valid
    assert hits[0].attrs["city"] == city


def test_province_agrees_with_geocoder() -> None:
    hit = SCAN.scan("电话0471-2345678")[0]
    desc = geocoder.description_for_number(phonenumbers.parse("04712345678", "CN"), "zh")
    assert desc.startswith("内蒙古")
    assert hit.attrs["province"] == "内蒙古自治区" and hit.attrs["province_code"] == "15"


def test_wrong_subscriber_length_is_an_invalid_hit_of_the_right_city() -> None:
    # Shenzhen numbers have 8 digits; a 7-digit one is reported, not valid.
    hits = SCAN.scan("电话0755-1234567")
    assert len(hits) == 1 and not hits[0].valid
    assert hits[0].attrs["city"] == "深圳" and hits[0].attrs["invalid_reason"] == "subscriber"


@pytest.mark.parametrize(
    "text",
    [
        "20231231235959",
        "12345678",
        "13800138000",  # a mobile, not a landline
        "9010-12345678",  # digits before the trunk zero
        "010-123456789012",  # too long
        "0000-1234567",
    ],
)
def test_near_misses(text: str) -> None:
    assert [h for h in SCAN.scan(text) if h.valid] == []
