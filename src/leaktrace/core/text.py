"""Character-level clean-up shared by every stage.

Full-width digits and letters (１３８, ｘ) are common in Chinese text and in
evasion; folding them with a translation table keeps offsets stable (one
character in, one character out), which NFKC on the whole text would not.
"""

from __future__ import annotations

import re

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
FULLWIDTH_TO_ASCII: dict[int, int] = _FULLWIDTH


def fold_width(text: str) -> str:
    """Map full-width ASCII forms to ASCII, one character for one character."""
    if text.isascii():
        return text
    return text.translate(FULLWIDTH_TO_ASCII)


_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def digits_only(text: str) -> str:
    """Keep ASCII digits only, after folding full-width digits."""
    return _NOT_ASCII_DIGIT.sub("", fold_width(text))
