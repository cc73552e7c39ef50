"""Mainland passport numbers (ordinary, diplomatic, service, public affairs).

Letter series: ordinary e-passports `E` + 8 digits and, since the E-series
ran out, `E` + a letter (no I/O) + 7 digits (`EA1234567`); older ordinary
`G` + 8 digits; diplomatic `D`, service `S`, public-affairs `P` + 7 digits
(issued also with 8). Such shapes also occur as product and part codes, so a
hit without 护照/passport near it scores low.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict

PATTERN = re.compile(r"[EGDSP][A-HJ-NP-Z]?[0-9]{7,8}(?![0-9A-Za-z])")

_SERIES = {
    "E": "ordinary",
    "G": "ordinary",
    "D": "diplomatic",
    "S": "service",
    "P": "public_affairs",
}


def passport_series(value: str) -> str | None:
    """The passport kind whose series rule `value` (upper-case, no spaces) fits."""
    if len(value) != 9:
        return None
    head, second = value[0], value[1]
    if second.isdigit():
        if not value[1:].isdigit():
            return None
        return _SERIES.get(head)
    # Letter-digit series exist only for E (EA..., EB..., ...).
    return "ordinary" if head == "E" and value[2:].isdigit() else None


class CnPassportDetector(Detector):
    type = "cn_passport"
    # Every match contains this character: a scanner may search only near them.
    anchor: ClassVar[str | None] = "digits4"  # four digits in a row in every match
    pattern = PATTERN
    max_len = 9
    context = ("护照", "passport", "证件", "travel document")
    context_boost = 0.4
    priority = 35

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        for m in PATTERN.finditer(text, pos, end):
            s = m.start()
            if s and text[s - 1].isascii() and text[s - 1].isalnum():
                continue
            yield s, m.end(), m.group()

    def validate(self, value: str) -> Verdict | None:
        v = normalize(self.type, value)
        if len(v) == 8 and v[0] in "DSP" and v[1:].isdigit():
            return Verdict(True, 0.35, {"kind": _SERIES[v[0]]}, v)
        kind = passport_series(v)
        if kind is None:
            return None
        return Verdict(True, 0.4, {"kind": kind}, v)
