"""Mainland resident ID numbers (GB 11643): 18-digit, and 15-digit legacy.

A candidate must look like an ID (region digits, a calendar-shaped date) and
stand alone (no digits either side). Validation then checks the checksum,
that the birth date exists and is not in the future, and the region code
against the GB/T 2260 history in `leaktrace.pii.regions`: lenient mode asks
whether the code was ever valid, strict mode whether it was valid in the
birth year (for holders born before IDs existed, 1984, or holding a 81/82/83
residence permit: not abolished before their birth; see `regions`). Permits
count as valid IDs with province_code 81/82/83. Near-misses (good shape, one rule broken) are reported with
valid=false and the broken rule, since fabricated rows look exactly like that.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.normalize import normalize_cn_id
from leaktrace.pii.base import NOT_DIGIT_AFTER, Detector, Verdict
from leaktrace.pii.regions import (
    PERMIT_PREFIXES,
    RegionMode,
    lenient_region,
    lookup,
    province_name,
    region_for_id,
)

if TYPE_CHECKING:
    from leaktrace.core.settings import Settings

_DATE8 = r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_DATE6 = r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
# "No digit before" is checked after the first character, as "not two
# digits behind": a pattern that opens with a character class lets `re`
# skip non-candidate positions fast, one that opens with a lookbehind does
# not (3x slower on number-heavy text).
PATTERN = re.compile(
    r"[1-9](?<![0-9]{2})"
    + rf"(?:[0-9]{{5}}{_DATE8}[0-9]{{3}}[0-9Xx]|[0-9]{{5}}{_DATE6}[0-9]{{3}})"
    + NOT_DIGIT_AFTER
    + r"(?![A-Za-z])"
)

# After normalisation: 17 ASCII digits and a digit or X ([0-9] is ASCII-only,
# unlike str.isdigit, which accepts Arabic-Indic and superscript digits).
_SHAPE18 = re.compile(r"[0-9]{17}[0-9X]")
MIN_BIRTH_YEAR = 1880


def parse_birth_date(id18: str) -> dt.date | None:
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


@lru_cache(maxsize=1 << 16)
def _birth8(yyyymmdd: str) -> tuple[dt.date | None, str]:
    """`parse_birth_date` of an ID holding these 8 digits, and the date as YYYY-MM-DD.

    Once per distinct date (a few tens of thousands): a dense text of IDs
    otherwise parses three ints and builds a date per ID.
    """
    try:
        birth: dt.date | None = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        birth = None
    # == birth.isoformat(): the shape guarantees a 4-digit year.
    return birth, f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:8]}"


def check_cn_id(
    value: str, mode: RegionMode = "lenient", today: dt.date | None = None
) -> tuple[bool, str, dict[str, Any]]:
    """(valid, reason, attrs) for any string; reason is '' when valid.

    Rules are tried in a fixed order and the first broken one is the reason:
    'format' (not 18 characters of 17 digits + digit/X after normalisation,
    15-digit legacy numbers converted first), 'checksum', 'date' (no such
    day, before 1880, or after `today`), 'region' (see `region_for_id`).
    This is the scalar rule; `leaktrace.pii.sql.cn_id_reason_sql` is its twin.
    """
    return check_normalized(normalize_cn_id(value), mode, today)


# Birth years before this cannot be in the future (the year only grows while
# a process runs), so `date.today()` is asked only for the rest.
_YEAR_AT_IMPORT = dt.date.today().year


def check_normalized(
    v: str, mode: RegionMode = "lenient", today: dt.date | None = None
) -> tuple[bool, str, dict[str, Any]]:
    """`check_cn_id` for a value already in `normalize_cn_id` form."""
    if len(v) != 18 or _SHAPE18.fullmatch(v) is None:
        return False, "format", {}
    code2 = v[:2]
    attrs: dict[str, Any] = {"province_code": code2}
    prov = province_name(code2)
    if prov:
        attrs["province"] = prov
    birth, iso = _birth8(v[6:14])
    if birth is not None:
        attrs["birth_year"] = birth.year
        attrs["birth_date"] = iso  # detail: shown only with `scan --detail`
    attrs["gender"] = "M" if v[16] in "13579" else "F"
    if check_char(v[:17]) != v[17]:
        return False, "checksum", attrs
    if birth is None or birth.year < MIN_BIRTH_YEAR or (
        (today is not None or birth.year >= _YEAR_AT_IMPORT) and birth > (today or dt.date.today())
    ):
        return False, "date", attrs
    region = lenient_region(v[:6]) if mode == "lenient" else region_for_id(v[:6], birth.year, mode)
    if region is None:
        return False, "region", attrs
    if region.name and code2 not in PERMIT_PREFIXES:
        attrs["region"] = region.name  # detail: with the mask and birth date it rebuilds the ID
    return True, "", attrs


class CnIdDetector(Detector):
    type = "cn_id"
    # Every match is digits: the scanner runs the pattern only near digits.
    anchor: ClassVar[str | None] = "digits4"  # four digits in a row in every match
    pattern = PATTERN
    max_len = 18
    context = ("身份证", "证件", "身份", "id card", "idcard", "id no", "id number", "sfz", "公民", "号码")
    negative = ("订单", "order", "单号", "流水", "tracking", "运单", "交易号")
    priority = 10

    def __init__(self, mode: RegionMode = "lenient") -> None:
        self.mode: RegionMode = mode

    @classmethod
    def configured(cls, settings: Settings | None) -> CnIdDetector:
        return cls(settings.cn_id_region_mode if settings is not None else "lenient")

    def validate(self, value: str) -> Verdict | None:
        v = normalize_cn_id(value)
        valid, reason, attrs = check_normalized(v, self.mode)
        legacy = len(value) == 15
        if valid:
            return Verdict(True, 0.85 if legacy else 0.95, attrs, v)
        if reason == "format":
            return None
        # A near-miss is worth reporting only when the rest of the number holds:
        # a broken checksum on a real region and date is a fabricated ID; a
        # random digit run that fails two rules is just a number.
        if reason == "checksum":
            birth_ok = "birth_date" in attrs
            region_ok = lookup(v[:6]) is not None
            if legacy or not (birth_ok and region_ok):
                return None
        attrs["invalid_reason"] = reason
        return Verdict(False, 0.35, attrs, v)
