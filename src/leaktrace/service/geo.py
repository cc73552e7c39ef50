"""The China province outlines the console's maps draw (web/static/geo/china-provinces.json), read once.

One file serves every map (group pages, dump pages): Natural Earth admin-1,
public domain, simplified (its LICENSE and scripts/make_china_provinces.py
say how). Features are named as the graph and dump reports name provinces
(`广东省`); `province_name` folds the short forms sellers write (`广东`).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

GEO_PACKAGE = "leaktrace.web"
GEO_FILE = ("static", "geo", "china-provinces.json")
MAP_NAME = "china-provinces"
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


@lru_cache(maxsize=1)
def china_provinces() -> dict[str, Any]:
    """The GeoJSON FeatureCollection (34 provincial divisions; properties name, name_en, code, iso)."""
    path = resources.files(GEO_PACKAGE).joinpath(*GEO_FILE)
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    out: dict[str, str] = {}
    for f in china_provinces()["features"]:
        p = f["properties"]
        for alias in (p["name"], _short(p["name"]), p["name_en"].lower(), p["code"], p["iso"].lower()):
            out[alias] = p["name"]
    out["内蒙古"] = "内蒙古自治区"
    return out


def province_name(text: str) -> str | None:
    """The map's name of a province written as its full or short name, English name, GB/T 2260 or ISO code."""
    t = (text or "").strip()
    return _names().get(t) or _names().get(_short(t)) or _names().get(t.lower())
