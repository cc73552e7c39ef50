"""Order, waybill and transaction numbers, only right after their label.

A bare 12-24 digit number could be anything (a card, a timestamp, an ID),
so an order id is reported only where a label (订单号/订单编号/运单号/单号/
order id/order no) stands just before it. Reporting these matters twice:
order numbers tie a dump to the shop it came from, and claiming the digits
as an order keeps them from being misread as a bank card or ID.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict
from leaktrace.pii.detectors._trie import trie_regex

CN_LABELS = ("订单号", "订单编号", "订单", "运单号", "快递单号", "物流单号", "单号", "交易号", "交易单号", "流水号")
EN_LABELS = ("order id", "order no", "order number", "order #", "tracking no", "tracking number")
_VALUE = r"[ \t:：#=]{0,3}([A-Za-z0-9][A-Za-z0-9\-]{9,39})(?![A-Za-z0-9])"
PATTERN = re.compile(trie_regex(CN_LABELS) + _VALUE)
# English labels are found by their literal tails (`rder`, `racking`), the
# fastest search `re` has (an alternation in front would disable it); the
# first letter is checked behind the match.
_ORDER_TAIL = r"[ _]?(?:[Ii][Dd]|[Nn]o\.?|[Nn]umber|NUMBER|NO\.?|#)"
_TRACKING_TAIL = r"[ _]?(?:[Nn]o\.?|[Nn]umber|NUMBER|NO\.?)"
_EN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile("rder" + _ORDER_TAIL + _VALUE), "Oo"),
    (re.compile("RDER" + _ORDER_TAIL + _VALUE), "O"),
    (re.compile("racking" + _TRACKING_TAIL + _VALUE), "Tt"),
    (re.compile("RACKING" + _TRACKING_TAIL + _VALUE), "T"),
)


def order_shape(value: str) -> str | None:
    """'numeric' or 'alnum' when `value` looks like an order number, else None."""
    compact = value.replace("-", "")
    if compact.isdigit():
        return "numeric" if 12 <= len(compact) <= 24 else None
    digits = sum(ch.isdigit() for ch in compact)
    # Alphanumeric ids are mostly digits with a letter prefix (SF1234567890123).
    if 10 <= len(compact) <= 32 and digits >= 8 and compact.isascii() and compact.isalnum():
        return "alnum"
    return None


class OrderIdDetector(Detector):
    type = "order_id"
    # Every match contains this character: a scanner may search only near them.
    anchor: ClassVar[str | None] = "digit"
    pattern = PATTERN
    max_len = 40
    context = CN_LABELS + EN_LABELS + ("order", "tracking")
    requires_context = True
    priority = 15

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        for m in PATTERN.finditer(text, pos, end):
            yield m.start(1), m.end(1), m.group(1)
        for rx, first in _EN:
            for m in rx.finditer(text, pos, end):
                s = m.start()
                # `Order`, not `border`/`disorder`.
                if s and text[s - 1] in first and not (s > 1 and text[s - 2].isalpha()):
                    yield m.start(1), m.end(1), m.group(1)

    def validate(self, value: str) -> Verdict | None:
        shape = order_shape(value)
        if shape is None:
            return None
        return Verdict(True, 0.65, {"shape": shape}, normalize(self.type, value))
