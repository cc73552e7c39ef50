"""Mainland landlines with an area code, validated against libphonenumber.

Which area codes exist and how long their subscriber numbers are is
libphonenumber's metadata (kept current upstream), so the detector only
finds the shapes people write (`010-12345678`, `0755 1234567`,
`(021)12345678`, `+86 10 12345678`) and asks phonenumbers whether the number
is a valid CN fixed line; the geocoder names the city.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict
from leaktrace.pii.detectors._geo import split_place

# Each form starts with a literal (`0`, `(0`, `+86`) so `re` can search fast.
_SUB = r"[ -]?[1-9][0-9]{6,7}(?![0-9])"
_NATIONAL = re.compile(r"0[1-9][0-9]{1,2}" + _SUB)
_BRACKETED = re.compile(r"\(0[1-9][0-9]{1,2}\)" + _SUB)
# International form: country code, area code without trunk 0.
_AREA_INTL = r"[ -]?(?:\([1-9][0-9]{1,2}\)|[1-9][0-9]{1,2})"
_INTL = re.compile(r"\+86" + _AREA_INTL + _SUB)
_INTL00 = re.compile(r"0086" + _AREA_INTL + _SUB)


@lru_cache(maxsize=1 << 14)
def landline_attrs(national: str) -> dict[str, str] | None:
    """Attributes of a valid fixed-line number (trunk form, digits only), else None."""
    import phonenumbers
    from phonenumbers import PhoneNumberType, geocoder

    try:
        num = phonenumbers.parse(national, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    kind = phonenumbers.number_type(num)
    if kind not in (PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        return None
    return split_place(geocoder.description_for_number(num, "zh") or "")


@lru_cache(maxsize=1 << 12)
def area_attrs(national: str) -> dict[str, str] | None:
    """Place of the area code of an invalid number, when the area code itself exists.

    Tried with a subscriber part of each legal length, so `0755-1234567`
    (Shenzhen numbers have 8 digits) is recognised as a Shenzhen number of the
    wrong length rather than dropped.
    """
    import phonenumbers
    from phonenumbers import geocoder

    # 3-digit area codes are exactly 010 and 02x; every other one has 4 digits.
    area = national[:3] if national[1] in "12" else national[:4]
    for sub in ("23456789", "2345678"):
        try:
            num = phonenumbers.parse(area + sub, "CN")
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            place = split_place(geocoder.description_for_number(num, "zh") or "")
            if place:
                return place
    return None


class CnLandlineDetector(Detector):
    type = "cn_landline"
    # Every match contains this character: a scanner may search only near them.
    anchor: ClassVar[str | None] = "digits4"  # four digits in a row in every match
    pattern = _NATIONAL
    max_len = 22
    context = ("电话", "座机", "固话", "tel", "phone", "联系", "传真", "fax")
    negative = ("订单", "order", "单号", "流水", "运单")
    priority = 30

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        for rx in (_NATIONAL, _BRACKETED, _INTL, _INTL00):
            for m in rx.finditer(text, pos, end):
                s = m.start()
                if s and ("0" <= text[s - 1] <= "9" or text[s - 1] == "+"):
                    continue
                yield s, m.end(), m.group()

    def validate(self, value: str) -> Verdict | None:
        national = normalize(self.type, value)
        attrs = landline_attrs(national)
        if attrs is not None:
            return Verdict(True, 0.7, dict(attrs), national)
        place = area_attrs(national)
        if place is None:
            return None
        return Verdict(False, 0.3, {**place, "invalid_reason": "subscriber"}, national)
