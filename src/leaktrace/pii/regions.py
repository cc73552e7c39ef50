"""GB/T 2260 administrative division codes, with history, for ID validation.

The table is python-stdnum's maintained `cn/loc` database (codes with the
years they were valid), read once into a dict, so lookups never raise the
`KeyError` that `stdnum.cn.ric` raises for prefecture-level codes. Gaps in it
(codes that existed but stdnum lacks) are filled from
`data/region_supplement.tsv`, whose every row names its source.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

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


@lru_cache(maxsize=1)
def region_table() -> dict[str, tuple[Region, ...]]:
    """6-digit code -> every name it has had, with validity years."""
    from stdnum import numdb

    table: dict[str, list[Region]] = {}
    db = numdb.get("cn/loc")
    for prov, prov_props, subs in _walk(db):
        for sub, props in subs:
            county = props.get("county")
            if county is None:
                continue
            code = prov + sub
            table.setdefault(code, []).extend(_parse_county(code, county, "stdnum"))
        if prov_props and prov + "0000" not in table:
            table[prov + "0000"] = [Region(prov + "0000", prov_props.get("province", ""), None, None)]
    for row in _supplement_rows():
        table.setdefault(row.code, []).append(row)
    return {k: tuple(v) for k, v in table.items()}


def _walk(db):  # type: ignore[no-untyped-def]
    """(2-digit prefix, its props, [(4-digit suffix, props)]) from stdnum's numdb tree."""
    for prov, length, props, children in _iter_nodes(db.prefixes):
        if length != 2:
            continue
        subs = [(sub, cprops) for sub, _l, cprops, _c in _iter_nodes(children)]
        yield prov, props, subs


def _iter_nodes(nodes):  # type: ignore[no-untyped-def]
    # stdnum's numdb node: (length, low, high, props, children)
    for length, low, high, props, children in nodes:
        if low == high:
            yield low, length, props, children
        else:  # ranges: expand (rare in cn/loc)
            for n in range(int(low), int(high) + 1):
                yield str(n).zfill(length), length, props, children


def _supplement_rows() -> list[Region]:
    try:
        text = resources.files("leaktrace.pii.data").joinpath("region_supplement.tsv").read_text("utf-8")
    except FileNotFoundError:
        return []
    rows = []
    for rec in csv.DictReader((ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t"):
        rows.append(
            Region(
                rec["code"],
                rec["name"],
                int(rec["start"]) if rec.get("start") else None,
                int(rec["end"]) if rec.get("end") else None,
                rec.get("source") or "supplement",
            )
        )
    return rows


def lookup(code6: str, year: int | None = None) -> Region | None:
    """The region a code names; with `year`, only a name valid that year (strict mode)."""
    entries = region_table().get(code6)
    if not entries:
        return None
    if year is None:
        return entries[-1]
    for r in entries:
        if r.valid_in(year):
            return r
    return None


def province_name(code2: str) -> str | None:
    return PROVINCES.get(code2)
