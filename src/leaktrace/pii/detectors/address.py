"""Mainland postal addresses: province → city → district → street → number.

Three ways in: a province name (full or short, from
`leaktrace.pii.regions.PROVINCES`) that starts an address; a prefecture-level
city name from the same GB/T 2260 table (found from the literal `市`, the
cheapest thing to search for, and checked backwards); or an address label
(地址/收货地址/住址/address:).
The run of address characters after it must name an administrative unit
(市/区/县/镇/…) and a street-level part (路/街/道/巷/村/号…), and is cut after
its last building-level token (号/室/栋/单元/…) so a name or phone glued on
behind it is left out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from itertools import chain as _chain

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict
from leaktrace.pii.detectors._geo import (
    match_city_ending,
    match_province_span,
    province_alternation,
)
from leaktrace.pii.detectors._literal import finditer_at
from leaktrace.pii.detectors._trie import trie_regex
from leaktrace.pii.regions import PROVINCES

_BODY = r"[\u4e00-\u9fff0-9A-Za-z#\-()（）]{4,80}"
_BY_PROVINCE = re.compile(province_alternation() + _BODY)
LABELS = ("收货地址", "收件地址", "详细地址", "家庭住址", "联系地址", "通讯地址", "地址", "住址", "address")
_BY_LABEL = re.compile(trie_regex(LABELS[:-1]) + r"[ \t:：=]{0,3}(" + _BODY + ")")
# Every Chinese label ends in 地址 or 住址: `_cn_labelled` finds the labels
# from their last character, which `str.find` jumps to, and reads the body
# after it with this.
_AFTER_LABEL = re.compile(r"[ \t:：=]{0,3}(" + _BODY + ")")
# English label: anchored on its literal tail, which `re` finds fastest.
_EN_TAILS = ("ddress", "DDRESS")
_BY_EN_LABEL = re.compile(r"(?:ddress|DDRESS)[ \t]*[:：=][ \t]*(" + _BODY + ")")
_BY_CITY = re.compile("市" + _BODY)
_ADMIN = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:市|区|县|旗|州|盟|镇|乡)")
_STREET = re.compile(r"(?:路|街|道|巷|弄|胡同|村|里|大厦|广场|小区|花园|苑|号)")
# The address ends after its last building-level part.
_END = re.compile(r"(?:[0-9A-Za-z\-]+(?:号楼|号院|号|室|栋|幢|单元|层|楼|座|户)|村|组|小区|花园|大厦|苑)")
_MIN_LEN = 8


def cut_address(run: str, labelled: bool = False) -> str | None:
    """The address prefix of a run of address characters, or None if it is not one.

    After an address label a street and number suffice (`地址：中山路12号`);
    unlabelled runs must also name an administrative unit.
    """
    end = 0
    for m in _END.finditer(run):
        end = m.end()
    if end == 0:
        return None
    addr = run[:end]
    if _STREET.search(addr) is None:
        return None
    if not labelled and (len(addr) < _MIN_LEN or _ADMIN.search(addr) is None):
        return None
    return addr


def _cn_labelled(text: str, pos: int, end: int) -> Iterator[re.Match[str]]:
    """The matches of `_BY_LABEL.finditer(text, pos, end)` (group 1 is the body), found from each 址.

    A label ends at a 址 right after 地 or 住, and its shortest form (地址,
    住址) must start at or after `pos` or after the previous match, as in
    `finditer`; a longer label (收货地址) ending at the same 址 gives the
    same body.
    """
    s = text.find("址", pos + 1, end)
    while s != -1:
        m = _AFTER_LABEL.match(text, s + 1, end) if text[s - 1] in "地住" else None
        if m is not None:
            yield m
            s = text.find("址", m.end() + 1, end)
        else:
            s = text.find("址", s + 1, end)


def _en_labelled(text: str, pos: int, end: int) -> Iterator[re.Match[str]]:
    for m in finditer_at(_BY_EN_LABEL, _EN_TAILS, text, pos, end):
        if m.start() and text[m.start() - 1] in "Aa":
            yield m


class _Spans:
    """Spans already reported by an earlier route, so one address is yielded once."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def covers(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos)
        return i > 0 and self.ends[i - 1] > pos


class AddressDetector(Detector):
    type = "address"
    pattern = _BY_PROVINCE
    max_len = 100
    context = (*tuple(label.lower() for label in LABELS), "寄", "收货", "住")
    priority = 55

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        taken = _Spans()
        for m in _chain(_cn_labelled(text, pos, end), _en_labelled(text, pos, end)):
            addr = cut_address(m.group(1), labelled=True)
            if addr is not None:
                s = m.start(1)
                taken.add(s, s + len(addr))
                yield s, s + len(addr), addr
        for m in _BY_PROVINCE.finditer(text, pos, end):
            s = m.start()
            addr = cut_address(m.group())
            if addr is not None and not taken.covers(s):
                taken.add(s, s + len(addr))
                yield s, s + len(addr), addr
        for m in _BY_CITY.finditer(text, pos, end):
            city = match_city_ending(text, m.start() + 1)
            if city is None or taken.covers(city[0]):
                continue
            s = city[0]
            addr = cut_address(text[s : m.end()])
            if addr is not None:
                taken.add(s, s + len(addr))
                yield s, s + len(addr), addr

    def validate(self, value: str) -> Verdict | None:
        attrs: dict[str, str] = {}
        hit = match_province_span(value)
        rest = value
        if hit is not None:
            attrs["province_code"], attrs["province"] = hit[0], hit[1]
            rest = value[hit[2] :]
        city = _leading_city(rest)
        if city is not None:
            name, code = city
            attrs["city"] = name
            if hit is None and code in PROVINCES:
                attrs["province_code"], attrs["province"] = code, PROVINCES[code]
        score = 0.7 if attrs else 0.55
        return Verdict(True, score, attrs, normalize(self.type, value))


def _leading_city(text: str) -> tuple[str, str] | None:
    """(prefecture name, province code) that `text` starts with, if any."""
    i = text.find("市", 0, 12)
    if i == -1:
        return None
    found = match_city_ending(text, i + 1)
    return None if found is None or found[0] != 0 else (found[1], found[2])
