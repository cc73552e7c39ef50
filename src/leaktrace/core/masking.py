"""Masked forms: what a person may see of a PII value outside encrypted evidence.

At most the first two and last two characters stay visible, and fewer for
short values, so a masked form never narrows a value down to a handful of
candidates (a 4-digit remainder of an 11-digit mobile is still 10^7 numbers).
"""

from __future__ import annotations

MASK_CHAR = "*"


def visible_edges(length: int) -> int:
    """How many characters stay visible at each end for a value of `length`."""
    if length >= 10:
        return 2
    if length >= 6:
        return 1
    return 0


def mask(value: str) -> str:
    """`11010519491231002X` -> `11**************2X`, the same rule for every type."""
    n = len(value)
    k = visible_edges(n)
    if k == 0:
        return MASK_CHAR * n
    return value[:k] + MASK_CHAR * (n - 2 * k) + value[-k:]
