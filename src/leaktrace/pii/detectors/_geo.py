"""Province names in the forms Chinese text uses, mapped to GB/T 2260 codes.

Phone-number tables and addresses name provinces in several spellings
(`广东`, `广东省`, `广西南宁市`, `内蒙古自治区`); detectors report the one
canonical name from `leaktrace.pii.regions.PROVINCES` plus its 2-digit code,
so a mobile's province and an ID's province compare equal.
"""

from __future__ import annotations

from functools import lru_cache

from leaktrace.pii.regions import PERMIT_PREFIXES, PROVINCES

# Longest suffix first, so `新疆维吾尔自治区` loses the whole suffix.
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def short_name(full: str) -> str:
    """`广西壮族自治区` -> `广西`; names without a known suffix come back unchanged."""
    for suf in _SUFFIXES:
        if full.endswith(suf) and len(full) > len(suf) + 1:
            return full[: -len(suf)]
    return full


@lru_cache(maxsize=1)
def province_forms() -> dict[str, str]:
    """Every accepted spelling (short and full) -> 2-digit province code."""
    out: dict[str, str] = {}
    for code, full in PROVINCES.items():
        if code in PERMIT_PREFIXES and code != "81" and code != "82":
            continue  # 83 is an ID-permit prefix, not a place name
        out[full] = code
        out[short_name(full)] = code
    return out


def match_province_span(text: str) -> tuple[str, str, int] | None:
    """(code, canonical name, characters used) of the province `text` starts with."""
    forms = province_forms()
    for n in (7, 6, 5, 4, 3, 2):
        code = forms.get(text[:n])
        if code is not None:
            return code, PROVINCES[code], n
    return None


def match_province(text: str) -> tuple[str, str] | None:
    """(code, canonical name) of the province `text` starts with, else None."""
    hit = match_province_span(text)
    return None if hit is None else (hit[0], hit[1])


def split_place(desc: str) -> dict[str, str]:
    """Geocoder text (`广东省深圳市`, `广西南宁市`, `北京市`) -> province_code/province/city."""
    hit = match_province_span(desc)
    if hit is None:
        return {}
    code, name, n = hit
    # The geocoder lists merged prefectures as `南宁市、崇左`: keep the first.
    city = desc[n:].split("、")[0].removesuffix("市") or short_name(name)
    return {"province_code": code, "province": name, "city": city}


def province_alternation() -> str:
    """Trie-shaped regex of every province spelling (longest match first)."""
    from leaktrace.pii.detectors._trie import trie_regex

    return trie_regex(province_forms())


_CITY_SUFFIXES = ("市", "自治州", "地区", "盟")


@lru_cache(maxsize=1)
def city_forms() -> dict[str, str]:
    """Prefecture-level names (`深圳市`, `恩施土家族苗族自治州`) -> 2-digit province code.

    Taken from the GB/T 2260 table behind `leaktrace.pii.regions` (prefecture
    codes end in `00`), so every name the codes have carried is known.
    """
    from leaktrace.pii.regions import region_table

    out: dict[str, str] = {}
    for code, entries in region_table().items():
        if not code.endswith("00") or code.endswith("0000"):
            continue
        for entry in entries:
            name = entry.name
            if len(name) >= 3 and name.endswith(_CITY_SUFFIXES) and "辖" not in name:
                out.setdefault(name, code[:2])
    return out


def match_city_ending(text: str, end: int) -> tuple[int, str, str] | None:
    """(start, name, province code) of a prefecture name that ends at `end`, if any."""
    forms = city_forms()
    for n in range(2, 12):
        start = end - n
        if start < 0:
            break
        code = forms.get(text[start:end])
        if code is not None:
            return start, text[start:end], code
    return None
