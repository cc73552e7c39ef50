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

English titles write counts their own ways (`US fullz x50`, `10 x Desjardins`,
`7000 FULL USA CVVS`, `1 Million+`, `2.500.000+ user:pass`, `386.639 emails`):
a number with `x` on either side is a count, a number followed within a few
words by a data noun (fullz, cvv, scans, accounts, emails …) is a count,
European thousands separators (`2.500.000`) are read as such, and money,
time and size words around a number (`$5k balance`, `make 22K in a week`,
`3k per day`, `2 WEEKS`, `4K UHD`) keep it out. Years are not counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MULTIPLIERS: dict[str, float] = {
    "千万": 1e7, "百万": 1e6, "十万": 1e5, "万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2,
    "kw": 1e7, "w": 1e4, "k": 1e3, "m": 1e6, "million": 1e6, "millions": 1e6, "mil": 1e6, "mln": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}

_UNIT = (
    r"(?P<unit>条|套|份|组|行|家|人|户|张|个|位|名(?!单|字|称|额)|"
    r"(?i:records?|rows?|lines?|entries|accounts?|users?|profiles?|leads|e-?mails|numbers|pcs|ids|cvvs?|dumps|fullz|scans|logs)"
    r"(?![A-Za-z]))"
)
_ASCII_MULT = r"kw|KW|Kw|w|W|k|K|M|m|million|mil|mln|billion|bn|B"
# A multiplier letter that runs on into an identifier is no count: a wallet or key is a
# long letters-and-digits token with a digit or a lower-to-upper case change in it
# (`1wCkoXyz…` is no 10,000). A brand glued after the multiplier stays a count
# (`490wGMAIL`, `300wFACEBOOK`, `100wLinkedIn`), and an ASCII multiplier followed by a
# digit is a key's hex (`PGP: 4B21 C1A0` is no 4 billion) or a site name (`7k7k`).
_NO_ID = r"(?!(?=[0-9A-Za-z]{12})[0-9A-Za-z]*?(?:[0-9]|[a-z][A-Z]))"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+(?![0-9])|\d{1,3}(?:\.\d{3}){2,}(?![0-9])|\d+(?:\.\d+)?)"
_CN_NUM_CHARS = "零一二两三四五六七八九十百千"
_BIG_MULTS = frozenset({"千万", "百万", "十万", "万", "亿", "kw", "KW", "Kw", "w", "W"})
# The look-behind keeps digits inside words (wallets, handles) from matching at all, which
# is most of the cost on real posts; numbers glued to a word before a big multiplier
# (`csdn600w`, `QQ1亿`) are found by `_GLUED` instead.
VOLUME_RE = re.compile(
    r"(?<![0-9A-Za-z.$¥￥])(?:" + _NUM + r"|(?P<cn>[" + _CN_NUM_CHARS + r"]+)|(?P<pre>上|过|破|超))"
    + r"(?:\s?(?P<mult>千万|百万|十万|万|亿|千|百|(?:kw|KW|Kw|w|W)(?![a-z])" + _NO_ID + r"|(?:" + _ASCII_MULT + r")(?![A-Za-z0-9])|"
    + r" (?i:millions?|billions?|mil|mln|bn)(?![A-Za-z])|(?:Million|Billion|MILLION|BILLION)s?(?![A-Za-z])))?"
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


def _inside_key(text: str, start: int, end: int) -> bool:
    """The ASCII run around [start, end) is a wallet or key: 20+ letters and digits, mixed case."""
    a, b = start, end
    while a > 0 and text[a - 1].isascii() and text[a - 1].isalnum():
        a -= 1
    while b < len(text) and text[b].isascii() and text[b].isalnum():
        b += 1
    run = text[a:b]
    return len(run) >= 20 and any(c.isdigit() for c in run) and any(c.islower() for c in run) \
        and any(c.isupper() for c in run)


def _money_before(text: str, start: int) -> bool:
    """A money word or sign right before `start` (`价格 100`, `$100`, `USDT 50`), except a currency
    code that closes an earlier price (`150USDT 九千条`: the 150 was the money)."""
    lo = max(0, start - 8)
    bm = _BEFORE_MONEY.search(text, lo, start)
    if bm is None:
        return False
    b = bm.start()
    return not (text[b:b + 1].isalpha() and b > 0 and text[b - 1].isdigit())


_PERSONS_BEFORE = re.compile(r"(?:客户|用户|会员|玩家|人员|学生|家长|车主|业主|股民|账户|账号)\s?\Z")
# Per-day volumes (`日量2000+`, `每天2000-5000`): the labelling convention keeps the largest number.
_DAILY = re.compile(r"(?:日量|每天|每日|日出|日产|日均|一天)\s?(?:\d+\s?[-~到至]\s?)?(\d{2,9})(?![0-9.])\s?(?:\+|多)?(?!\s?(?:元|块|u|U|刀|\$|rmb|单))")


_EURO_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
# English: words around a number that make it money, time, a rate or a size, not a count.
_EN_AFTER_NOT_COUNT = re.compile(
    r"\s?(?:\$|€|£|%|/|usd\b|dollars?\b|euros?\b|eur\b|gbp\b|bucks\b|per\b|a (?:day|week|month|year)\b|"
    r"(?:in|within|every) (?:a |an |one )?(?:day|week|month|year|hour)|days?\b|weeks?\b|months?\b|years?\b|"
    r"hours?\b|hrs?\b|minutes?\b|mins?\b|gb\b|mb\b|tb\b|kb\b|balance\b|bal\b|limit\b|profit\b|off\b|times\b|"
    r"(?:uhd|hdr|ultra ?hd|video|tv|resolution|quality|stream|screen|display|monitor)\b|"
    r"(?:mg|mcg|ug|ml|g|kg|oz|lbs?|mm|cm|volts?|v|watts?|w|mah|mhz|ghz|fps|dpi|px)\b)",
    re.IGNORECASE,
)
# Money words before a number (`balance 500`, `make 22K`) and ordinal words (`Top 10`, `Track 2`,
# `Windows 10`): the first yield to a data noun right after the number, the second never do.
_EN_MONEY_BEFORE = re.compile(
    r"(?:[$€£]|(?<![A-Za-z])(?:usd|balance|bal|limit|make|making|made|earn|earning|earned|profit|worth|value|"
    r"salary|income|cash ?out|withdraw))\s?[.:]?\s?\Z",
    re.IGNORECASE,
)
_EN_ORDINAL_BEFORE = re.compile(
    r"(?:#|(?<![A-Za-z])(?:top|version|ver|v|no|page|step|part|chapter|vol|track|level|tier|type|class|gen|"
    r"windows|win|ios|android|season|episode|model|size|iphone|galaxy|ps|xbox|office))\s?[.:]?\s?\Z",
    re.IGNORECASE,
)


def _not_count_before(text: str, start: int, end: int) -> bool:
    """Money or ordinal words before the number at `start`; money yields to a data noun after `end`."""
    before = text[max(0, start - 12):start]
    if _EN_ORDINAL_BEFORE.search(before):
        return True
    return bool(_EN_MONEY_BEFORE.search(before)) and not _NOUN_AFTER.match(text, end)


_EN_AFTER_MEASURE = re.compile(
    r"\s?(?:%|bit\b|bits\b|days?\b|weeks?\b|months?\b|years?\b|hours?\b|mg\b|ml\b|g\b|kg\b|oz\b|gb\b|mb\b|"
    r"faster\b|more\b|speed\b|zoom\b)",
    re.IGNORECASE,
)
_EN_NOUN = (
    r"(?:records?|rows?|lines?|entries|accounts?|accs?|users?|profiles?|leads?|e-?mails?|mails?|numbers?|pcs|"
    r"pieces?|ids|cvvs?|cvv2s?|ccs?|cards?|dumps?|fullz|fulls|fullzs|scans?|logs?|logins?|docs?|documents?|"
    r"passports?|licen[cs]es?|selfies?|ssns?|combos?|contacts?|customers?|members?|people|persons?|identities|"
    r"infos?|credentials|creds|emails)"
)
_EN_STOP = (
    r"(?:per|for|in|at|on|to|off|from|by|day|days|week|weeks|month|months|year|years|hours?|minutes?|balance|"
    r"limit|profit|percent|times|dollars?|usd|euros?|btc|gb|mb|tb|price|only|each|of|or|factor|fa|step)"
)
_NOUN_AFTER = re.compile(
    r"(?:[\s(\[]+(?!" + _EN_STOP + r"\b)[A-Za-z][A-Za-z'&.-]*[)\]]?){0,3}?[\s(\[]+" + _EN_NOUN + r"(?![A-Za-z])",
    re.IGNORECASE,
)
# A fingerprint written in groups of four hex digits: `053B` in it is no 53 billion.
_HEX_GROUPS = re.compile(
    r"(?<![0-9A-Za-z])[0-9A-Fa-f]{4}(?:\s[0-9A-Fa-f]{4}){3}(?:(?:\s[0-9A-Fa-f]{4}){6})?(?![0-9A-Za-z])")
# A number, then at most seven words (countries, adjectives, brands, brackets), then a data noun.
_EN_NOUN_COUNT = re.compile(
    r"(?<![0-9A-Za-z.,$€£#/:-])(?P<num>\d{1,3}(?:,\d{3})+(?![0-9])|\d{1,3}(?:\.\d{3})+(?![0-9])|\d{1,7})"
    r"(?P<plus>\+)?(?![0-9.,%$€£/:])"
    r"(?P<gap>(?:[\s(\[]+(?!" + _EN_STOP + r"\b)[A-Za-z][A-Za-z'&.-]*[)\]]?){0,7}?)"
    r"[\s(\[]+(?P<noun>" + _EN_NOUN + r")(?![A-Za-z])",
    re.IGNORECASE,
)
# `x50`, `x 50`, `50x`, `10 x Desjardins`: not a size (`1920x1080`) or a product (`2x4`).
_EN_TIMES = re.compile(
    r"(?<![0-9A-Za-z.,$€£])(?:[xX×]\s?(?P<a>\d{1,6})(?![0-9.,%$€£:A-Za-z])|(?P<b>\d{1,6})\s?[xX×](?![A-Za-z0-9])(?!\s?\d))"
)
_YEAR = re.compile(r"(?:19[89]\d|20[0-4]\d)")
# `2.500.000+`, `1,000,000+`: a separated number of thousands with a plus is a claimed count.
_EN_PLUS = re.compile(r"(?<![0-9A-Za-z.,$€£])(?P<num>\d{1,3}(?:[.,]\d{3})+)\+")


def _en_counts(text: str) -> list[VolumeClaim]:
    """Counts in English listing wording (see the module docstring)."""
    out: list[VolumeClaim] = []
    times = _EN_TIMES.finditer(text) if ("x" in text or "X" in text or "×" in text) else ()
    for m in times:
        v = m.group("a") or m.group("b")
        start, end = m.start(), m.end()
        if m.group("a") and text[:start].rstrip()[-1:].isdigit():
            continue  # `1920 x 1080`
        if _not_count_before(text, start, end) or _BEFORE_MONEY.search(text[max(0, start - 8):start]):
            continue
        if _EN_AFTER_NOT_COUNT.match(text, end) if m.group("b") else _EN_AFTER_MEASURE.match(text, end):
            continue  # `5x faster`; `x5 $10` is five for ten dollars, `x64 bit`, `x10 mg` are not counts
        if _YEAR.fullmatch(v) or int(v) < 1 or (m.group("a") and v in ("32", "64", "86")):
            continue  # years; `x64`, `x86`: processor architectures
        if (start > 0 and text[start - 1] == "x") or text[end:end + 1] in ("x", "X"):
            continue  # `xx50`, `5xx`: placeholders
        out.append(VolumeClaim(int(v), start, end, m.group()))
    for m in _EN_PLUS.finditer(text) if "+" in text else ():
        num = m.group("num")
        if ("." in num and "," in num) or _not_count_before(text, m.start(), m.end()):
            continue
        if _EN_AFTER_NOT_COUNT.match(text, m.end()):
            continue
        out.append(VolumeClaim(int(num.replace(".", "").replace(",", "")), m.start(), m.end(), m.group()))
    for m in _EN_NOUN_COUNT.finditer(text):
        num = m.group("num")
        digits = num.replace(",", "")
        if _EURO_THOUSANDS.fullmatch(digits):
            digits = digits.replace(".", "")
        start, end = m.start(), m.end()
        if _YEAR.fullmatch(num):
            continue  # `2017 Fresh Fullz`, `2016 ACCOUNT GENERATOR`: years are not counts
        if _EN_ORDINAL_BEFORE.search(text[max(0, start - 12):start]) or _money_before(text, start):
            continue  # money words yield to the data noun this form has by construction
        if start > 0 and text[start - 1] in "xX×":
            continue  # the times form above has it
        value = int(digits)
        if value < 1:
            continue
        out.append(VolumeClaim(value, start, end, m.group()))
    return out


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
        if _EURO_THOUSANDS.fullmatch(digits) and (not mult_s or digits.count(".") > 1):
            digits = digits.replace(".", "")  # `2.500.000`, `386.639 emails`: European thousands
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
        if _AFTER_MONEY.match(text, end) and not unit and not (
                (m.group("mult") or "").strip() in _BIG_MULTS and text[end:end + 1].isspace()
                and text[end + 1:end + 2] in "年月日天"):
            continue  # `50万元`, `2018年`; but `5kw 月入…` is 5kw and then another phrase
        if unit and _SITE_AFTER.match(text, end) and unit in ("个", "家"):
            continue
        before = text[max(0, start - 8) : start]
        if _money_before(text, start):
            continue
        mult_s = (m.group("mult") or "").strip()
        if mult_s and not unit and mult_s.lower() not in ("万", "亿", "千万", "百万", "十万", "千", "百"):
            if _EN_AFTER_NOT_COUNT.match(text, end) or _not_count_before(text, start, end):
                continue  # `make 22K in a week`, `3k per day`, `$5k balance`, `4K UHD`
            if mult_s in ("w", "W", "kw", "KW", "Kw") and text[m.start("mult") - 1].isspace() and text[end:end + 1] in _ASCII_LETTER:
                continue  # `in 2 WEEKS`, `2016 WORLDWIDE`: a word, not 万
        vague_mult = m.group("cn") or m.group("mult") in ("万", "十万", "百万", "千", "亿")
        if (before.endswith(_VAGUE_BEFORE) and vague_mult
                and (not m.group("num") or before.endswith(("x", "X")))):
            continue
        value = _value(m)
        if value is None or value < 1:
            continue
        if (unit and unit.isascii() and not m.group("mult") and m.group("num")
                and _YEAR.fullmatch(m.group("num"))):
            continue  # `2017 + CVV checker`, `2016 accounts generator`: years are not counts
        if m.group("cn") and value < 10:
            continue  # 一条龙, 一组
        out.append(VolumeClaim(round(value), start, end, m.group()))
    # Positions already claimed: later passes add only claims that start (or, for English, lie)
    # outside them. A mask, built when a later pass has a candidate, keeps a post with 200,000
    # counts linear.
    covered: bytearray | None = None

    def mask() -> bytearray:
        nonlocal covered
        if covered is None:
            covered = bytearray(len(text) + 1)
            for v in out:
                covered[v.start:v.end] = b"\x01" * (v.end - v.start)
        return covered

    def add(v: VolumeClaim) -> None:
        out.append(v)
        mask()[v.start:v.end] = b"\x01" * (v.end - v.start)

    for mm in _BIG_MULT_RE.finditer(text):
        p = mm.start("m")
        g = _GLUED_BACK.search(text, max(0, p - 14), p)
        if g is None:
            continue
        s = g.start()
        glued = s > 0 and text[s - 1] in _ASCII_LETTER
        if not (glued or g.group(2)) or (s > 0 and text[s - 1] in "0123456789.$¥￥"):
            continue
        if glued and _inside_key(text, s, mm.end()):
            continue  # `…pP8WHKo5…` inside a wallet is no 80,000
        if _AFTER_MONEY.match(text, mm.end()) or _money_before(text, s):
            continue
        if not mask()[s]:
            add(VolumeClaim(round(float(g.group(1)) * MULTIPLIERS[mm.group("m").lower()]), s, mm.end(),
                            text[s:mm.end()]))
    for m in _DAILY.finditer(text):
        if not mask()[m.start(1)]:
            add(VolumeClaim(int(m.group(1)), m.start(1), m.end(), m.group()))
    for c in _en_counts(text):
        if not any(mask()[c.start:c.end]):
            add(c)
    if out:
        hexes = bytearray(len(text) + 1)
        if " " in text:
            for h in _HEX_GROUPS.finditer(text):
                hexes[h.start():h.end()] = b"\x01" * (h.end() - h.start())
        out = [v for v in out if not hexes[v.start]
               and not (len(v.text) > 1 and v.text[0] == "0" and v.text[1].isdigit())]
    return out


def claimed_records(text: str) -> int | None:
    """The largest claimed count, or None when the post states none."""
    vols = find_volumes(text)
    return max(v.value for v in vols) if vols else None
