"""Reference tables the world draws from, built once from the project's own PII rules.

County codes come from `leaktrace.pii.regions` (valid in the birth year, so a
strict validator accepts every generated ID), mobile prefixes from the `phone`
package's 7-digit table restricted to the segments in
`leaktrace.pii.detectors.cn_mobile`, so a generated mobile's province is what
the detector will say it is. Everything is flattened into numpy arrays so a
block of a million people is a handful of fancy-index operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from leaktrace.pii.detectors._geo import match_province
from leaktrace.pii.detectors.cn_mobile import mobile_segments
from leaktrace.pii.regions import PERMIT_PREFIXES, PROVINCES, region_table

BIRTH_YEARS = range(1950, 2006)
# Provinces people are generated in: mainland only. 71 (Taiwan) has no county
# data; 81/82/83 residence permits are not issued to mainland residents.
MAINLAND = tuple(sorted(c for c in PROVINCES if c not in PERMIT_PREFIXES and c != "71"))
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})

# Day of a non-leap year -> (month, day): Feb 29 is never drawn, so every
# (year, day-of-year) pair is a real date.
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
DOY_MONTH = np.repeat(np.arange(1, 13, dtype=np.int64), _MONTH_DAYS)
DOY_DAY = np.concatenate([np.arange(1, n + 1, dtype=np.int64) for n in _MONTH_DAYS])


@dataclass(frozen=True)
class CountyYears:
    """Every (county code, birth year) pair a strict validator accepts, in fixed order."""

    code: NDArray[np.int64]  # 6-digit county code
    year: NDArray[np.int64]
    province: NDArray[np.int64]  # index into MAINLAND
    by_province: tuple[NDArray[np.int64], ...]  # pair indices per province


@lru_cache(maxsize=1)
def county_years() -> CountyYears:
    table = region_table()
    prov_index = {c: i for i, c in enumerate(MAINLAND)}
    codes: list[int] = []
    years: list[int] = []
    provs: list[int] = []
    for code in sorted(table):
        if code[4:] == "00" or code[:2] not in prov_index:
            continue  # province/prefecture-level codes are not birth places on IDs
        for y in BIRTH_YEARS:
            if any(r.valid_in(y) for r in table[code]):
                codes.append(int(code))
                years.append(y)
                provs.append(prov_index[code[:2]])
    prov_arr = np.array(provs, dtype=np.int64)
    by_prov = tuple(np.flatnonzero(prov_arr == i) for i in range(len(MAINLAND)))
    return CountyYears(np.array(codes, dtype=np.int64), np.array(years, dtype=np.int64), prov_arr, by_prov)


@dataclass(frozen=True)
class MobilePrefixes:
    """7-digit prefixes per province, flattened: prefixes[offset[p] : offset[p] + count[p]]."""

    prefixes: NDArray[np.int64]
    offset: NDArray[np.int64]
    count: NDArray[np.int64]
    cities: tuple[tuple[str, ...], ...]  # city names per province, for addresses


@lru_cache(maxsize=1)
def mobile_prefixes() -> MobilePrefixes:
    from phone import Phone
    from phone.phone import get_record_content

    db = Phone()
    rec = np.dtype([("pre", "<i4"), ("off", "<i4"), ("t", "u1")])
    arr = np.frombuffer(db.buf, dtype=rec, count=db.phone_record_count, offset=db.first_phone_record_offset)
    segments = {int(s) for s in mobile_segments()}
    keep = np.isin(arr["pre"] // 10000, np.array(sorted(segments)))
    arr = arr[keep]
    prov_index = {c: i for i, c in enumerate(MAINLAND)}
    off_to_prov: dict[int, int] = {}
    cities: list[set[str]] = [set() for _ in MAINLAND]
    for off in np.unique(arr["off"]).tolist():
        province, city = get_record_content(db.buf, off).split("|")[:2]
        m = match_province(province)
        if m is None or m[0] not in prov_index:
            continue
        off_to_prov[off] = prov_index[m[0]]
        if city and city != province:
            cities[prov_index[m[0]]].add(city)
    lookup = np.full(int(arr["off"].max()) + 1, -1, dtype=np.int64)
    for off, p in off_to_prov.items():
        lookup[off] = p
    prov = lookup[arr["off"]]
    order = np.lexsort((arr["pre"], prov))
    prov, pre = prov[order], arr["pre"][order].astype(np.int64)
    pre, prov = pre[prov >= 0], prov[prov >= 0]
    count = np.bincount(prov, minlength=len(MAINLAND)).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    if (count == 0).any():
        raise RuntimeError("phone prefix table lacks a province")  # a broken install, not user input
    city_lists = tuple(
        tuple(sorted(cs)) if cs and MAINLAND[i] not in MUNICIPALITIES else ("",) for i, cs in enumerate(cities)
    )
    return MobilePrefixes(pre, offset, count, city_lists)


def province_full_names() -> list[str]:
    return [PROVINCES[c] for c in MAINLAND]
