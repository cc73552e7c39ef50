"""A seeded Chinese/English text corpus with planted PII and its truth.

Accuracy and throughput of `leaktrace scan` (and of peers such as Presidio)
are measured on text whose every PII value is known: listing posts, chat,
order lines, logs, code and prose, with valid resident IDs, mobiles, bank
cards and e-mails in the forms people write them, and near-misses that a
careless detector reports as valid (bad checksums, 17/19-digit runs,
timestamps, order and tracking numbers that pass Luhn by chance, numbers
outside mobile segments, malformed e-mails). All values are generated; none
belongs to a real person. The BIN prefixes used for cards are public issuer
numbers, the account digits random.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from leaktrace.core.cn_id_rule import CHECK_CHARS, check_char
from leaktrace.pii.regions import PROVINCES, region_table

VALID = "valid"
EVALUATED_TYPES = ("cn_id", "cn_mobile", "bank_card", "email")


@dataclass(frozen=True, slots=True)
class Planted:
    """One planted value: the PII type it is (or imitates), its span, and what it is.

    `value_kind` is "valid" for real-shaped PII and names the trap otherwise
    ("bad_checksum", "digits19", "order_luhn", ...). Offsets are character
    offsets into `Corpus.text`.
    """

    type: str
    start: int
    end: int
    value_kind: str

    @property
    def valid(self) -> bool:
        return self.value_kind == VALID


@dataclass
class Corpus:
    text: str
    truth: list[Planted] = field(default_factory=list)

    def planted(self, pii_type: str, valid: bool | None = True) -> list[Planted]:
        """Planted values of a type; valid=None gives valid and near-misses together."""
        return [p for p in self.truth if p.type == pii_type and (valid is None or p.valid == valid)]

    @property
    def utf8_bytes(self) -> int:
        return len(self.text.encode("utf-8"))


# --- value makers ---------------------------------------------------------------------------

# Current mainland mobile segments (voice numbers of the three carriers, the
# virtual operators 170/171/162/165/167 and the 19x range).
MOBILE_SEGMENTS = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "149",
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "162", "165", "166", "167",
    "170", "171", "172", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184",
    "185", "186", "187", "188", "189", "190", "191", "192", "193", "195", "196", "197", "198",
    "199",
)
# Public UnionPay issuer prefixes (ICBC, ABC, CCB, BOC, CMB, BoCom, Ping An, PSBC).
UNIONPAY_BINS = (
    "622202", "621226", "622848", "621700", "622700", "621661", "622588", "621483",
    "622260", "623058", "621799", "622150",
)
EMAIL_DOMAINS = (
    "qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com", "foxmail.com",
    "hotmail.com", "139.com", "aliyun.com", "sohu.com", "mail.example.org", "corp-example.cn",
)
_PINYIN = (
    "wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun",
    "ma", "zhu", "hu", "guo", "he", "lin", "luo", "gao", "wei", "jun", "hua", "ming", "xiao",
    "hong", "jing", "fang", "lei", "yan", "ping", "tao", "bo", "xin", "yu",
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红"


def luhn_check_digit(body: str) -> str:
    """The Luhn digit that makes `body + digit` pass."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return luhn_check_digit(number[:-1]) == number[-1]


@lru_cache(maxsize=1)
def _region_codes() -> tuple[str, ...]:
    """County-level codes in use today, from the same table the cn_id detector reads."""
    return tuple(
        sorted(
            code
            for code, names in region_table().items()
            if code[:2] in PROVINCES and code[:2] not in ("71",) and not code.endswith("00")
            and any(r.end is None for r in names)
        )
    )


# Regions for 17/19-digit traps: prefixes 1x/2x, so no run looks like a card
# BIN (3x JCB/Amex, 4x Visa, 5x Mastercard, 62 UnionPay) by accident.
@lru_cache(maxsize=1)
def _plain_region_codes() -> tuple[str, ...]:
    return tuple(c for c in _region_codes() if c[0] in "12")


class _Maker:
    """Draws synthetic values from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.regions = _region_codes()
        self.plain_regions = _plain_region_codes()
        self._d0 = dt.date(1935, 1, 1).toordinal()
        self._d1 = dt.date(2012, 12, 31).toordinal()

    def digits(self, n: int) -> str:
        return str(self.r.randrange(10**n)).zfill(n)

    def _id_body(self, regions: tuple[str, ...]) -> str:
        birth = dt.date.fromordinal(self.r.randint(self._d0, self._d1))
        return f"{self.r.choice(regions)}{birth:%Y%m%d}{self.digits(3)}"

    def cn_id(self) -> str:
        body = self._id_body(self.regions)
        chk = check_char(body)
        if chk == "X" and self.r.random() < 0.2:
            chk = "x"
        return body + chk

    def cn_id15(self) -> str:
        birth = dt.date.fromordinal(self.r.randint(self._d0, dt.date(1999, 12, 31).toordinal()))
        return f"{self.r.choice(self.regions)}{birth:%y%m%d}{self.digits(3)}"

    def id_bad_checksum(self) -> str:
        body = self._id_body(self.regions)
        good = check_char(body)
        return body + self.r.choice([c for c in CHECK_CHARS if c != good])

    def digits17(self) -> str:
        return self._id_body(self.plain_regions)

    def digits19(self) -> str:
        body = self._id_body(self.plain_regions)
        return body + check_char(body) + str(self.r.randrange(10))

    def mobile_number(self) -> str:
        return self.r.choice(MOBILE_SEGMENTS) + self.digits(8)

    def mobile(self) -> str:
        n = self.mobile_number()
        a, b, c = n[:3], n[3:7], n[7:]
        x = self.r.random()
        if x < 0.5:
            return n
        if x < 0.6:
            return f"{a} {b} {c}"
        if x < 0.7:
            return f"{a}-{b}-{c}"
        if x < 0.78:
            return f"+86 {n}"
        if x < 0.84:
            return f"+86-{a}-{b}-{c}"
        if x < 0.9:
            return f"+86{n}"
        if x < 0.96:
            return f"0086 {n}"
        return f"(+86) {a} {b} {c}"

    def not_mobile(self) -> str:
        return "1" + self.r.choice("012") + self.digits(9)

    def _card_number(self) -> str:
        x = self.r.random()
        if x < 0.55:
            length = self.r.choice((16, 19))
            body = self.r.choice(UNIONPAY_BINS)
        elif x < 0.8:
            length, body = 16, "4" + self.digits(5)
        elif x < 0.92:
            length, body = 16, "5" + self.r.choice("12345") + self.digits(4)
        else:
            length, body = 16, str(self.r.randint(2221, 2720)) + self.digits(2)
        body += self.digits(length - 1 - len(body))
        return body + luhn_check_digit(body)

    def _group(self, n: str) -> str:
        if self.r.random() < 0.7:
            return n
        sep = self.r.choice((" ", "-"))
        return sep.join(n[i : i + 4] for i in range(0, len(n), 4))

    def card(self) -> str:
        return self._group(self._card_number())

    def bad_luhn(self) -> str:
        n = self._card_number()
        wrong = str((int(n[-1]) + self.r.randint(1, 9)) % 10)
        return self._group(n[:-1] + wrong)

    def _order_digits(self, length: int) -> str:
        return str(self.r.randint(1, 9)) + self.digits(length - 1)

    def order_luhn19(self) -> str:
        body = self._order_digits(18)
        return body + luhn_check_digit(body)

    def order_no(self) -> str:
        from leaktrace.pii.detectors.cn_id import check_cn_id

        while True:
            n = self._order_digits(self.r.randint(18, 22))
            if luhn_ok(n) or (len(n) == 18 and check_cn_id(n)[0]):
                continue
            return n

    def ts14(self) -> str:
        t = dt.datetime(2015, 1, 1) + dt.timedelta(seconds=self.r.randrange(11 * 365 * 86400))
        return f"{t:%Y%m%d%H%M%S}"

    def ts13(self) -> str:
        return str(self.r.randrange(1_400_000_000_000, 1_800_000_000_000))

    def _local(self) -> str:
        r = self.r
        parts = [r.choice(_PINYIN) for _ in range(r.randint(1, 2))]
        local = r.choice(("", ".", "_")).join(parts)
        if r.random() < 0.6:
            local += str(r.randrange(10 ** r.randint(1, 4)))
        if r.random() < 0.05:
            local += "+" + r.choice(_PINYIN)
        return local

    def email(self) -> str:
        local = self._local()
        if self.r.random() < 0.1:
            local = local.capitalize()
        return f"{local}@{self.r.choice(EMAIL_DOMAINS)}"

    def bad_email(self) -> str:
        local, dom = self._local(), self.r.choice(EMAIL_DOMAINS)
        label = dom.split(".")[0]
        return self.r.choice(
            (f"{local}@@{dom}", f"{local}@{label}", f"{local}@{label},com", f"{local}@.{dom}", f"{local}@{label}.c")
        )

    def name(self) -> str:
        return self.r.choice(_SURNAMES) + "".join(self.r.choice(_GIVEN) for _ in range(self.r.randint(1, 2)))

    def fill_cn(self) -> str:
        return self.r.choice(FILL_CN)

    def fill_en(self) -> str:
        return self.r.choice(FILL_EN)


# slot name -> (PII type or None for untracked text, value kind, maker method)
SLOTS: dict[str, tuple[str | None, str, Callable[[_Maker], str]]] = {
    "id": ("cn_id", VALID, _Maker.cn_id),
    "id15": ("cn_id", VALID, _Maker.cn_id15),
    "id_badsum": ("cn_id", "bad_checksum", _Maker.id_bad_checksum),
    "d17": ("cn_id", "digits17", _Maker.digits17),
    "d19": ("cn_id", "digits19", _Maker.digits19),
    "mob": ("cn_mobile", VALID, _Maker.mobile),
    "notmob": ("cn_mobile", "not_segment", _Maker.not_mobile),
    "ts13": ("cn_mobile", "timestamp_ms", _Maker.ts13),
    "card": ("bank_card", VALID, _Maker.card),
    "badluhn": ("bank_card", "luhn_fail", _Maker.bad_luhn),
    "order19": ("bank_card", "order_luhn", _Maker.order_luhn19),
    "orderno": ("bank_card", "order_no", _Maker.order_no),
    "ts14": ("cn_id", "timestamp", _Maker.ts14),
    "email": ("email", VALID, _Maker.email),
    "bademail": ("email", "bad_form", _Maker.bad_email),
    "name": (None, "", _Maker.name),
    "fill_cn": (None, "", _Maker.fill_cn),
    "fill_en": (None, "", _Maker.fill_en),
}

FILL_CN = (
    "全国各地数据，实时更新，量大从优。", "需要的老板私聊，非诚勿扰。", "样本可以先看，满意再付款。",
    "本店信誉第一，担保交易。", "数据来源可靠，准确率很高。", "支持比特币和泰达币支付。",
    "今天天气不错，适合出去走走。", "这批货质量一般，价格再商量。", "有问题请在帖子下面留言。",
    "老客户打九折，新客户先试用。", "请勿在公开频道讨论细节。", "更新了一批快递物流信息。",
    "这个系统支持分布式部署，性能稳定。", "客服在线时间为上午到晚上。", "资料已经整理好了，按省份分类。",
)
FILL_EN = (
    "Fresh data, updated weekly.", "Escrow accepted, no refunds after delivery.",
    "Message me for bulk pricing.", "The quick brown fox jumps over the lazy dog.",
    "Samples available on request.", "Please read the terms before ordering.",
    "This build fixes the parser and adds logging.", "Shipping worldwide, stealth packaging.",
    "All records verified before sale.", "Contact support if the download fails.",
)

TEMPLATES: tuple[tuple[int, str], ...] = (
    # listings
    (6, "【出售】{fill_cn}样本：姓名{name}，身份证{id}，手机{mob}，银行卡号{card}。\n"),
    (4, "{name},{id},{mob},{email}\n"),
    (2, "{name}\t{id15}\t{mob}\t地址不详\n"),
    (3, "一手资料，{fill_cn}联系邮箱：{email}，或者手机{mob}。\n"),
    # chat
    (4, "买家：能发个样本吗？\n卖家：{name} {mob} 身份证号码：{id}\n"),
    (3, "[chat] user: 我的手机是{mob}，邮箱{email} 发我\n"),
    # orders
    (4, "订单号：{orderno} 收货人：{name} 电话：{mob} 支付卡号：{card}\n"),
    (3, "运单号{order19}，签收人手机{mob}\n"),
    (2, "order no. {order19} paid with card {card} ({email})\n"),
    (2, "订单号{orderno}，交易流水号 {order19}\n"),
    # logs
    (3, "2023-05-06 12:00:01 INFO login ok user={email} ts={ts13}\n"),
    (2, "[{ts14}] WARN payment failed card={badluhn} reason=luhn\n"),
    (2, "DEBUG session={ts14} phone={notmob} status=rejected\n"),
    # code
    (2, '    user = {"id_card": "{id}", "phone": "{mob}", "email": "{email}"}\n'),
    (2, "INSERT INTO users VALUES ('{name}', '{id15}', '{mob}', '{card}');\n"),
    # prose
    (3, "Contact me at {email} or call {mob} for the full database. {fill_en}\n"),
    (2, "Fullz with Chinese ID {id} and card number {card}. {fill_en}\n"),
    # near-misses in context
    (3, "错误样本：身份证{id_badsum}，证件号码 {d17}，身份证号 {d19}。\n"),
    (2, "卡号{badluhn}（无效），信用卡 {badluhn}\n"),
    (2, "随机编号 {notmob}，时间戳 {ts13} / {ts14}\n"),
    (2, "邮箱填错了：{bademail} 和 {bademail} 都不对。\n"),
    # filler only
    (6, "{fill_cn}{fill_cn}\n"),
    (4, "{fill_en} {fill_en}\n"),
)

_SLOT_RE = re.compile(r"\{(\w+)\}")


def _parse(template: str) -> list[tuple[str, str]]:
    """('lit', text) and ('slot', name) parts; `{"x": ...}` in code stays literal."""
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in _SLOT_RE.finditer(template):
        if m.group(1) not in SLOTS:
            continue
        if m.start() > pos:
            parts.append(("lit", template[pos : m.start()]))
        parts.append(("slot", m.group(1)))
        pos = m.end()
    if pos < len(template):
        parts.append(("lit", template[pos:]))
    return parts


_PARSED = [_parse(t) for _w, t in TEMPLATES]
_FILLER_ONLY = [all(kind == "lit" or SLOTS[item][0] is None for kind, item in parts) for parts in _PARSED]


def generate_corpus(size_bytes: int, seed: int = 0, filler_weight: float = 1.0) -> Corpus:
    """At least `size_bytes` of UTF-8 text (whole records), with its truth; same seed, same corpus.

    The default is dense (a planted value every ~40 bytes) so accuracy tests
    stay small; `filler_weight` multiplies the share of records without PII,
    e.g. 50 for listing-like text with a PII record every ~1 KB.
    """
    rng = random.Random(seed)
    weights = [w * (filler_weight if f else 1.0) for (w, _t), f in zip(TEMPLATES, _FILLER_ONLY, strict=True)]
    maker = _Maker(rng)
    pieces: list[str] = []
    truth: list[Planted] = []
    pos = 0
    nbytes = 0
    batch = 256
    while nbytes < size_bytes:
        for parts in rng.choices(_PARSED, weights=weights, k=batch):
            for kind, item in parts:
                if kind == "lit":
                    s = item
                else:
                    pii_type, value_kind, make = SLOTS[item]
                    s = make(maker)
                    if pii_type is not None:
                        truth.append(Planted(pii_type, pos, pos + len(s), value_kind))
                pieces.append(s)
                pos += len(s)
                nbytes += len(s) if s.isascii() else len(s.encode("utf-8"))
            if nbytes >= size_bytes:
                break
    return Corpus("".join(pieces), truth)


@dataclass(frozen=True)
class TypeScore:
    """Valid hits of one type against the valid planted values of that type."""

    type: str
    planted: int
    hits: int
    true_pos: int

    @property
    def precision(self) -> float:
        return self.true_pos / self.hits if self.hits else 1.0

    @property
    def recall(self) -> float:
        return self.true_pos / self.planted if self.planted else 1.0

    def line(self) -> str:
        return (
            f"{self.type:10s} planted={self.planted:6d} hits={self.hits:6d} tp={self.true_pos:6d} "
            f"precision={self.precision:.4f} recall={self.recall:.4f}"
        )


def score_spans(
    truth: list[Planted], hits: list[tuple[str, int, int]], pii_type: str
) -> tuple[TypeScore, list[tuple[int, int]], list[Planted]]:
    """Score (type, start, end) hits that claim to be valid against the valid truth of a type.

    A hit counts when it overlaps a valid planted value of its type (detectors
    may or may not include a '+86 ' prefix or a separator); each planted value
    and each hit is counted at most once. Returns the score, the false-positive
    spans and the missed planted values, for inspection.
    """
    want = sorted((p for p in truth if p.type == pii_type and p.valid), key=lambda p: p.start)
    got = sorted((s, e) for t, s, e in hits if t == pii_type)
    used = [False] * len(want)
    starts = [p.start for p in want]
    import bisect

    fps: list[tuple[int, int]] = []
    tp = 0
    for s, e in got:
        i = bisect.bisect_right(starts, e) - 1
        matched = False
        while i >= 0 and want[i].end > s - 64:
            p = want[i]
            if not used[i] and p.start < e and s < p.end:
                used[i] = matched = True
                tp += 1
                break
            i -= 1
        if not matched:
            fps.append((s, e))
    missed = [p for p, u in zip(want, used, strict=True) if not u]
    return TypeScore(pii_type, len(want), len(got), tp), fps, missed
