"""Word lists drawn once from Faker's zh_CN providers, then indexed with numpy.

Calling Faker per row is ~10^4 rows/s; reading its lists once and indexing
them is ~10^7. Entries that could break a delimited file (delimiters, quotes,
backslashes) are dropped here, so every writer can join fields without
quoting and the same bytes come out in every format.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

_UNSAFE = set(",\t|\"'\\\n\r;-")

# Product catalogue of the victim shop: (name, typical price in yuan).
PRODUCTS: tuple[tuple[str, int], ...] = (
    ("无线蓝牙耳机", 199), ("智能手环", 249), ("保温杯500ml", 89), ("纯棉四件套", 329),
    ("婴儿纸尿裤L码", 159), ("奶粉3段800g", 268), ("空气炸锅", 399), ("电动牙刷", 179),
    ("运动跑鞋", 459), ("羽绒服", 899), ("双肩背包", 219), ("洗发水750ml", 69),
    ("面膜礼盒", 139), ("坚果大礼包", 118), ("茶叶礼盒", 388), ("手机壳", 29),
    ("充电宝20000mAh", 149), ("机械键盘", 329), ("显示器27英寸", 1299), ("扫地机器人", 1899),
    ("电饭煲", 359), ("儿童绘本套装", 98), ("瑜伽垫", 79), ("行李箱24寸", 499),
    ("净水器滤芯", 268), ("猫粮10kg", 219), ("车载充电器", 59), ("床垫1.8m", 2399),
    ("护眼台灯", 189), ("咖啡豆1kg", 158),
)


def _safe(words: list[str]) -> list[str]:
    out = sorted({w.strip() for w in words if w.strip() and not (_UNSAFE & set(w))})
    if not out:
        raise RuntimeError("Faker word list is empty after filtering")
    return out


@dataclass(frozen=True)
class Vocab:
    surnames: list[str]
    surname_cdf: NDArray[np.float64]
    given_male: list[str]
    given_female: list[str]
    districts: list[str]
    streets: list[str]
    products: list[str]
    product_cents: NDArray[np.int64]


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    from faker.providers.address.zh_CN import Provider as Address
    from faker.providers.person.zh_CN import Provider as Person

    weights = dict(Person.last_names)
    surnames = _safe(list(weights))
    w = np.array([float(weights[s]) for s in surnames])
    cdf = np.cumsum(w) / w.sum()
    streets = _safe([c + s for c in Address.cities for s in Address.street_suffixes])
    return Vocab(
        surnames=surnames,
        surname_cdf=cdf,
        given_male=_safe(list(Person.first_names_male)),
        given_female=_safe(list(Person.first_names_female)),
        districts=_safe([d + "区" for d in Address.districts]),
        streets=streets,
        products=[p for p, _ in PRODUCTS],
        product_cents=np.array([c * 100 for _, c in PRODUCTS], dtype=np.int64),
    )
