"""Synthetic listing posts with planted identifiers and planted near-misses.

Valid identifiers are built from the specifications independently of
`leaktrace.intel` (Base58Check via the `base58` package, Bech32 v0 via the
`bech32` package, onion v3 and Tox checksums written out here), so a shared
misreading of a spec cannot make both sides agree. Near-misses are what
breaks precision in real posts: one character changed in a checksummed
string, an 8-digit number with no QQ word in front, a 40-hex hash with no
PGP word near, a 66-hex string not starting 05.

This generator belongs to `simulate` and lives test-side until that package
can take it (see the intel report).
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
from dataclasses import dataclass, field
from pathlib import Path

import base58
import bech32
from Crypto.Hash import keccak

DATA = Path(__file__).parent / "data"
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


@dataclass
class Post:
    text: str
    truth: set[tuple[str, str]] = field(default_factory=set)
    near_misses: list[str] = field(default_factory=list)


def rbytes(rng: random.Random, n: int) -> bytes:
    return bytes(rng.getrandbits(8) for _ in range(n))


def btc_legacy(rng: random.Random) -> str:
    return base58.b58encode_check(bytes([rng.choice([0, 5])]) + rbytes(rng, 20)).decode()


def btc_segwit_v0(rng: random.Random) -> str:
    out = bech32.encode("bc", 0, list(rbytes(rng, rng.choice([20, 32]))))
    assert out is not None
    return out


def tron(rng: random.Random) -> str:
    return base58.b58encode_check(b"\x41" + rbytes(rng, 20)).decode()


def eip55(hex40: str) -> str:
    h = hex40.lower()
    d = keccak.new(digest_bits=256, data=h.encode()).hexdigest()
    return "0x" + "".join(c.upper() if c in "abcdef" and int(d[i], 16) >= 8 else c for i, c in enumerate(h))


def eth(rng: random.Random) -> str:
    while True:
        a = eip55(rbytes(rng, 20).hex())
        if a[2:] != a[2:].lower() and a[2:] != a[2:].upper():
            return a


def onion_v3(rng: random.Random) -> str:
    pub = rbytes(rng, 32)
    chk = hashlib.sha3_256(b".onion checksum" + pub + b"\x03").digest()[:2]
    return base64.b32encode(pub + chk + b"\x03").decode().lower() + ".onion"


def tox_id(rng: random.Random) -> str:
    body = rbytes(rng, 36)
    c0 = c1 = 0
    for i in range(0, 36, 2):
        c0 ^= body[i]
        c1 ^= body[i + 1]
    return (body + bytes([c0, c1])).hex().upper()


def session_id(rng: random.Random) -> str:
    return "05" + rbytes(rng, 32).hex()


def handle(rng: random.Random, lo: int = 6, hi: int = 14) -> str:
    n = rng.randint(lo, hi)
    return rng.choice(string.ascii_lowercase) + "".join(
        rng.choice(string.ascii_lowercase + string.digits) for _ in range(n - 1))


def qq_number(rng: random.Random) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(rng.randint(6, 9)))


def change_one(rng: random.Random, s: str, alphabet: str, lo: int = 1) -> str:
    """The same string with one character (not the first `lo`) replaced by another of `alphabet`."""
    i = rng.randrange(lo, len(s))
    repl = rng.choice([c for c in alphabet if c != s[i]])
    return s[:i] + repl + s[i + 1 :]


def flip_case(rng: random.Random, addr: str) -> str:
    """An EIP-55 address with one letter's case flipped: the checksum no longer holds."""
    idx = [i for i, c in enumerate(addr) if i >= 2 and c.isalpha()]
    i = rng.choice(idx)
    return addr[:i] + addr[i].swapcase() + addr[i + 1 :]


def pgp_fixtures() -> list[tuple[str, str]]:
    """(armoured block, fingerprint gpg printed) for the shipped synthetic keys."""
    out = []
    for line in (DATA / "gpg_fingerprints.tsv").read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name, fpr = line.split("\t")
        out.append(((DATA / name).read_text(), fpr))
    return out


def _valid(rng: random.Random) -> tuple[str, tuple[str, str]]:
    kind = rng.choice(["btc", "btc_sw", "tron", "eth", "onion", "tox", "session", "tg_link", "tg_at",
                       "qq", "wechat", "email", "jabber", "fpr", "xmr_known"])
    if kind == "btc":
        a = btc_legacy(rng)
        return f"BTC地址: {a}", ("btc", a)
    if kind == "btc_sw":
        a = btc_segwit_v0(rng)
        return f"pay to {a} ", ("btc", a)
    if kind == "tron":
        a = tron(rng)
        return f"USDT(TRC20)收款 {a}", ("tron", a)
    if kind == "eth":
        a = eth(rng)
        return f"ERC20: {a}", ("eth", a)
    if kind == "onion":
        a = onion_v3(rng)
        return f"镜像 http://{a}/shop", ("onion", a)
    if kind == "tox":
        a = tox_id(rng)
        return f"tox {a}", ("tox", a)
    if kind == "session":
        a = session_id(rng)
        return f"Session: {a}", ("session", a)
    if kind == "tg_link":
        h = handle(rng)
        return f"频道 https://t.me/{h} ", ("telegram", h)
    if kind == "tg_at":
        h = handle(rng)
        return f"飞机 @{h} 私聊", ("telegram", h)
    if kind == "qq":
        n = qq_number(rng)
        ctx = rng.choice(["QQ:", "扣扣 ", "企鹅号", "qq ", "Q："])
        return f"联系{ctx}{n}", ("qq", n)
    if kind == "wechat":
        h = handle(rng)
        ctx = rng.choice(["微信:", "vx ", "V信：", "威信 ", "wx:"])
        return f"{ctx}{h} 备注来意", ("wechat", h)
    if kind == "email":
        e = f"{handle(rng)}@{rng.choice(['protonmail.com', 'gmail.com', 'tutanota.com', '163.com'])}"
        return f"邮箱 {e}", ("email", e)
    if kind == "jabber":
        j = f"{handle(rng)}@{rng.choice(['exploit.im', 'jabber.ru', 'xmpp.jp'])}"
        return f"Jabber: {j}", ("jabber", j)
    if kind == "fpr":
        block, fpr = rng.choice(pgp_fixtures())
        if rng.random() < 0.5:
            return f"PGP公钥:\n{block}\n", ("pgp_fingerprint", fpr)
        grouped = " ".join(fpr[i : i + 4] for i in range(0, 40, 4))
        return f"fingerprint: {grouped}", ("pgp_fingerprint", fpr)
    a = ("44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A")
    return f"XMR only: {a}", ("xmr", a)


def _near_miss(rng: random.Random) -> str:
    kind = rng.choice(["btc", "btc_sw", "tron", "eth", "onion", "tox", "session06", "qq8", "sha1",
                       "order", "tg_short", "tg_underscore", "logo", "date", "phone_bare", "sha256"])
    if kind == "btc":
        return f"BTC地址: {change_one(rng, btc_legacy(rng), B58)}"
    if kind == "btc_sw":
        a = btc_segwit_v0(rng)
        return f"pay to {change_one(rng, a, BECH, lo=4)} "
    if kind == "tron":
        return f"TRC20 {change_one(rng, tron(rng), B58)}"
    if kind == "eth":
        return f"ERC20: {flip_case(rng, eth(rng))}"
    if kind == "onion":
        a = onion_v3(rng)
        return f"http://{change_one(rng, a[:56], 'abcdefghijklmnopqrstuvwxyz234567', lo=0)}.onion"
    if kind == "tox":
        return f"tox {change_one(rng, tox_id(rng), '0123456789ABCDEF', lo=0)}"
    if kind == "session06":
        return f"id 06{rbytes(rng, 32).hex()}"
    if kind == "qq8":
        return f"订单号 {rng.randint(10_000_000, 99_999_999)} 已发货"
    if kind == "sha1":
        return f"sha1 {rbytes(rng, 20).hex()} 校验"
    if kind == "sha256":
        return f"hash {rbytes(rng, 32).hex()}"
    if kind == "order":
        return f"价格 {rng.randint(10_000_000, 99_999_999)} 编号"
    if kind == "tg_short":
        return f"@{handle(rng, 3, 4)} 好"
    if kind == "tg_underscore":
        return f"@{handle(rng)}_ 好"
    if kind == "logo":
        return "图片 logo@2x.png 下载"
    if kind == "date":
        return f"更新于 {rng.randint(2015, 2024)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    return f"编号 {rng.randint(100, 999)}{rng.randint(10_000_000, 99_999_999)}"


_FILLER = [
    "出售全国快递数据，一手料，实时更新", "Selling fresh fullz, bulk discount", "四件套 身份证 银行卡 手机卡",
    "社工库 查询 开房记录", "combo list 1.2 billion lines", "样本免费，担保交易", "价格私聊", "长期供应，量大从优",
    "21.2万条 2018年8月 浙江", "0.05BTC 每万条", "自动发货", "escrow only", "KYC docs with selfie",
]


def generate_posts(rng: random.Random, n: int) -> list[Post]:
    """`n` posts, each with 1-4 planted identifiers and 0-3 near-misses among filler text."""
    posts = []
    for _ in range(n):
        parts: list[str] = []
        post = Post("")
        for _ in range(rng.randint(1, 4)):
            text, truth = _valid(rng)
            parts.append(text)
            post.truth.add(truth)
        for _ in range(rng.randint(0, 3)):
            nm = _near_miss(rng)
            parts.append(nm)
            post.near_misses.append(nm)
        parts.extend(rng.sample(_FILLER, k=rng.randint(2, 5)))
        rng.shuffle(parts)
        post.text = "，".join(parts) if rng.random() < 0.5 else "\n".join(parts)
        posts.append(post)
    return posts
