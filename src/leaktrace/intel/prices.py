"""Prices and their currency, as sellers write them.

`0.05 BTC`, `500U` (USDT), `$120`, `1.5k USDT`, `3元/条`, `7毛`, `每条0.5元`,
`2万元`: an amount counts as a price only with a currency next to it, and a
`/条` or `每条` beside it makes it a per-unit price (kept in `per`).
Balances and deposits (`余额1000元`, `存款100万`) are money in the data, not
the price of it, and are skipped. Currencies come back as codes (USDT, BTC,
XMR, ETH, TRX, LTC, USD, CNY); `¥` is read as CNY on these markets.
"""

from __future__ import annotations

import re

from leaktrace.core.intel_types import Price

_MULT = {"万": 1e4, "w": 1e4, "千": 1e3, "k": 1e3, "": 1.0}
_CURRENCY = {
    "usdt": "USDT", "u": "USDT", "btc": "BTC", "xmr": "XMR", "eth": "ETH", "trx": "TRX", "ltc": "LTC",
    "usd": "USD", "$": "USD", "us$": "USD", "美元": "USD", "美金": "USD", "刀": "USD", "dollar": "USD",
    "dollars": "USD", "bucks": "USD", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "¥": "CNY",
    "毛": "CNY", "角": "CNY", "人民币": "CNY",
}
_TENTHS = ("毛", "角")
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?![0-9])|\d+(?:\.\d+)?)\s?(?P<mult>万|千|[wWkK](?![A-Za-z]))?"
_PER = (
    r"(?:\s?(?:/|一|=)\s?(?P<per>(?:\d+|[一两三四五六七八九十百千])?(?:万|千|百|k|w)?\s?"
    r"(?:条|套|份|组|个|张|人|次|月|天|年|周|records?|rows?|lines?|accounts?|pcs)))?"
)
# The atomic group stops `re` re-trying every shorter digit run inside long numbers.
PRICE_SUFFIX = re.compile(
    r"(?<![0-9A-Za-z.])(?>" + _NUM + ")"
    + r"\s?(?P<cur>usdt|usd|btc|xmr|eth|trx|ltc|rmb|cny|u(?![A-Za-z])|元|块(?!钱?\d)|毛|角|美元|美金|刀|人民币|\$|dollars?|bucks)"
    + r"(?![A-Za-z])" + _PER,
    re.IGNORECASE,
)
PRICE_PREFIX = re.compile(
    r"(?P<cur>us\$|\$|¥|usdt|usd|rmb|cny|btc|xmr|eth|trx|ltc)\s?[:：]?\s?" + _NUM + r"(?![0-9])" + _PER, re.IGNORECASE
)
_PREFIX_HINTS = ("$", "¥", "usd", "rmb", "cny", "btc", "xmr", "eth", "trx", "ltc")
_PER_BEFORE = re.compile(r"每\s?(?P<per>(?:条|套|份|组|个|张|人|次))\s?\Z")
_NOT_PRICE_BEFORE = re.compile(r"(?:存款|余额|充值|额度|贷款|借款|流水|欠款|资金|收入|工资|月入|日入|年入)\s{0,2}\Z")


def _price(m: re.Match[str], text: str) -> Price | None:
    before = text[max(0, m.start() - 6) : m.start()]
    if _NOT_PRICE_BEFORE.search(before):
        return None
    cur_raw = m.group("cur").lower()
    currency = _CURRENCY.get(cur_raw)
    if currency is None:
        return None
    amount = float(m.group("num").replace(",", "")) * _MULT[(m.group("mult") or "").lower()]
    if cur_raw in _TENTHS:
        amount /= 10
    if amount <= 0:
        return None
    per = m.group("per")
    if per is None:
        pb = _PER_BEFORE.search(before)
        per = pb.group("per") if pb else None
    return Price(amount=round(amount, 8), currency=currency, per=per.strip() if per else None,
                 start=m.start(), end=m.end())


def find_prices(text: str) -> list[Price]:
    """Every stated price in cleaned text, in order of appearance."""
    found: list[Price] = []
    taken = bytearray(len(text) + 1)  # positions inside a price found already: linear on huge posts
    low = text.lower()
    prefixed = any(h in low for h in _PREFIX_HINTS)
    for pat in (PRICE_SUFFIX, PRICE_PREFIX) if prefixed else (PRICE_SUFFIX,):
        for m in pat.finditer(text):
            if any(taken[m.start():m.end()]):
                continue
            p = _price(m, text)
            if p is not None:
                found.append(p)
                taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    found.sort(key=lambda p: p.start)
    return found
