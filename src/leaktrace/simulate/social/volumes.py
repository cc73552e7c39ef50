"""Claimed volumes and prices written the way sellers write them.

Each rendering is exact: the string a listing shows always denotes the
integer recorded in truth.json (`2.3kw` is 23,000,000, `900M` is 900,000,000),
so the intel stage's volume parser can be scored without ambiguity.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from leaktrace.core.money import USD_PER

# unit label -> multiplier; "M"/"k" are how English-language sellers write it.
UNITS: dict[str, int] = {"亿": 10**8, "kw": 10**7, "万": 10**4, "w": 10**4, "M": 10**6, "k": 10**3}


def _fmt_mantissa(value: int, unit: int) -> str | None:
    """`value / unit` with at most one decimal, or None when that is not exact."""
    if value % unit == 0:
        return str(value // unit)
    if (value * 10) % unit == 0:
        return f"{value / unit:.1f}"
    return None


def render_volume(value: int, rng: random.Random, lang: str) -> str:
    """One exact spelling of `value` records, e.g. 9亿条, 1500w, 2.3kw, 50万, 900M."""
    if lang == "en":
        choices = ["M", "k", "plain"]
    elif lang == "zh":
        choices = ["亿", "万", "w", "kw", "plain"]
    else:
        choices = ["亿", "万", "w", "kw", "M", "plain"]
    rng.shuffle(choices)
    for unit in choices:
        if unit == "plain":
            continue
        mant = _fmt_mantissa(value, UNITS[unit])
        if mant is None or mant in {"0", "0.0"} or float(mant) >= 10000:
            continue
        if unit in {"亿", "万"}:
            return f"{mant}{unit}条" if lang != "en" and rng.random() < 0.7 else f"{mant}{unit}"
        return f"{mant}{unit}"
    plain = f"{value:,}"
    return plain + (" records" if lang == "en" else "条")


def draw_volume(rng: random.Random) -> int:
    """A round claimed volume between 10 thousand and 2 billion, as sellers claim them."""
    unit = rng.choice([10**4, 10**4, 10**5, 10**6, 10**7, 10**8])
    mant = rng.choice([1, 2, 3, 5, 8, 10, 12, 15, 20, 23, 30, 50, 80, 150, 300, 500])
    return min(mant * unit, 2 * 10**9)


@dataclass(frozen=True)
class Price:
    """A price as truth records it and as the listing shows it."""

    amount: float
    currency: str  # USDT, BTC, CNY
    text: str

    def truth(self) -> dict[str, object]:
        return {"amount": self.amount, "currency": self.currency, "text": self.text}

    @property
    def usd(self) -> float:
        return self.amount * USD_PER[self.currency]


# What buyers spend on one listing across all its sales, roughly: a cheap list
# sells hundreds of times, a whole database a handful of copies.
_SALES_BUDGET_USD = 40_000.0


def draw_sold(rng: random.Random, price: Price, most: int, least: int = 0) -> int:
    """Units sold, fewer the dearer the listing."""
    cap = max(least + 2, min(most, int(_SALES_BUDGET_USD / max(price.usd, 1.0))))
    return rng.randint(least, cap)


def draw_price(rng: random.Random, lang: str, scale_hint: int) -> Price:
    """A price in USDT, BTC or 元, loosely growing with the claimed volume."""
    base = max(50, min(200_000, scale_hint // 20_000))
    usdt = int(round(base * rng.uniform(0.5, 2.0), -1)) or 50
    kind = rng.choices(["USDT", "BTC", "CNY"], weights=[6, 2, 3] if lang != "en" else [6, 3, 1])[0]
    if kind == "USDT":
        text = rng.choice([f"{usdt}U", f"{usdt} USDT", f"{usdt}u", f"USDT {usdt}"])
        return Price(float(usdt), "USDT", text)
    if kind == "BTC":
        btc = max(0.001, round(usdt / 60_000, 3))
        text = rng.choice([f"{btc} BTC", f"{btc}btc", f"BTC {btc}"])
        return Price(btc, "BTC", text)
    cny = usdt * 7
    text = rng.choice([f"{cny}元", f"￥{cny}", f"{cny} RMB", f"{cny}块"])
    return Price(float(cny), "CNY", text)
