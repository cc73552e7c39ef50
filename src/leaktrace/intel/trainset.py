"""A labelled training set generated from phrase banks: the only thing the shipped model learns from.

Real labelled listings are scarce and may not be trained on, so the set is
composed: a product phrase (`intel.trainset_phrases`) wrapped in the same
offer words, qualifiers, counts, prices, places, brackets and emoji for both
labels, so the wrapping carries no signal and the model has to learn the
product. Hard negatives put data words inside tutorials, tools, source code
and checkers (`网贷数据获取教程`, `CVV checker`), which is where keyword
rules fail. `intel.trainset_market` adds market-shaped kinds composed from
parts (card issuer x tier x balance, leak archives sold by size, cracked
logins, hyped guides, counterfeit documents, software, ordinary goods under
made-up names) and the wrapping real index pages carry on both labels:
vendor hype, mis-decoded decoration, unknown vendor tags. Titles dominate,
as on market index pages; a share of examples gets a body with contacts and
a price list. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from leaktrace.intel import trainset_market as M
from leaktrace.intel import trainset_phrases as P
from leaktrace.pii.detectors._geo import short_name
from leaktrace.pii.regions import PROVINCES

_PROVINCES = [short_name(v) for v in PROVINCES.values()]
_CITIES = ["深圳", "广州", "上海", "北京", "杭州", "厦门", "成都", "武汉", "苏州", "东莞", "台湾", "香港", "温州"]
_EMOJI = ["", "", "", "🔥", "✅", "💰", "⭐", "❤", "✨", "💯"]
_BRACKETS = [("【", "】"), ("[", "]"), ("「", "」"), ("★", "★"), ("(", ")"), ("（", "）"), ("<", ">")]
_TUTORIAL_ZH = ["教程", "获取教程", "方法", "技术教学", "入门视频", "操作手册", "赚钱项目"]
_TOOL_ZH = ["采集软件", "查询系统源码", "检测工具", "爬虫", "筛选软件", "群发软件", "网站源码", "接口源码", "提取器"]
_BRAND_NEGATIVE_ZH = ["后台权限", "漏洞", "源码", "账号注册", "优惠券", "会员卡代充", "刷单", "提权漏洞", "webshell",
                      "新人券", "代下单", "礼品卡", "注册机", "抢购脚本", "实名认证服务", "内推", "股票", "积分兑换"]
_TUTORIAL_EN = ["guide", "tutorial", "method", "ebook", "how to get", "course", "cashout guide"]
_TOOL_EN = ["checker", "generator", "extractor software", "scraper tool", "validator", "sorter tool", "panel source code"]


@dataclass(frozen=True)
class Example:
    """One generated post with its labels."""

    title: str
    body: str
    trafficking: bool
    category: str | None
    lang: str
    product: str = ""  # the product phrase, so a split can keep whole phrases unseen


def _count_zh(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        n = rng.choice([rng.randint(100, 99999), rng.randint(1, 9) * 1000, rng.randint(1, 99) * 100])
        return f"{n}{rng.choice(['条', '条', '份', '套', '个', '人', '组', '条数据', '+', '多条'])}"
    if kind < 0.7:
        n = rng.choice([rng.randint(1, 999), round(rng.uniform(1, 99), 1)])
        return f"{n}{rng.choice(['w', 'W', '万', '万条', 'w条', 'W+', '万+', '万多'])}"
    if kind < 0.8:
        return f"{rng.choice([1, 2, 3, 5, 9, 12, 14])}{rng.choice(['亿', '亿条', 'kw', '千万'])}"
    if kind < 0.9:
        return rng.choice(["上万", "上百万", "数十万", "几千", "十几万", "百万", "三千万", "五十万", "八千条"])
    return f"{rng.randint(1, 999)}{rng.choice(['k', 'K', 'M'])}"


def _count_en(rng: random.Random) -> str:
    n = rng.choice([rng.randint(1, 50), rng.randint(10, 999), rng.randint(1, 99) * 1000, rng.randint(1, 9) * 100])
    return f"{n}{rng.choice(P.UNITS_EN)}"


def _price_zh(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(1, 999)}元", f"{rng.randint(10, 5000)}U", f"{rng.randint(1, 50) / 100}BTC",
                       f"{rng.choice([0.5, 1, 2, 3, 5])}元/条", f"{rng.randint(1, 90)}毛一条", f"{rng.randint(50, 2000)}USDT",
                       f"¥{rng.randint(10, 9999)}", f"{rng.randint(1, 9)}000元/万条"])


def _price_en(rng: random.Random) -> str:
    return rng.choice([f"${rng.randint(1, 999)}", f"{rng.randint(1, 500)} USD", f"{rng.randint(1, 90) / 1000} BTC",
                       f"${rng.randint(1, 30)} each", f"{rng.randint(5, 200)}$ per piece", f"{rng.randint(1, 9)}0 XMR"])


def _date_zh(rng: random.Random) -> str:
    y = rng.randint(2014, 2026)
    return rng.choice([f"{y}年", f"{y}年{rng.randint(1, 12)}月", f"{y % 100}年", f"{rng.randint(1, 12)}月份", f"{y}.{rng.randint(1, 12)}"])


def _region_zh(rng: random.Random) -> str:
    return rng.choice(_PROVINCES + _CITIES + ["全国", "全国各地", "某省", "某市", "海外", "美国", ""])


def _zh_title(rng: random.Random, product: str, demand: bool) -> str:
    lb, rb = rng.choice(_BRACKETS)
    offer = rng.choice(P.DEMAND_ZH) if demand else rng.choice(P.OFFER_ZH)
    parts_pre = []
    if rng.random() < 0.35:
        parts_pre.append(_region_zh(rng))
    if rng.random() < 0.25:
        parts_pre.append(_date_zh(rng))
    qual = rng.choice(P.QUALIFIER_ZH)
    count = _count_zh(rng)
    shape = rng.random()
    pre = "".join(parts_pre)
    if shape < 0.2:
        t = f"{offer}{pre}{product}{count if rng.random() < 0.6 else ''}"
    elif shape < 0.35:
        t = f"{count}{pre}{product}"
    elif shape < 0.5:
        t = f"{lb}{qual}{rb}{pre}{product} {count if rng.random() < 0.5 else ''}"
    elif shape < 0.62:
        t = f"{offer}{pre}{product}，{qual}，{_price_zh(rng)}"
    elif shape < 0.72:
        t = f"{pre}{product}（{count}）{qual}"
    elif shape < 0.82:
        t = f"{offer}{product}"
    elif shape < 0.9:
        t = f"{pre}{product}{rng.choice(['', ' ', '-'])}{qual}{rng.choice(['', ' ' + rng.choice(P.QUALIFIER_ZH)])}"
    else:
        t = f"{product}"
    if rng.random() < 0.15:
        t += rng.choice(_EMOJI)
    if rng.random() < 0.1:
        t = rng.choice(_EMOJI) + t
    return t.strip()


def _en_title(rng: random.Random, product: str, demand: bool, drug: bool = False) -> str:
    offer = rng.choice(P.DEMAND_EN) if demand else rng.choice(P.OFFER_EN)
    q1, q2 = rng.choice(P.QUALIFIER_EN), rng.choice(P.QUALIFIER_EN)
    count = (f"{rng.choice([1, 2, 3.5, 5, 7, 10, 14, 28, 50, 100, 250, 500])}{rng.choice(P.DRUG_UNITS_EN)}" if drug
             else _count_en(rng))
    country = rng.choice(P.COUNTRIES_EN)
    shape = rng.random()
    if shape < 0.2:
        t = f"{offer}{count} {product} {q1}"
    elif shape < 0.35:
        t = f"{offer}{product} - {q1} - {rng.choice([_price_en(rng), q2])}"
    elif shape < 0.5:
        t = f"{country} {product} {q1}"
    elif shape < 0.6:
        t = f"[{q1.upper()}] {product} x{rng.randint(1, 100)}"
    elif shape < 0.7:
        t = f"{product} ({count})"
    elif shape < 0.8:
        t = f"{offer}{product}"
    elif shape < 0.9:
        t = f"*** {product} *** {q1} {q2}"
    else:
        t = f"{count} {product} {country} {q1} {q2}"
    if rng.random() < 0.3:
        t = t.upper() if rng.random() < 0.3 else t.title()
    if rng.random() < 0.1:
        t += " " + rng.choice(["!!!", "!!", "★", "✔", "$$$", "🔥"])
    if rng.random() < 0.15:  # vendor hype, on both labels
        t = f"{t} {M.hype(rng)}" if rng.random() < 0.6 else f"{M.hype(rng)} {t}"
    if rng.random() < 0.1:  # a vendor or brand tag nobody has seen, on both labels
        t = f"{M.pseudo_word(rng)} {t}" if rng.random() < 0.5 else f"{t} - {M.pseudo_word(rng)}"
    if rng.random() < 0.2:  # decoration mis-decoded by the scraper, on both labels
        t = f"{M.mojibake(rng)} {t} {M.mojibake(rng) if rng.random() < 0.5 else ''}"
    return " ".join(t.split())


def _body(rng: random.Random, lang: str, trafficking: bool) -> str:
    zh = lang != "en"
    lines: list[str] = []
    if zh:
        if trafficking:
            lines.append(rng.choice(["字段：姓名 手机 地址", "包含姓名、电话、身份证号", "数据真实，重复率低",
                                     "可提供样本验证", "实时更新", "全部一手，不卖二手货", "字段齐全"]))
        else:
            lines.append(rng.choice(["效果保证，售后无忧", "全网最低价", "支持远程安装", "包教包会", "现货秒发",
                                     "质量稳定", "欢迎咨询", "可测试"]))
        lines.append(f"价格：{_price_zh(rng)}")
        lines.append(rng.choice([f"联系QQ：{rng.randint(10000, 999999999)}", f"飞机：@{_handle(rng)}",
                                 f"微信：{_handle(rng)}", "站内信联系", "担保交易"]))
    else:
        if trafficking:
            lines.append(rng.choice(["Fields: name, DOB, SSN, address, phone", "All valid, replacement within 12h",
                                     "Sample available", "Format: email:pass", "Includes full billing info"]))
        else:
            lines.append(rng.choice(["Stealth shipping worldwide", "Read my terms before ordering", "Top quality",
                                     "Instant digital delivery", "Lab tested", "Works on all systems"]))
        lines.append(f"Price: {_price_en(rng)}")
        lines.append(rng.choice([f"Contact: @{_handle(rng)} on telegram", f"Jabber: {_handle(rng)}@jabber.org",
                                 "PM me", "Escrow only", "FE for trusted buyers"]))
    rng.shuffle(lines)
    return "\n".join(lines)


def _handle(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijkmnopqrstuvwxyz0123456789_") for _ in range(rng.randint(5, 12)))


def _en_positive_product(rng: random.Random, cat: str) -> tuple[str, str]:
    """A composed English product (brand x way of selling) for the categories with many brands."""
    r = rng.random()
    if cat == "credentials_accounts" and r < 0.75:
        brand = rng.choice(P.ACCOUNT_BRANDS_EN)
        # Logins of payment and money-transfer services are finance data (listings-en/LABELING.md).
        return ("finance_bank" if brand in P.FINANCE_BRANDS_EN else cat), f"{brand} {rng.choice(P.ACCOUNT_WAYS_EN)}"
    if cat == "finance_bank" and r < 0.7:
        if rng.random() < 0.3:  # a bank's logins sold the way any logins are: still bank data
            return cat, f"{rng.choice(P.BANK_BRANDS_EN)} {rng.choice(P.ACCOUNT_WAYS_EN)}"
        return cat, f"{rng.choice(P.BANK_BRANDS_EN + P.COUNTRIES_EN)} {rng.choice(P.BANK_WAYS_EN)}"
    if cat == "cards_cvv" and r < 0.7:
        return cat, f"{rng.choice(P.CARD_PLACES_EN)} {rng.choice(P.CARD_WAYS_EN)}"
    if cat == "identity_docs" and r < 0.6:
        return cat, f"{rng.choice(P.PII_PLACES_EN)} {rng.choice(P.PII_WAYS_EN)}"
    return cat, rng.choice(P.POSITIVE_EN[cat])


def _en_negative_product(rng: random.Random) -> tuple[str, bool]:
    """(product, is a drug) for the commonest English negatives, composed from banks."""
    r = rng.random()
    if r < 0.35:
        return rng.choice(P.STRAINS_EN + P.NEGATIVE_EN["drugs"]), True
    if r < 0.55:
        place = rng.choice([*P.PII_PLACES_EN, ""])
        return f"{rng.choice(P.FAKE_WAYS_EN)} {place} {rng.choice(P.FAKE_DOC_EN)}", False
    if r < 0.7:
        brand = rng.choice(P.ACCOUNT_BRANDS_EN + P.BANK_BRANDS_EN)
        return f"{brand} {rng.choice(['gift card', 'checker', 'method', 'guide', 'cashout method', 'config', 'phishing page', 'scam page', 'giftcard $50', 'refund service', 'transfer service', 'promo code', 'voucher', 'stock', 'shares'])}", False
    kind = rng.choices(list(P.NEGATIVE_EN), weights=[30, 10, 10, 5, 4, 5, 4, 3, 2])[0]
    return rng.choice(P.NEGATIVE_EN[kind]), kind == "drugs"


def _positive(rng: random.Random, lang: str) -> Example:
    cat = rng.choice(P.CATEGORIES)
    demand = rng.random() < 0.05
    if lang == "en":
        if rng.random() < 0.45:  # market-shaped: issuers, tiers, field sets, batches, leads
            cat, product = M.en_positive(rng)
        else:
            if rng.random() < 0.5:  # English markets sell mostly cards, logins and fullz
                cat = rng.choice(["credentials_accounts", "credentials_accounts", "finance_bank", "cards_cvv", "identity_docs"])
            cat, product = _en_positive_product(rng, cat)
        if rng.random() < 0.06:  # the same joints and tails negatives get (`M.bundle_en`)
            product += rng.choice(M.BUNDLE_TAILS_EN)
        title = _en_title(rng, product, demand)
    else:
        r = rng.random()
        if r < 0.2:
            cat, product = M.zh_positive(rng)
        elif r < 0.35 and cat in P.BRANDS_ZH:
            product = rng.choice(P.BRANDS_ZH[cat]) + rng.choice(P.DATA_SUFFIX_ZH)
        elif r < 0.45 and cat in P.LIAO_SECTORS_ZH:
            product = rng.choice(P.LIAO_SECTORS_ZH[cat]) + rng.choice(P.LIAO_SUFFIX_ZH)
        elif r < 0.6 and cat in P.GROUPS_ZH:
            product = _region_zh(rng) + rng.choice(P.GROUPS_ZH[cat]) + rng.choice(P.GROUP_SUFFIX_ZH)
        else:
            product = rng.choice(P.POSITIVE_ZH[cat])
        if lang == "mixed":
            product = rng.choice([f"{product} {rng.choice(P.POSITIVE_EN[cat])}", f"{rng.choice(P.COUNTRIES_EN)} {product}",
                                  f"{rng.choice(P.POSITIVE_EN[cat])}"])
        if rng.random() < 0.12:  # two kinds of data in one listing
            other = rng.choice(P.CATEGORIES)
            product = f"{product}{rng.choice(['+', '加', '和', ' '])}{rng.choice(P.POSITIVE_ZH[other])}"
        title = _zh_title(rng, product, demand)
    body = _body(rng, lang, True) if rng.random() < 0.3 else ""
    return Example(title, body, True, cat, lang, product)


def _negative(rng: random.Random, lang: str) -> Example:
    hard = rng.random() < 0.25
    drug = False
    if lang == "en":
        r = rng.random()
        if r < 0.35:  # market-shaped hard negatives: subscriptions, hyped guides, tools, services
            product = M.en_negative(rng)
        elif r < 0.55:  # ordinary goods under made-up names: the bulk of a market
            product = M.en_goods(rng)
        elif hard:
            pos = rng.choice(P.POSITIVE_EN[rng.choice(P.CATEGORIES)])
            kind = rng.choice(_TUTORIAL_EN + _TOOL_EN)
            product = f"{kind} {pos}" if kind.startswith("how") else f"{pos} {kind}"
        else:
            product, drug = _en_negative_product(rng)
        if not drug and rng.random() < 0.15:
            product = M.bundle_en(rng, product, M.en_negative(rng))
        title = _en_title(rng, product, rng.random() < 0.03, drug=drug)
    else:
        if rng.random() < 0.12:
            product = M.zh_negative(rng)
        elif hard and rng.random() < 0.35:
            brands = P.BRANDS_ZH[rng.choice(list(P.BRANDS_ZH))]
            product = rng.choice(brands) + rng.choice(_BRAND_NEGATIVE_ZH)
        elif hard:
            pos = rng.choice(P.POSITIVE_ZH[rng.choice(P.CATEGORIES)])
            product = pos + rng.choice(_TUTORIAL_ZH + _TOOL_ZH)
        else:
            kind = rng.choice(list(P.NEGATIVE_ZH))
            product = rng.choice(P.NEGATIVE_ZH[kind])
        if lang == "mixed":
            product = rng.choice([f"{product} {rng.choice(P.NEGATIVE_EN[rng.choice(list(P.NEGATIVE_EN))])}",
                                  f"{rng.choice(P.NEGATIVE_EN[rng.choice(list(P.NEGATIVE_EN))])}", product])
        title = _zh_title(rng, product, rng.random() < 0.03)
    body = _body(rng, lang, False) if rng.random() < 0.3 else ""
    return Example(title, body, False, None, lang, product)


def generate(n: int, seed: int = 0, positive_share: float = 0.45,
             lang_weights: tuple[float, float, float] = (0.45, 0.4, 0.15)) -> Iterator[Example]:
    """`n` labelled posts (zh, en, mixed by `lang_weights`), deterministic for `seed`."""
    rng = random.Random(seed)
    for _ in range(n):
        lang = rng.choices(("zh", "en", "mixed"), weights=lang_weights)[0]
        yield _positive(rng, lang) if rng.random() < positive_share else _negative(rng, lang)
