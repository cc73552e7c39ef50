"""Listing and post texts in Chinese, English and mixed, shaped by each writer's habits.

A `Style` is a writer's fingerprint (greeting, sign-off, brackets, emoji,
punctuation, spacing between Chinese and digits). Every account a member runs
shares the member's style, so style-based alias linking has a real signal;
unrelated sellers draw their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# category slug -> (Chinese product names, English product names)
TRAFFICKING: dict[str, tuple[list[str], list[str]]] = {
    "orders": (["电商订单数据", "快递物流单", "网购收货信息", "外卖订单", "物流面单"],
               ["e-commerce order data", "shipping/logistics records", "online shop customer orders"]),
    "id": (["身份证实名数据", "四件套实名", "身份证正反面", "实名开户资料"],
           ["ID card data (name+ID no.)", "real-name KYC packs", "Chinese ID fullz"]),
    "phone": (["手机号机主数据", "精准手机号段", "运营商机主名单", "新开卡号码"],
              ["phone number lists with owner names", "carrier subscriber lists", "fresh mobile leads"]),
    "bank": (["银行卡四要素", "银行卡+预留手机", "信用卡客户资料", "网贷客户名单"],
             ["bank card fullz (4-element)", "credit card customer data", "loan applicant lists"]),
    "education": (["学籍数据", "学生家长信息", "高考考生资料", "培训机构学员名单"],
                  ["student records", "parents contact lists", "exam candidates data"]),
    "medical": (["医院病人信息", "孕妇数据", "新生儿家长资料", "体检客户信息"],
                ["hospital patient records", "pregnant women / newborn parents data", "health check clients"]),
    "hotel": (["酒店开房记录", "住宿登记数据", "航旅出行记录"],
              ["hotel check-in records", "travel booking data"]),
}

OTHER: dict[str, tuple[list[str], list[str]]] = {
    "drugs": (["叶子 高品质 5g", "冰 现货", "减肥药 进口", "助眠片 一盒"],
              ["Weed top shelf 5g", "MDMA pills 10x", "Xanax bars 20x", "LSD tabs"]),
    "software": (["远控软件 免杀", "破解版 Office 激活码", "VPN 账号 一年", "群发软件"],
                 ["RAT builder FUD", "cracked Adobe keys", "VPN accounts 1 year", "bulk SMS tool"]),
    "tutorials": (["暗网新手教程", "数据清洗入门", "Tor 配置教程", "比特币混币方法"],
                  ["OPSEC guide for beginners", "how to set up Tor bridges", "PGP tutorial", "data cleaning with Python"]),
    "counterfeit": (["高仿名表", "高仿包包 一比一", "假证 制作", "仿制烟"],
                    ["replica watches AAA", "fake designer bags", "counterfeit sneakers"]),
    "chatter": (["新人报道", "市场又挂了？", "有人被骗过吗", "求推荐靠谱卖家", "今天U价多少"],
                ["new here, hi", "market down again?", "anyone scammed by this vendor?", "which escrow is safe?"]),
}

CATEGORY_LABELS: dict[str, tuple[str, str]] = {
    "orders": ("订单物流", "Orders & Logistics"), "id": ("身份实名", "ID Data"),
    "phone": ("手机号段", "Phone Lists"), "bank": ("银行金融", "Bank & Finance"),
    "education": ("教育学籍", "Education"), "medical": ("医疗健康", "Medical"),
    "hotel": ("酒店出行", "Travel & Hotel"), "drugs": ("药品", "Drugs"),
    "software": ("软件工具", "Software"), "tutorials": ("教程", "Tutorials"),
    "counterfeit": ("仿品", "Counterfeit"), "chatter": ("闲聊", "Chatter"),
}


@dataclass(frozen=True)
class Style:
    """A writer's habits, applied to every text the writer produces."""

    lang: str  # zh, en, mixed
    greeting: str
    signoff: str
    brackets: tuple[str, str]
    bang: str
    emoji: str
    cjk_digit_space: bool


_GREETINGS_ZH = ["老板们好，", "各位兄弟，", "【诚信商家】", "新老客户注意：", "", "大家好～", "本店长期出："]
_GREETINGS_EN = ["Hi all, ", "Hello buyers, ", "", "Welcome to my shop. ", "Fresh stock: "]
_SIGNOFF_ZH = ["量大从优，非诚勿扰", "先款后货，不议价", "老客户优先～", "tg联系，秒回", "支持担保交易",
               "数据保真，假一赔十", "可验数据，可小额测试"]
_SIGNOFF_EN = ["Escrow ok.", "No refunds after delivery.", "DM for bulk price.", "Fast delivery, PGP only.",
               "Samples on request.", "Serious buyers only!"]


def draw_style(rng: random.Random, lang: str | None = None) -> Style:
    """A random writer; `lang` forces the language habit."""
    lang = lang or rng.choices(["zh", "en", "mixed"], weights=[5, 2, 3])[0]
    greet = rng.choice(_GREETINGS_EN if lang == "en" else _GREETINGS_ZH)
    sign = rng.choice(_SIGNOFF_EN if lang == "en" else _SIGNOFF_ZH)
    return Style(
        lang=lang, greeting=greet, signoff=sign,
        brackets=rng.choice([("【", "】"), ("[", "]"), ("「", "」"), ("★", "★")]),
        bang=rng.choice(["！", "!!", "～", "。", "!!!"]) if lang != "en" else rng.choice(["!", "!!", ".", " :)"]),
        emoji=rng.choice(["🔥", "✅", "💰", "", "", "⭐"]),
        cjk_digit_space=rng.random() < 0.4,
    )


def _num(style: Style, text: str) -> str:
    return f" {text} " if style.cjk_digit_space else text


def category_label(slug: str, lang: str) -> str:
    zh, en = CATEGORY_LABELS[slug]
    return en if lang == "en" else zh


def contact_lines(style: Style, contacts: list[tuple[str, str]]) -> list[str]:
    """Contact and payment lines, each writer's own labels."""
    zh = style.lang != "en"
    labels = {
        "telegram": "飞机" if zh else "Telegram", "qq": "QQ", "wechat": "微信" if zh else "WeChat",
        "usdt_trc20": "USDT(TRC20)", "usdt_erc20": "USDT(ERC20)", "btc": "BTC", "pgp": "PGP",
    }
    sep = "：" if zh and style.bang in {"！", "。", "～"} else ": "
    return [f"{labels[kind]}{sep}{value}" for kind, value in contacts]


def trafficking_text(
    rng: random.Random, style: Style, category: str, volume: str, price: str,
    origin: str | None, region: str | None, contacts: list[tuple[str, str]],
) -> tuple[str, str]:
    """Title and body of a personal-data offer."""
    zh_names, en_names = TRAFFICKING[category]
    lb, rb = style.brackets
    if style.lang == "en":
        product = rng.choice(en_names)
        where = f" ({region})" if region else ""
        src = f" from {origin}" if origin else ""
        title = f"{lb}{product}{rb}{src}{where} {volume}{style.bang}"
        lines = [f"{style.greeting}{product}{src}{where}, {volume} total{style.bang}",
                 f"Price: {price}", "Fields: name, ID number, phone, address", "Updated this month, low dupes."]
    else:
        product = rng.choice(zh_names)
        if style.lang == "mixed":
            product = f"{product} / {rng.choice(en_names)}"
        where = f"{region}" if region else ""
        src = f"{origin}" if origin else ""
        title = f"{lb}{where}{src}{product}{rb}{_num(style, volume)}{style.bang}{style.emoji}".strip()
        lines = [f"{style.greeting}出{where}{src}{product}{_num(style, volume)}{style.bang}",
                 f"价格{_num(style, price)}", rng.choice(["字段：姓名 身份证 手机 地址", "包含姓名、电话、地址、订单号",
                                                       "实时更新，重复率低", "全新一手数据"])]
    lines.append("Sample below (partial):" if style.lang == "en" else "样本如下（部分）：")
    lines += contact_lines(style, contacts)
    lines.append(style.signoff)
    return title.replace("  ", " "), "\n".join(lines)


def other_text(
    rng: random.Random, style: Style, category: str, contacts: list[tuple[str, str]],
) -> tuple[str, str]:
    """Title and body of a post that trades no personal data."""
    zh_names, en_names = OTHER[category]
    lb, rb = style.brackets
    name = rng.choice(en_names if style.lang == "en" else zh_names)
    if category == "chatter":
        body = [name + style.bang, rng.choice(
            ["Market has been slow lately." if style.lang == "en" else "最近市场很卡，大家注意安全",
             "Use PGP, always." if style.lang == "en" else "交易一定走担保",
             "Price of USDT moved again." if style.lang == "en" else "U价又涨了"])]
        return name, "\n".join(body)
    if category == "tutorials":
        body = [f"{style.greeting}{name}{style.bang}",
                "Step 1: install Tor Browser. Step 2: verify signatures." if style.lang == "en"
                else "第一步：安装工具；第二步：校验签名；第三步：注意隐私。"]
        return f"{lb}{name}{rb}", "\n".join(body)
    price = f"{rng.randint(2, 80) * 10}U" if style.lang != "en" else f"{rng.randint(2, 80) * 10} USDT"
    body = [f"{style.greeting}{name}{style.bang}{style.emoji}", f"Price: {price}" if style.lang == "en"
            else f"价格{_num(style, price)}"]
    body += contact_lines(style, contacts[:2])
    body.append(style.signoff)
    return f"{lb}{name}{rb}{style.emoji}".strip(), "\n".join(body)
