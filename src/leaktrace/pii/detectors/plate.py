"""Mainland vehicle registration plates, ordinary and new-energy.

A province abbreviation, the issuing-office letter, then five characters
(ordinary: letters and digits, never I or O), six for new-energy plates
(`D`/`F` first for small cars, last for large ones), or four plus a use
character (警 police, 学 driving school, 挂 trailer, 领 consulate, 港/澳
cross-border). A separator dot after the office letter is common
(`粤B·D12345`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict

PROVINCE_ABBR = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ABBR_PROVINCE = dict(
    zip(
        PROVINCE_ABBR,
        (
            "北京市", "天津市", "上海市", "重庆市", "河北省", "河南省", "云南省", "辽宁省",
            "黑龙江省", "湖南省", "安徽省", "山东省", "新疆维吾尔自治区", "江苏省", "浙江省",
            "江西省", "湖北省", "广西壮族自治区", "甘肃省", "山西省", "内蒙古自治区", "陕西省",
            "吉林省", "福建省", "贵州省", "广东省", "青海省", "西藏自治区", "四川省",
            "宁夏回族自治区", "海南省",
        ),
        strict=True,
    )
)
_USE = {"警": "police", "学": "driving_school", "挂": "trailer", "领": "consulate", "港": "hong_kong", "澳": "macau"}
_L = "A-HJ-NP-Z"
PATTERN = re.compile(
    rf"[{PROVINCE_ABBR}][{_L}][·・.\- ]?(?:[{_L}0-9]{{5,6}}|[{_L}0-9]{{4}}[警学挂领港澳])(?![A-Za-z0-9])"
)
_NEW_ENERGY = re.compile(rf"(?:[DF][{_L}0-9][0-9]{{4}}|[0-9]{{5}}[DF])")
_ORDINARY = re.compile(rf"[{_L}0-9]{{5}}")


def plate_kind(body: str) -> str | None:
    """Kind of plate from the characters after the office letter, else None."""
    if len(body) == 6:
        return "new_energy" if _NEW_ENERGY.fullmatch(body) else None
    if len(body) == 5:
        if body[-1] in _USE:
            head = body[:4]
            return _USE[body[-1]] if head.isalnum() and any(c.isdigit() for c in head) else None
        # Ordinary plates hold at most three letters; all-letter bodies are words.
        if _ORDINARY.fullmatch(body) and sum(ch.isalpha() for ch in body) <= 3:
            return "ordinary"
    return None


class PlateDetector(Detector):
    type = "plate"
    # Every match contains this character: a scanner may search only near them.
    anchor: ClassVar[str | None] = "digit"
    pattern = PATTERN
    max_len = 10
    context = ("车牌", "牌照", "车辆", "plate", "车主", "号牌")
    priority = 40

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        for m in PATTERN.finditer(text, pos, end):
            yield m.start(), m.end(), m.group()

    def validate(self, value: str) -> Verdict | None:
        v = normalize(self.type, value)
        kind = plate_kind(v[2:])
        if kind is None:
            return None
        attrs = {"kind": kind, "province": _ABBR_PROVINCE[v[0]]}
        return Verdict(True, 0.6, attrs, v)
