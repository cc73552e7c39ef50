"""cn_passport: letter series, boundaries, context."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.cn_passport import CnPassportDetector
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner

SCAN = Scanner(Registry([CnPassportDetector()]))


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("护照号E12345678。", "E12345678", "ordinary"),
        ("passport: EA1234567", "EA1234567", "ordinary"),
        ("护照G12345678", "G12345678", "ordinary"),
        ("外交护照D1234567", "D1234567", "diplomatic"),
        ("公务护照S12345678", "S12345678", "service"),
        ("护照Ｅ１２３４５６７８", "Ｅ１２３４５６７８", "ordinary"),
    ],
)
def test_positives(text: str, value: str, kind: str) -> None:
    hits = SCAN.scan(text)
    assert [text[h.start : h.end] for h in hits] == [value]
    assert hits[0].attrs["kind"] == kind


@pytest.mark.parametrize(
    "text",
    ["XE12345678", "E123456789", "EI1234567", "EO1234567", "E1234567X", "G1234567", "A12345678", "E12345678901"],
)
def test_near_misses(text: str) -> None:
    assert SCAN.scan(text) == []


def test_context_raises_score_above_bare_code() -> None:
    bare = SCAN.scan("型号 E12345678")[0].score
    ctx = SCAN.scan("护照 E12345678")[0].score
    assert bare < 0.5 <= ctx


@settings(max_examples=100, deadline=None)
@given(
    second=st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    digits=st.text("0123456789", min_size=8, max_size=8),
    new=st.booleans(),
)
def test_property_e_series(second: str, digits: str, new: bool) -> None:
    value = f"E{second}{digits[:7]}" if new else f"E{digits}"
    hits = SCAN.scan(f"护照：{value}，")
    assert len(hits) == 1 and hits[0].valid
