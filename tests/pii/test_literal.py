"""finditer_at: hopping between literals gives exactly `re.finditer`'s matches."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from leaktrace.pii.detectors._literal import finditer_at

# Every match opens with "ab" or "ba"; matches may run into each other.
_RX = re.compile(r"(?:ab|ba)[abx]{0,3}y?")
_LITERALS = ("ab", "ba")


def _spans(matches: object) -> list[tuple[int, int]]:
    return [m.span() for m in matches]  # type: ignore[attr-defined]


@given(st.text(alphabet="abxy ", max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_same_matches_as_finditer(text: str, pos: int, end: int) -> None:
    expected = _spans(_RX.finditer(text, pos, end))
    assert _spans(finditer_at(_RX, _LITERALS, text, pos, end)) == expected


def test_no_literal_no_match() -> None:
    assert list(finditer_at(_RX, _LITERALS, "xxxx yyyy", 0, 9)) == []
