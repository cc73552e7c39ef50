"""address: province- and label-anchored mainland addresses."""

from __future__ import annotations

import random

import pytest
from faker import Faker
from hypothesis import given
from hypothesis import strategies as st

from leaktrace.pii.detectors.address import _BY_LABEL, AddressDetector, _cn_labelled
from leaktrace.pii.regions import PROVINCES
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([AddressDetector()]))


def found(text: str) -> list[str]:
    return [text[h.start : h.end] for h in SCAN.scan(text)]


@pytest.mark.parametrize(
    ("text", "address", "code"),
    [
        ("寄到广东省深圳市南山区科技园路123号张三收", "广东省深圳市南山区科技园路123号", "44"),
        ("北京市朝阳区建国路88号院3号楼2单元501室，电话", "北京市朝阳区建国路88号院3号楼2单元501室", "11"),
        ("浙江杭州市西湖区文三路90号", "浙江杭州市西湖区文三路90号", "33"),
        ("内蒙古自治区呼和浩特市新城区新华大街1号", "内蒙古自治区呼和浩特市新城区新华大街1号", "15"),
        ("收货地址：深圳市福田区华强北路1002号", "深圳市福田区华强北路1002号", "44"),
        ("寄到杭州市西湖区文三路90号张三收", "杭州市西湖区文三路90号", "33"),
        ("地址：中山路12号", "中山路12号", None),
        ("Address: 上海市浦东新区世纪大道100号", "上海市浦东新区世纪大道100号", "31"),
    ],
)
def test_positives(text: str, address: str, code: str | None) -> None:
    hits = SCAN.scan(text)
    assert [text[h.start : h.end] for h in hits] == [address]
    if code is None:
        assert "province_code" not in hits[0].attrs
    else:
        assert hits[0].attrs["province_code"] == code
        assert hits[0].attrs["province"] == PROVINCES[code]


@pytest.mark.parametrize(
    "text",
    [
        "上海的天气很好",
        "北京欢迎你，我们明天去北京",
        "广东省今年GDP增长",
        "地址：不详",
        "四川123号",  # no administrative unit
        "城市化的市场",
        "超市里有123号货架",
    ],
)
def test_near_misses(text: str) -> None:
    assert found(text) == []


def test_faker_addresses_after_label() -> None:
    fake = Faker("zh_CN")
    fake.seed_instance(3)
    rng = random.Random(3)
    hits = 0
    for _ in range(100):
        addr = f"{fake.province()}{fake.city()}{fake.district()}区{fake.street_name()}{rng.randint(1, 999)}号"
        got = found(f"收货地址：{addr} 电话")
        hits += got == [addr]
    assert hits >= 95


def test_city_named_without_province_gives_province() -> None:
    hit = SCAN.scan("发往深圳市南山区科技园路123号")[0]
    assert hit.attrs["city"] == "深圳市"
    assert hit.attrs["province"] == PROVINCES["44"]


_LABEL_PARTS = ["地址", "住址", "收货地址", "家庭住址", "址", "地", "住", "：", " ", "广东省", "深圳市", "南山区", "路", "12号", "，", "x"]


@given(st.lists(st.sampled_from(_LABEL_PARTS), max_size=40), st.integers(0, 8))
def test_label_route_from_each_zhi_equals_the_label_regex(parts: list[str], pos: int) -> None:
    # `_cn_labelled` jumps to each 址 instead of trying the label regex at
    # every position; it must find the same bodies at the same places.
    text = "".join(parts)
    expected = [m.span(1) for m in _BY_LABEL.finditer(text, pos, len(text))]
    assert [m.span(1) for m in _cn_labelled(text, pos, len(text))] == expected
