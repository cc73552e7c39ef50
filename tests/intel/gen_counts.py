"""Generated record-count phrasings, English and Chinese, with near-misses: a suite for `intel.volumes`.

Built from the labelling conventions of both listing sets (listings-en/LABELING.md and
listings-cn/LABELING.md), not from their rows: the count is drawn first and then written out
in one of the forms the conventions name (k = 1e3, M/mil/million = 1e6, B = 1e9, w/万 = 1e4,
kw/千万 = 1e7, 亿 = 1e8, `x10` / `10 pcs` / `10 CVV` = 10, European thousands separators,
`N+` / `N多` = N), so the truth never comes from the parser it measures. Titles wrap the count
in the decoration sellers use, and near-misses sit beside it or alone: prices, balances,
money made, years and dates, sizes (GB, mg), durations, percentages, resolutions, per-unit
prices and minimum orders, PGP fingerprints and wallets. Several counts in one title: the
largest is the truth.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

EN_NOUNS = ["fullz", "CVV", "cvvs", "CC", "dumps", "dumps with pin", "scans", "passport scans", "SSN DOB",
            "accounts", "bank logs", "logins", "combos", "email:pass", "emails", "leads", "records",
            "profiles", "USA Fullz", "users and passwords", "mail list", "phone numbers", "customers"]
EN_ADJ = ["", "", "Fresh", "HQ", "High Quality", "USA", "UK", "Canada", "Australian", "Premium",
          "Valid", "Fresh Italy", "Private", "Hacked", "Dead", "NEW"]
EN_DECOR = ["", "", "★★ ", "[AUTOSHOP] ", "*NEW* ", "..::vendor::.. ", "🔥 ", "- ", "!!! ", "VIP "]
EN_TAIL = ["", "", " - instant delivery", " *AutoListing*", " [LIFETIME]", " + BONUS", " | Escrow",
           " - best vendor", " !!!", " (valid)"]
EN_NEAR = [
    "${p}", "only ${p}", "${k}k balance", "{k}k balance", "balance ${k},000", "make {k}K in a week",
    "earn {k}k per day", "{y}", "UPDATED {mon} {y}", "{g}GB", "{g} GB archive", "{d} days warranty",
    "{d} hours delivery", "100% valid", "{pct}% off", "4K UHD", "1920x1080", "Windows 10 x64",
    "PGP: {fp}", "fingerprint {fp4}", "btc 1{b58}", "ONLINE IN {d} WEEKS", "{y} WORLDWIDE",
    "Track 2", "24/7 support", "{p}$ per piece", "Top 10",
]
ZH_NOUN = ["快递数据", "身份证正反面", "手机号", "网贷数据", "股民数据", "开房记录", "银行卡四件套", "学生信息",
           "车主数据", "医院患者信息", "博彩会员数据", "QQ账号", "淘宝买家数据", "企业名录"]
ZH_UNIT = ["条", "条", "套", "份", "组", "行", ""]
ZH_DECOR = ["", "", "【一手】", "出售", "【实时】", "新鲜", "独家", "2019年", "广东"]
ZH_TAIL = ["", "", " 一手", " 自动发货", " 担保交易", " 可验证", " 量大从优", " 联系飞机"]
ZH_NEAR = ["价格{p}元", "{p}U", "{p}USDT", "存款{k}万", "余额{k}万", "充值十万", "{y}年{mo}月", "{g}G",
           "{d}天", "0.001BTC=1万条", "{p}条起售", "数十万", "几千条", "XX万", "月入{k}万", "{pct}%",
           "QQ{qq}", "PGP: {fp}"]
CN_DIGITS = "零一二三四五六七八九"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class CountCase:
    text: str
    truth: int | None
    lang: str
    form: str


def _fill(rng: random.Random, s: str) -> str:
    return s.format(
        p=rng.choice([5, 10, 25, 49, 99, 150, 300, 1200]), k=rng.randint(2, 50), y=rng.randint(2012, 2024),
        mon=rng.choice(["JAN", "MAR", "JUL", "NOV"]), mo=rng.randint(1, 12), g=rng.choice([2, 5, 16, 120, 900]),
        d=rng.randint(2, 30), pct=rng.choice([50, 90, 99, 100]), qq=rng.randint(10_000_000, 2_999_999_999),
        fp=" ".join("".join(rng.choice("0123456789ABCDEF") for _ in range(4)) for _ in range(10)),
        fp4="".join(rng.choice("0123456789ABCDEF") for _ in range(16)),
        b58="".join(rng.choice(B58) for _ in range(32)),
    )


def _euro(v: int) -> str:
    return f"{v:,}".replace(",", ".")


def _en_count(rng: random.Random) -> tuple[str, int, str]:
    """One English count, written in a form the conventions name: (text, value, form)."""
    noun = rng.choice(EN_NOUNS)
    adj = rng.choice(EN_ADJ)
    pre = (adj + " ") if adj else ""
    form = rng.choice(["plain", "comma", "euro", "plus", "k", "m", "mil", "million", "billion", "x_before",
                       "x_after", "x_spaced", "pcs", "adjectives"])
    if form == "plain":
        v = rng.randint(1, 9999)
        return f"{v} {pre}{noun}", v, form
    if form == "comma":
        v = rng.randint(1_000, 9_999_999)
        return f"{v:,} {noun}", v, form
    if form == "euro":
        v = rng.randint(1_000, 9_999_999)
        return f"{_euro(v)}{rng.choice(['+', ''])} {noun}", v, form
    if form == "plus":
        v = rng.choice([100, 500, 1000, 5000, 10_000, 2_500_000])
        return f"{rng.choice([f'{v:,}', _euro(v) if v >= 1000 else str(v)])}+ {noun}", v, form
    if form == "k":
        a = rng.choice([1, 2, 5, 10, 15, 50, 100, 200, 400, 750])
        return f"{a}{rng.choice(['k', 'K', ' k', ' K'])} {noun}", a * 1000, form
    if form in ("m", "mil", "million", "billion"):
        a = rng.choice([1, 2, 3, 5, 10, 20])
        frac = rng.choice(["", ".5"]) if a < 10 else ""
        base = float(f"{a}{frac}")
        if form == "billion":
            word, mult = rng.choice([" billion", " Billion", "B", " bn"]), 1e9
        else:
            word = {"m": rng.choice(["M", " M"]), "mil": rng.choice([" mil", " mln"]),
                    "million": rng.choice([" million", " Million", " MILLION", " Million+", " million+"])}[form]
            mult = 1e6
        return f"{a}{frac}{word} {noun}", round(base * mult), form
    v = rng.randint(1, 500)
    if form == "x_before":
        return f"{pre}{noun} x{v}", v, form
    if form == "x_after":
        return f"{v}x {pre}{noun}", v, form
    if form == "x_spaced":
        return f"{v} x {pre}{noun}", v, form
    if form == "pcs":
        return f"{pre}{noun} {v} {rng.choice(['pcs', 'PCS', 'pieces'])}", v, form
    # adjectives between the number and the noun
    v = rng.randint(2, 5000)
    return f"{v} {rng.choice(['Fresh', 'High Quality', 'Authentic', 'FULL'])} {rng.choice(['USA', 'UK', 'EU'])} {noun}", v, form


def _cn_numeral(n: int) -> str:
    """1..9999 in Chinese numerals (三千二百 etc.)."""
    out = ""
    for unit, size in (("千", 1000), ("百", 100), ("十", 10)):
        d, n = divmod(n, size)
        if d:
            out += CN_DIGITS[d] + unit
        elif out and n:
            out += "" if out.endswith("零") else "零"
    if n:
        out += CN_DIGITS[n]
    return out


def _zh_count(rng: random.Random) -> tuple[str, int, str]:
    noun = rng.choice(ZH_NOUN)
    unit = rng.choice(ZH_UNIT)
    form = rng.choice(["wan", "w", "kw", "yi", "plain", "cn", "duo", "shang"])
    if form == "wan":
        a = rng.choice([1, 2, 5, 10, 30, 50, 100, 300, 1500])
        return f"{noun}{a}万{unit or '条'}", a * 10_000, form
    if form == "w":
        a = rng.choice([1, 3, 10, 50, 300, 1500])
        return f"{noun}{a}{rng.choice(['w', 'W'])}{unit}", a * 10_000, form
    if form == "kw":
        a = rng.choice([1, 2, 5])
        return f"{noun} {a}{rng.choice(['kw', 'KW', '千万'])}{unit}", a * 10_000_000, form
    if form == "yi":
        a = rng.choice([1, 2, 9])
        return f"{noun}{a}亿{unit or '条'}", a * 100_000_000, form
    if form == "plain":
        v = rng.randint(20, 99_999)
        return f"{noun}{v}{rng.choice(['条', '套', '份'])}", v, form
    if form == "cn":
        n = rng.randint(11, 9999)
        mult, mv = rng.choice([("万", 10_000), ("", 1)])
        return f"{_cn_numeral(n)}{mult}{rng.choice(['条', '套'])}{noun}", n * mv, form
    if form == "duo":
        a = rng.choice([100, 300, 6000])
        return f"{noun}{a}{rng.choice(['多', '余', '+'])}万{unit or '条'}", a * 10_000, form
    return f"{noun}{rng.choice(['上万条', '上百万条'])}", 0, form  # value set by caller


def generate_counts(n: int = 4000, seed: int = 0) -> list[CountCase]:
    """`n` titles, half English, half Chinese; ~1 in 5 holds only near-misses (truth None)."""
    rng = random.Random(seed)
    out: list[CountCase] = []
    for i in range(n):
        en = i % 2 == 0
        near = [_fill(rng, rng.choice(EN_NEAR if en else ZH_NEAR)) for _ in range(rng.choice([0, 1, 1, 2]))]
        if rng.random() < 0.2:
            parts = near or [_fill(rng, rng.choice(EN_NEAR if en else ZH_NEAR))]
            noun = rng.choice(EN_NOUNS if en else ZH_NOUN)
            text = (" | " if en else " ").join([noun, *parts])
            out.append(CountCase(text, None, "en" if en else "zh", "near-miss only"))
            continue
        if en:
            counts = [_en_count(rng) for _ in range(rng.choice([1, 1, 1, 2]))]
        else:
            counts = []
            for _ in range(rng.choice([1, 1, 1, 2])):
                t, v, f = _zh_count(rng)
                if f == "shang":
                    v = 1_000_000 if "上百万" in t else 10_000
                counts.append((t, v, f))
        parts = [c[0] for c in counts] + near
        rng.shuffle(parts)
        if en:
            text = rng.choice(EN_DECOR) + (rng.choice([" + ", " | ", " - ", " "])).join(parts) + rng.choice(EN_TAIL)
        else:
            text = rng.choice(ZH_DECOR) + rng.choice([" ", "，", " "]).join(parts) + rng.choice(ZH_TAIL)
        out.append(CountCase(text, max(c[1] for c in counts), "en" if en else "zh", counts[0][2]))
    return out


def score(cases: list[CountCase]) -> dict[str, dict[str, float]]:
    """Exact-match rate where a count is stated and the rate of no claim on near-miss-only titles, per language."""
    from leaktrace.intel.extract import analyse_post

    res: dict[str, dict[str, float]] = {}
    for lang in ("en", "zh"):
        stated = [c for c in cases if c.lang == lang and c.truth is not None]
        near = [c for c in cases if c.lang == lang and c.truth is None]
        exact = sum(analyse_post(c.text).facts.records == c.truth for c in stated)
        quiet = sum(analyse_post(c.text).facts.records is None for c in near)
        res[lang] = {"stated": len(stated), "exact": exact / max(1, len(stated)),
                     "near_miss_only": len(near), "no_claim": quiet / max(1, len(near))}
    return res
