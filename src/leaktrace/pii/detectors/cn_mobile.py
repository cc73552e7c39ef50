"""Mainland mobile numbers, with operator, province and city.

The candidate regex starts on the literal `1` (Python's `re` then searches
with a fast literal scan); the optional `+86`/`0086`/`86` country prefix is
picked up by looking backwards from each candidate, which keeps the pattern
cheap. Segments come from `data/cn_mobile_segments.tsv`, the one place the
rule lives. Attributes: the `phone` package's 7-digit table first (it knows
the province for ~99.7% of prefixes, where phonenumbers' geocoder answers
only "中国" for many 16x/17x/19x ones and is coarse for 173), phonenumbers'
geocoder as the fallback; the operator from phonenumbers' carrier data, then
the segment table, then `phone`. Lookups are cached per 7-digit prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import Any, ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict
from leaktrace.pii.detectors._geo import match_province, split_place

# 11 digits, groups 3-4-4 separated by nothing, a space or a dash.
PATTERN = re.compile(r"1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
_PREFIX = re.compile(r"(?:\+86|0086|86)[ -]?\Z")


@lru_cache(maxsize=1)
def mobile_segments() -> dict[str, str]:
    """3-digit segment -> operator ('' where the segment is shared, e.g. 170 MVNOs)."""
    text = resources.files("leaktrace.pii.data").joinpath("cn_mobile_segments.tsv").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith("segment"):
            continue
        seg, _, carrier = line.partition("\t")
        out[seg.strip()] = carrier.strip()
    return out


def segment_regex() -> str:
    """The segment list as a regex alternation, for SQL twins (`regexp_matches`)."""
    return "^(?:" + "|".join(sorted(mobile_segments())) + r")[0-9]{8}$"


def is_valid_mobile(national: str) -> bool:
    """11 digits in an allocated segment; `national` has no country prefix."""
    return len(national) == 11 and national.isdigit() and national[:3] in mobile_segments()


_PHONE_CARRIERS = {"移动": "中国移动", "联通": "中国联通", "电信": "中国电信", "广电": "中国广电"}


@lru_cache(maxsize=1)
def _phone_db() -> Any:
    from phone import Phone

    return Phone()


def _canonical_carrier(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw.startswith("中国"):
        return raw
    for short, full in _PHONE_CARRIERS.items():
        if raw.startswith(short):
            return full
    return None


_SHARED: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}


# Every allocated 7-digit prefix fits (about 50 segments x 10,000): a text dense with
# mobiles of random prefixes must not miss the cache on most of them, each miss costing
# ~50 us (a 200 MB line took over 400 s with 65,536 entries). Entries share their
# attribute dicts, so a full cache stays near 100 MB; callers copy before changing one.
@lru_cache(maxsize=1 << 20)
def prefix_attrs(prefix7: str) -> dict[str, str]:
    """carrier / province_code / province / city for a 7-digit prefix, where known."""
    attrs = _prefix_attrs(prefix7)
    seg = prefix7[:3]
    misses = _SEGMENT_MISSES[seg] = _SEGMENT_MISSES.get(seg, 0) + 1
    if (misses == BULK_AFTER_MISSES and seg not in _SEGMENT_TABLES and seg in mobile_segments()
            and len(prefix7) == 7 and prefix7.isdigit()):
        _build_segment(seg)
    return _intern(attrs)


def _intern(attrs: dict[str, str]) -> dict[str, str]:
    return _SHARED.setdefault(tuple(sorted(attrs.items())), attrs)


# A segment whose prefixes missed the cache this often gets all 10,000 answered at
# once (`_mobile_bulk`, ~1 us a prefix against ~50 us alone): text dense with mobiles
# of random prefixes then pays ~10 ms a segment instead of ~0.5 s, and text with a
# few mobiles never pays for a table it does not need.
BULK_AFTER_MISSES = 64
_SEGMENT_MISSES: dict[str, int] = {}
# segment -> attributes of segment+0000 .. segment+9999 (shared dicts, as the cache's;
# None where only the geocoder knows the place: those go through prefix_attrs)
_SEGMENT_TABLES: dict[str, list[dict[str, str] | None]] = {}


def _build_segment(segment: str) -> None:
    from leaktrace.pii.detectors._mobile_bulk import segment_attrs

    found = segment_attrs(segment, _phone_db(), mobile_segments().get(segment) or None, _canonical_carrier)
    shared: dict[int, dict[str, str] | None] = {id(None): None}  # a few hundred distinct dicts among the 10,000
    _SEGMENT_TABLES[segment] = [
        shared[id(a)] if id(a) in shared else shared.setdefault(id(a), _intern(a))  # type: ignore[arg-type]
        for a in found
    ]


def clear_prefix_caches() -> None:
    """Forget every cached prefix and segment table (benchmarks measure a cold process with it)."""
    prefix_attrs.cache_clear()
    _SEGMENT_MISSES.clear()
    _SEGMENT_TABLES.clear()


def _prefix_attrs(prefix7: str) -> dict[str, str]:
    import phonenumbers
    from phonenumbers import carrier as pn_carrier
    from phonenumbers import geocoder

    attrs: dict[str, str] = {}
    # Built directly: equal to phonenumbers.parse(prefix7 + "0000", "CN") for an 11-digit mobile
    # (a test checks), at a fifteenth of its cost, which is half of a cold prefix lookup.
    num = phonenumbers.PhoneNumber(country_code=86, national_number=int(prefix7 + "0000"))
    car = _canonical_carrier(pn_carrier.name_for_number(num, "zh"))
    rec = _phone_db().find(prefix7)
    if car is None:
        car = mobile_segments().get(prefix7[:3]) or None
    if car is None and rec:
        car = _canonical_carrier(rec.get("phone_type"))
    if car:
        attrs["carrier"] = car
    place = None
    city = None
    if rec and rec.get("province"):
        place = match_province(rec["province"])
        city = rec.get("city") or None
    if place is None:
        geo = split_place(geocoder.description_for_number(num, "zh") or "")
        if geo:
            place = geo["province_code"], geo["province"]
            city = geo["city"]
    if place is not None:
        attrs["province_code"], attrs["province"] = place
        if city:
            attrs["city"] = city
    return attrs


class CnMobileDetector(Detector):
    type = "cn_mobile"
    # Every match contains this character: a scanner may search only near them.
    anchor: ClassVar[str | None] = "digits4"  # four digits in a row in every match
    pattern = PATTERN
    max_len = 20
    context = ("手机", "电话", "联系", "mobile", "phone", "tel", "call", "号码", "微信", "whatsapp")
    negative = ("订单", "order", "单号", "流水", "运单", "qq")
    priority = 20

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        for m in PATTERN.finditer(text, pos, end):
            start = m.start()
            if start and ("0" <= (c := text[start - 1]) <= "9" or c in " -"):
                # A country code ends in 6, right before the number or before one separator:
                # anything else skips the search (dense text: most candidates follow a space).
                if c != "6" and (c not in " -" or start < 2 or text[start - 2] != "6"):
                    if c in " -":
                        yield start, m.end(), m.group()
                    continue  # else inside a longer digit run
                pm = _PREFIX.search(text, max(0, start - 6), start)
                if pm is not None:
                    p0 = pm.start()
                    if p0 and "0" <= text[p0 - 1] <= "9":
                        continue
                    yield p0, m.end(), text[p0 : m.end()]
                    continue
                if "0" <= text[start - 1] <= "9":
                    continue  # inside a longer digit run
            yield start, m.end(), m.group()

    def validate(self, value: str) -> Verdict | None:
        # Plain 11 digits (most candidates) are already in normal form.
        plain = len(value) == 11 and value.isascii() and value.isdigit()
        national = value if plain else normalize(self.type, value)
        # is_valid_mobile, inlined: this runs once per candidate
        if not (len(national) == 11 and national.isdigit() and national[:3] in mobile_segments()):
            return None
        table = _SEGMENT_TABLES.get(national[:3]) if plain else None
        attrs = table[int(national[3:7])] if table is not None else None
        if attrs is None:
            attrs = prefix_attrs(national[:7])
        return Verdict(True, 0.8, dict(attrs), national)
