"""plate: ordinary, new-energy and special-use plates."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.plate import PROVINCE_ABBR, PlateDetector
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([PlateDetector()]))


@pytest.mark.parametrize(
    ("text", "value", "kind", "province"),
    [
        ("车牌京A12345，", "京A12345", "ordinary", "北京市"),
        ("粤B·D12345", "粤B·D12345", "new_energy", "广东省"),
        ("沪AD12345", "沪AD12345", "new_energy", "上海市"),
        ("川A12345F", "川A12345F", "new_energy", "四川省"),
        ("京A1234警", "京A1234警", "police", "北京市"),
        ("苏E1234学", "苏E1234学", "driving_school", "江苏省"),
        ("鲁B1234挂", "鲁B1234挂", "trailer", "山东省"),
        ("浙A 8Q7X2", "浙A 8Q7X2", "ordinary", "浙江省"),
    ],
)
def test_positives(text: str, value: str, kind: str, province: str) -> None:
    hits = SCAN.scan(text)
    assert [text[h.start : h.end] for h in hits] == [value]
    assert hits[0].attrs == {"kind": kind, "province": province}


@pytest.mark.parametrize(
    "text",
    ["京I12345", "京O12345", "京AABCDE", "粤B12345678", "京A123456", "京A1234", "北A12345", "京AD1234X"],
)
def test_near_misses(text: str) -> None:
    assert SCAN.scan(text) == []


_L = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@settings(max_examples=150, deadline=None)
@given(
    prov=st.sampled_from(PROVINCE_ABBR),
    office=st.sampled_from(_L),
    digits=st.text("0123456789", min_size=5, max_size=5),
    energy=st.sampled_from(["", "D", "F"]),
    sep=st.sampled_from(["", "·"]),
)
def test_property_plates(prov: str, office: str, digits: str, energy: str, sep: str) -> None:
    value = f"{prov}{office}{sep}{energy}{digits}"
    hits = SCAN.scan(f"车牌{value}，")
    assert [h.end - h.start for h in hits] == [len(value)]
    assert hits[0].attrs["kind"] == ("new_energy" if energy else "ordinary")
