"""Masked forms show at most the first two and the last two characters, for any value.

The issue's rule (ARCHITECTURE.md's example `110101********123X` shows more
and is superseded). Short values show less: a 4-digit remainder of an
11-digit mobile is still 10^7 numbers, a 2+2 remainder of a 6-character
value would leave almost nothing hidden.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from leaktrace.core.masking import MASK_CHAR, mask, visible_edges


@given(st.text(max_size=80))
def test_at_most_two_visible_at_each_end(value: str) -> None:
    m = mask(value)
    assert len(m) == len(value)
    k = visible_edges(len(value))
    assert k <= 2
    assert 2 * k < len(value) or k == 0
    hidden = m[k : len(m) - k] if k else m
    assert set(hidden) <= {MASK_CHAR}
    assert m[:k] == value[:k] and m[len(m) - k :] == value[len(value) - k :]


def test_golden_forms() -> None:
    assert mask("11010519491231002X") == "11**************2X"
    assert mask("13800138000") == "13*******00"
    assert mask("6222021234567890128") == "62***************28"
    assert mask("E1234567") == "E******7"
    assert mask("张三") == "**"
    assert mask("") == ""
