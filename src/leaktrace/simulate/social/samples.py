"""Sample rows shown in listings: always masked before they reach a page.

The gang's listings show rows of the real leak (passed in by the world
generator); other sellers show synthetic rows drawn here. Either way only
`leaktrace.core.masking.mask` forms are written, as the house rule on
personal data demands: the social files hold no complete ID, phone or name.
"""

from __future__ import annotations

import random
from functools import lru_cache

from leaktrace.core.cn_id_rule import check_char
from leaktrace.core.masking import mask
from leaktrace.pii.regions import PROVINCES, region_table

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇欣怡梓轩子涵"
_MOBILE_PREFIXES = ["134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159",
                    "182", "183", "187", "188", "130", "131", "132", "155", "156", "185", "186",
                    "133", "153", "180", "181", "189", "177", "199", "166", "198", "173"]

MAINLAND_PROVINCES = [code for code in PROVINCES if code < "70"]


@lru_cache(maxsize=1)
def _counties() -> dict[str, list[str]]:
    """Province prefix -> county codes valid across 1960-2005 (sorted, for determinism)."""
    out: dict[str, list[str]] = {}
    for code, names in region_table().items():
        if code.endswith("00") or code[:2] not in PROVINCES or code[:2] >= "70":
            continue
        if any(r.valid_in(1960) and r.valid_in(2005) for r in names):
            out.setdefault(code[:2], []).append(code)
    return {k: sorted(v) for k, v in sorted(out.items())}


def synthetic_id(rng: random.Random, province: str | None = None) -> str:
    """A checksum-valid 18-digit ID whose county code existed in its birth year."""
    counties = _counties()
    prov = province if province in counties else rng.choice(sorted(counties))
    county = rng.choice(counties[prov])
    birth = f"{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{county}{birth}{rng.randint(0, 999):03d}"
    return body + check_char(body)


def synthetic_row(rng: random.Random, province: str | None, category: str) -> dict[str, str]:
    """One fake person as a trafficker's sample shows it (before masking)."""
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))
    row = {"姓名": name, "身份证": synthetic_id(rng, province),
           "手机": rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"}
    if category in {"orders", "hotel"}:
        row["订单号"] = f"{rng.randint(10**15, 10**16 - 1)}"
    if category == "bank":
        row["卡号"] = "62" + "".join(str(rng.randint(0, 9)) for _ in range(17))
    return row


def mask_rows(rows: list[dict[str, str]]) -> list[str]:
    """Sample lines `col: masked | col: masked`, every value masked."""
    return [" | ".join(f"{col}: {mask(str(val))}" for col, val in row.items()) for row in rows]
