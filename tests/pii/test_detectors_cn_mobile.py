"""cn_mobile: formats, segments, digit-run boundaries, attributes."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phone import Phone

from leaktrace.pii.detectors.cn_mobile import (
    CnMobileDetector,
    clear_prefix_caches,
    is_valid_mobile,
    mobile_segments,
    prefix_attrs,
    segment_regex,
)
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([CnMobileDetector()]))


def found(text: str) -> list[tuple[str, str]]:
    return [(text[h.start : h.end], h.attrs.get("carrier", "")) for h in SCAN.scan(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机13800138000。", "13800138000"),
        ("电话 138 1234 5678 联系", "138 1234 5678"),
        ("tel:138-1234-5678", "138-1234-5678"),
        ("call +86 138-1234-5678 now", "+86 138-1234-5678"),
        ("号码008613912345678", "008613912345678"),
        ("号码8613912345678", "8613912345678"),
        ("微信１３８００１３８０００", "１３８００１３８０００"),
    ],
)
def test_formats(text: str, expected: str) -> None:
    assert [v for v, _ in found(text)] == [expected]


@pytest.mark.parametrize(
    "segment",
    ["145", "147", "149", "162", "165", "166", "167", "170", "171", "172", "173", "175", "176", "177", "178", "190", "192", "196", "199"],
)
def test_newer_segments_found(segment: str) -> None:
    assert found(f"联系{segment}12345678。")


@pytest.mark.parametrize(
    "text",
    [
        "1380013800012",  # 13 digits
        "213800138000",  # 12 digits
        "订单20231231235959",  # timestamp
        "12345678",
        "15412345678",  # 154 is not allocated
        "14012345678",  # 140 is an IoT data segment, not a phone
        "11012345678",
    ],
)
def test_near_misses(text: str) -> None:
    assert found(text) == []


def test_known_prefix_attributes() -> None:
    attrs = prefix_attrs("1380013")
    assert attrs["carrier"] == "中国移动"
    assert attrs["province"] == "北京市"
    assert attrs["province_code"] == "11"
    assert attrs["city"] == "北京"


def test_attributes_follow_phone_table_where_geocoder_is_vague() -> None:
    # phonenumbers' geocoder answers only "中国" for 19x; the phone table knows.
    num = phonenumbers.parse("19212345678", "CN")
    from phonenumbers import geocoder

    assert geocoder.description_for_number(num, "zh") == "中国"
    rec = Phone().find("1921234")
    attrs = prefix_attrs("1921234")
    assert attrs["carrier"] == "中国广电"
    assert attrs["province"].startswith(rec["province"])
    assert attrs["city"] == rec["city"]


def test_prefix_lookup_is_cached() -> None:
    clear_prefix_caches()  # also the segment tables, which answer without asking prefix_attrs
    det = CnMobileDetector()
    for _ in range(50):
        det.validate("13800138000")
    info = prefix_attrs.cache_info()
    assert info.misses == 1 and info.hits == 49


def test_segment_list_is_one_truth() -> None:
    import re

    rx = re.compile(segment_regex())
    for seg in mobile_segments():
        assert rx.match(seg + "12345678")
        assert is_valid_mobile(seg + "12345678")
    assert not rx.match("15412345678")


_SEGMENTS = sorted(mobile_segments())


@settings(max_examples=150, deadline=None)
@given(
    seg=st.sampled_from(_SEGMENTS),
    rest=st.text("0123456789", min_size=8, max_size=8),
    prefix=st.sampled_from(["", "+86", "+86 ", "0086", "86-"]),
    sep=st.sampled_from(["", " ", "-"]),
    left=st.sampled_from(["", "手机", "a ", "，"]),
)
def test_property_formatted_mobiles_found(seg: str, rest: str, prefix: str, sep: str, left: str) -> None:
    value = f"{prefix}{seg}{sep}{rest[:4]}{sep}{rest[4:]}"
    hits = SCAN.scan(f"{left}{value}。")
    assert len(hits) == 1
    det = CnMobileDetector()
    verdict = det.validate(value)
    assert verdict is not None and verdict.normalized == seg + rest


@settings(max_examples=100, deadline=None)
@given(
    seg=st.sampled_from(_SEGMENTS),
    rest=st.text("0123456789", min_size=8, max_size=8),
    pad_left=st.text("0123456789", min_size=1, max_size=4).filter(lambda s: s not in ("86", "0086")),
    pad_right=st.text("0123456789", max_size=3),
)
def test_property_no_hit_inside_longer_digit_runs(seg: str, rest: str, pad_left: str, pad_right: str) -> None:
    # Digits glued on either side (other than a bare country code) make it
    # some other number: an ID, an order, a card.
    assert SCAN.scan(f"x{pad_left}{seg}{rest}{pad_right}y") == []
    if pad_right:
        assert SCAN.scan(f"x{seg}{rest}{pad_right}y") == []


def test_prefix_carrier_is_the_parsed_numbers_carrier() -> None:
    """prefix_attrs builds its number without parsing; its carrier must be the parsed number's, every segment."""
    from phonenumbers import carrier as pn_carrier

    from leaktrace.pii.detectors.cn_mobile import _canonical_carrier

    prefix_attrs.cache_clear()
    checked = 0
    for head in range(130, 200):
        for tail in ("0000", "1234", "5678", "9999"):
            p7 = f"{head}{tail}"
            expected = _canonical_carrier(pn_carrier.name_for_number(phonenumbers.parse(p7 + "0000", "CN"), "zh"))
            if expected is not None:
                assert prefix_attrs(p7).get("carrier") == expected, p7
                checked += 1
    assert checked > 100


def test_every_allocated_prefix_fits_the_cache_and_entries_share_their_attrs() -> None:
    """Issue 16 #24: text dense with mobiles of random prefixes must not miss the cache on most of them."""
    from leaktrace.pii.detectors.cn_mobile import mobile_segments, prefix_attrs

    assert prefix_attrs.cache_info().maxsize >= len(mobile_segments()) * 10_000
    seen: dict[tuple[tuple[str, str], ...], list[dict[str, str]]] = {}
    for i in range(200):
        d = prefix_attrs(f"138{i:04d}")
        seen.setdefault(tuple(sorted(d.items())), []).append(d)
    groups = [g for g in seen.values() if len(g) > 1]
    assert groups  # 200 prefixes of one segment share places
    assert all(d is g[0] for g in groups for d in g)  # one dict per carrier and place, not one per prefix
