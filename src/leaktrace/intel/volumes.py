"""Claimed record counts, in every form sellers write them.

`9亿条`, `1500w`, `2.3kw`, `21.2万条`, `100套`, `900M`, `1.2 billion`,
`三千万`, `上百万`: a number becomes a count only when a multiplier (万, w,
kw, 亿, k, M, million …) or a unit (条, 套, 份, 行, records, rows …)
says so, which keeps years, dates, order numbers, QQ and phone numbers out.
Money is the other trap (`50万元`, `存款100万`, `500U`, `0.001BTC=1万条`):
a currency right after, a money word right before, or a per-unit `=`/`每`
before the number drops it, and so do minimum orders (`100条起`) and
sizes (`900MB`). Vague quantities (`数十万`, `几千`, `十几万`) are not
counts. When a post names several, the offer is the largest
(`14亿明文密码40亿数据库` -> 4e9); conventions follow the labelling guide of
the evaluation set (w/万 = 1e4, kw/千万 = 1e7, k = 1e3, M = 1e6, 上万 = 1e4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MULTIPLIERS: dict[str, float] = {
    "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2,
    "kw": 1e7, "w": 1e4, "k": 1e3, "m": 1e6, "million": 1e6, "mil": 1e6, "mln": 1e6,
    "billion": 1e9, "bn": 1e9, "b": 1e9,
}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_UNIT = (
    r"(?P<unit>条|套|份|组|行|家|人|户|张|个|位|名(?!单|字|称|额)|"
    r"(?:records?|rows?|lines?|entries|accounts?|users?|profiles?|leads|emails|numbers|pcs|ids|cvvs?|dumps|fullz|scans|logs)"
    r"(?![A-Za-z]))"
)
_ASCII_MULT = r"kw|KW|Kw|w|W|k|K|M|m|million|mil|mln|billion|bn|B"
# A multiplier letter that runs on into an identifier is no count: a wallet or key is a
# long letters-and-digits token with a digit or a lower-to-upper case change in it
# (`1wCkoXyz…` is no 10,000). A brand glued after the multiplier stays a count
# (`490wGMAIL`, `300wFACEBOOK`, `100wLinkedIn`), and an ASCII multiplier followed by a
# digit is a key's hex (`PGP: 4B21 C1A0` is no 4 billion) or a site name (`7k7k`).
_NO_ID = r"(?!(?=[0-9A-Za-z]{12})[0-9A-Za-z]*?(?:[0-9]|[a-z][A-Z]))"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?![0-9])|\d+(?:\.\d+)?)"
_CN_NUM_CHARS = "一二两三四五六七八九十百千"
_BIG_MULTS = frozenset({"千万", "百万", "十万", "万", "亿", "kw", "KW", "Kw", "w", "W"})
# The look-behind keeps digits inside words (wallets, handles) from matching at all, which
# is most of the cost on real posts; numbers glued to a word before a big multiplier
# (`csdn600w`, `QQ1亿`) are found by `_GLUED` instead.
VOLUME_RE = re.compile(
    r"(?<![0-9A-Za-z.$¥￥])(?:" + _NUM + r"|(?P<cn>[" + _CN_NUM_CHARS + r"]+)|(?P<pre>上|过|破|超))"
    + r"(?:\s?(?P<mult>千万|百万|十万|万|亿|千|百|(?:kw|KW|Kw|w|W)(?![a-z])" + _NO_ID + r"|(?:" + _ASCII_MULT + r")(?![A-Za-z0-9])|"
    + r" (?:million|billion|mil|mln|bn)(?![A-Za-z])))?"
    + r"(?P<frac>(?<=[wW万])[1-9](?![0-9]))?"
    + r"(?P<plus>\s?(?:多|余|\+))?"
    + r"(?:\s?" + _UNIT + r")?"
)
# Second passes, run only when the text has a big multiplier at all: a number glued to a word
# before it (`csdn600w`, `QQ1亿`), and a `多/余/+` between number and multiplier (`6000多万`).
# Found from the multiplier backwards: a regex starting at digits would try every digit
# inside every wallet address.
_BIG_MULT_RE = re.compile(r"[0-9多余+]\s?(?P<m>千万|百万|十万|万|亿|(?:[kK][wW]|[wW])(?![a-z])" + _NO_ID + r")")
_GLUED_BACK = re.compile(r"(\d{1,6}(?:\.\d+)?)\s?(多|余|\+)?\s?\Z")
_ASCII_LETTER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _free_start(text: str, m: re.Match[str]) -> bool:
    """A number may not continue a word or a number (`mp3`, `x100`, `1,000`), except before a
    big multiplier (`csdn600w`, `QQ1亿`): that multiplier alone makes it a count."""
    s = m.start()
    if s == 0:
        return True
    c = text[s - 1]
    if m.group("num"):
        if c in "0123456789.$¥￥":
            return False
        if c == "," and s >= 2 and text[s - 2].isdigit():
            return False
        if c in _ASCII_LETTER:
            return (m.group("mult") or "").strip() in _BIG_MULTS
        return True
    if m.group("cn"):
        return c not in _CN_NUM_CHARS
    return True


_AFTER_MONEY = re.compile(
    r"\s?(?:元|块|毛|角|rmb|cny|usdt?|u(?![a-z])|美元|美金|刀|btc|xmr|eth|trx|ltc|\$|¥|￥|"
    r"年|月|日|天|小时|分钟|秒|周岁|岁|g(?![a-z])|gb|mb|kb|tb|t(?![a-z])|%|起|倍|度|米|公里|斤|克)",
    re.IGNORECASE,
)
_BEFORE_MONEY = re.compile(
    r"(?:存款|余额|充值|资金|流水|额度|收入|价格|售价|单价|报价|金额|贷款|借款|欠款|消费|赚|佣金|工资|月入|日入|"
    r"年入|投资|保证金|押金|价值|总价|价|¥|￥|\$|usdt?|rmb|price|第|每|=|/|:\s?\d{1,2}:?)\s{0,2}\Z",
    re.IGNORECASE,
)
_VAGUE_BEFORE = ("数", "几", "若干", "好", "x", "X")
_SITE_AFTER = re.compile(r"(?:老|新|大)?(?:库|站|网站|小区|群|平台|城市|省|地区|行业|类|国家|app|APP)")


_PERSONS_BEFORE = re.compile(r"(?:客户|用户|会员|玩家|人员|学生|家长|车主|业主|股民|账户|账号)\s?\Z")
# Per-day volumes (`日量2000+`, `每天2000-5000`): the labelling convention keeps the largest number.
_DAILY = re.compile(r"(?:日量|每天|每日|日出|日产|日均|一天)\s?(?:\d+\s?[-~到至]\s?)?(\d{2,9})(?![0-9.])\s?(?:\+|多)?(?!\s?(?:元|块|u|U|刀|\$|rmb|单))")


@dataclass(frozen=True)
class VolumeClaim:
    """One claimed count and where it was written."""

    value: int
    start: int
    end: int
    text: str


def cn_numeral(s: str) -> int | None:
    """`三千二百` -> 3200, `十` -> 10; None when it is not a well-formed numeral."""
    total = cur = 0
    for ch in s:
        if ch in _CN_DIGITS:
            cur = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (cur or 1) * _CN_UNITS[ch]
            cur = 0
        else:
            return None
    return total + cur


def _value(m: re.Match[str]) -> float | None:
    mult_s = m.group("mult")
    mult = 1.0
    if mult_s:
        key = mult_s.strip()
        mult = MULTIPLIERS.get(key, MULTIPLIERS.get(key.lower(), 0.0))
        if key == "m" and not (m.group("unit") or m.group("plus")):
            return None  # `5m` alone is minutes or metres more often than millions
    num = m.group("num")
    if num:
        digits = num.replace(",", "")
        if not mult_s and len(digits.split(".")[0]) > 10:
            return None  # phone and order numbers
        if m.group("frac") and "." not in digits:
            digits += "." + m.group("frac")  # `2W6` = 2.6万
        return float(digits) * mult
    if m.group("cn"):
        base = cn_numeral(m.group("cn"))
        if base is None:
            return None
        return base * mult
    if m.group("pre") and mult_s and mult_s in ("千万", "百万", "十万", "万", "亿", "千"):
        return mult  # 上万, 上百万, 破亿
    return None


def find_volumes(text: str) -> list[VolumeClaim]:
    """Every claimed count in cleaned text, in order."""
    out: list[VolumeClaim] = []
    for m in VOLUME_RE.finditer(text):
        if not (m.group("mult") or m.group("unit")) or not _free_start(text, m):
            continue
        if m.group("pre") and not m.group("mult"):
            continue
        unit = m.group("unit")
        if unit == "个" and not m.group("mult") and not _PERSONS_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            continue  # `37个老库`, `90个小区`: counts of things; `客户1242个` counts people
        start, end = m.start(), m.end()
        if text.startswith(("起", "以内"), end):
            continue  # a minimum order (`100条起售`) or a ceiling, not the offer
        if _AFTER_MONEY.match(text, end) and not unit:
            continue
        if unit and _SITE_AFTER.match(text, end) and unit in ("个", "家"):
            continue
        before = text[max(0, start - 8) : start]
        if _BEFORE_MONEY.search(before):
            continue
        vague_mult = m.group("cn") or m.group("mult") in ("万", "十万", "百万", "千", "亿")
        if (before.endswith(_VAGUE_BEFORE) and vague_mult
                and (not m.group("num") or before.endswith(("x", "X")))):
            continue
        value = _value(m)
        if value is None or value < 1:
            continue
        if m.group("cn") and value < 10:
            continue  # 一条龙, 一组
        out.append(VolumeClaim(round(value), start, end, m.group()))
    for mm in _BIG_MULT_RE.finditer(text):
        p = mm.start("m")
        g = _GLUED_BACK.search(text, max(0, p - 14), p)
        if g is None:
            continue
        s = g.start()
        glued = s > 0 and text[s - 1] in _ASCII_LETTER
        if not (glued or g.group(2)) or (s > 0 and text[s - 1] in "0123456789.$¥￥"):
            continue
        if _AFTER_MONEY.match(text, mm.end()) or _BEFORE_MONEY.search(text[max(0, s - 8):s]):
            continue
        if not any(v.start <= s < v.end for v in out):
            out.append(VolumeClaim(round(float(g.group(1)) * MULTIPLIERS[mm.group("m").lower()]), s, mm.end(),
                                   text[s:mm.end()]))
    for m in _DAILY.finditer(text):
        if not any(v.start <= m.start(1) < v.end for v in out):
            out.append(VolumeClaim(int(m.group(1)), m.start(1), m.end(), m.group()))
    return out


def claimed_records(text: str) -> int | None:
    """The largest claimed count, or None when the post states none."""
    vols = find_volumes(text)
    return max(v.value for v in vols) if vols else None
