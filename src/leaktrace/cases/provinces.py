"""China's 34 provincial units as a tile grid, with names in both report languages.

Real outlines are not available offline, so the report's map is a tile-grid
cartogram: one equal square per unit, placed to keep neighbours roughly
where they are. It shows the spread of victims honestly (no large empty
western provinces dominating the picture) and needs no shape files.

ID prefix 83 (Taiwan residents' permits) is counted on the Taiwan tile with
71; 81 and 82 have their own tiles (Hong Kong, Macau).
"""

from __future__ import annotations

# code -> (row, column, short Chinese name, full Chinese name, English name).
# Kept here rather than imported from `pii`: cases depends on core, store and graph only.
TILES: dict[str, tuple[int, int, str, str, str]] = {
    "23": (0, 7, "黑龙江", "黑龙江省", "Heilongjiang"),
    "15": (1, 4, "内蒙古", "内蒙古自治区", "Inner Mongolia"),
    "11": (1, 5, "北京", "北京市", "Beijing"),
    "22": (1, 7, "吉林", "吉林省", "Jilin"),
    "65": (2, 0, "新疆", "新疆维吾尔自治区", "Xinjiang"),
    "62": (2, 2, "甘肃", "甘肃省", "Gansu"),
    "64": (2, 3, "宁夏", "宁夏回族自治区", "Ningxia"),
    "14": (2, 4, "山西", "山西省", "Shanxi"),
    "13": (2, 5, "河北", "河北省", "Hebei"),
    "12": (2, 6, "天津", "天津市", "Tianjin"),
    "21": (2, 7, "辽宁", "辽宁省", "Liaoning"),
    "63": (3, 1, "青海", "青海省", "Qinghai"),
    "61": (3, 3, "陕西", "陕西省", "Shaanxi"),
    "41": (3, 4, "河南", "河南省", "Henan"),
    "37": (3, 5, "山东", "山东省", "Shandong"),
    "54": (4, 0, "西藏", "西藏自治区", "Tibet"),
    "51": (4, 2, "四川", "四川省", "Sichuan"),
    "50": (4, 3, "重庆", "重庆市", "Chongqing"),
    "42": (4, 4, "湖北", "湖北省", "Hubei"),
    "34": (4, 5, "安徽", "安徽省", "Anhui"),
    "32": (4, 6, "江苏", "江苏省", "Jiangsu"),
    "52": (5, 2, "贵州", "贵州省", "Guizhou"),
    "43": (5, 3, "湖南", "湖南省", "Hunan"),
    "36": (5, 4, "江西", "江西省", "Jiangxi"),
    "33": (5, 5, "浙江", "浙江省", "Zhejiang"),
    "31": (5, 6, "上海", "上海市", "Shanghai"),
    "53": (6, 1, "云南", "云南省", "Yunnan"),
    "45": (6, 2, "广西", "广西壮族自治区", "Guangxi"),
    "44": (6, 3, "广东", "广东省", "Guangdong"),
    "35": (6, 4, "福建", "福建省", "Fujian"),
    "71": (6, 6, "台湾", "台湾省", "Taiwan"),
    "46": (7, 2, "海南", "海南省", "Hainan"),
    "82": (7, 3, "澳门", "澳门特别行政区", "Macau"),
    "81": (7, 4, "香港", "香港特别行政区", "Hong Kong"),
}
MERGED = {"83": "71"}


def tile_code(code: str) -> str:
    return MERGED.get(code, code)


def name(code: str, lang: str, *, short: bool = False) -> str:
    """A province's name in the report language; unknown codes come back as the code."""
    code = tile_code(code)
    tile = TILES.get(code)
    if tile is None:
        return code
    if lang == "en":
        return tile[4]
    return tile[2] if short else tile[3]


def code_of(name: str) -> str | None:
    """The 2-digit code of a province named in Chinese (full or short) or English; None if unknown."""
    text = name.strip()
    for code, (_r, _c, short, full, english) in TILES.items():
        if text in (short, full) or text.lower() == english.lower():
            return code
    return None


def fold(counts: dict[str, int]) -> dict[str, int]:
    """Counts per tile (83 folded into 71), unknown codes kept under their own code."""
    out: dict[str, int] = {}
    for code, n in counts.items():
        key = tile_code(code)
        out[key] = out.get(key, 0) + n
    return out
