"""Messenger contacts sellers post: Telegram, QQ, WeChat, Jabber, Tox, Session, phone.

Most of these are bare digits or short words, meaningless without the word
in front that names the app (`QQ:`, `扣扣`, `企鹅`, `vx`, `威信`, `飞机`):
an 8-digit number alone is an order number, a price or a date far more often
than a QQ number, so digits-and-words contacts are taken only after such a
word. Formats that carry their own structure are taken anywhere: `t.me/`
links, `@handles`, Tox IDs (with their XOR checksum) and Session IDs
(66 hex digits starting `05`). Each extractor yields
(type, value, start, end, attrs); `identifiers` validates and merges.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

from leaktrace.pii.detectors.cn_mobile import is_valid_mobile

Found = tuple[str, str, int, int, dict[str, Any]]

_SEP = r"\s{0,3}[:：=]?\s{0,3}(?:是|为|号)?\s{0,2}"
_HANDLE = r"[A-Za-z][A-Za-z0-9_]{4,31}"

TG_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/(?:s/)?(\+[A-Za-z0-9_\-]{10,40}|joinchat/[A-Za-z0-9_\-]{10,40}|"
    + _HANDLE + r")(?![A-Za-z0-9_])",
    re.IGNORECASE,
)
TG_RESOLVE = re.compile(r"tg://resolve\?domain=(" + _HANDLE + r")(?![A-Za-z0-9_])", re.IGNORECASE)
TG_AT = re.compile(r"(?<![A-Za-z0-9._%+\-@/])@(" + _HANDLE + r")(?![A-Za-z0-9_@])")
TG_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:telegram|tg|纸飞机|飞机|电报)(?:号|账号|id)?" + _SEP + r"@?(" + _HANDLE + r")(?![A-Za-z0-9_@.])",
    re.IGNORECASE,
)
TG_RESERVED = frozenset({
    "joinchat", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "login", "setlanguage",
    "addtheme", "confirmphone", "contact", "boost", "addlist", "invoice", "telegram", "username",
})

QQ = re.compile(
    r"(?<![A-Za-z])(?:q\s?q|扣扣|企鹅|抠抠|口口|球球|q)(?:号码|号|群|群号)?" + _SEP + r"([1-9][0-9]{4,10})(?![0-9])",
    re.IGNORECASE,
)

_WX_ID = r"([A-Za-z][-_A-Za-z0-9]{5,19}|(?:\+?86[ -]?)?1[3-9][0-9]{9})(?![-_A-Za-z0-9])"
WECHAT_STRONG = re.compile(
    r"(?<![A-Za-z])(?:微信号?|wechat|weixin|vx|wx|v信|威信|薇信|徽信|加v|加微)" + _SEP + _WX_ID,
    re.IGNORECASE,
)
WECHAT_WEAK = re.compile(r"(?<![A-Za-z])v\s{0,2}[:：]\s{0,3}" + _WX_ID, re.IGNORECASE)

PHONE_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:电话|手机号?|联系电话|联系方式|tel|phone|whatsapp|signal|call)" + _SEP
    + r"(?:\+?86[ -]?)?(1[3-9][0-9](?:[ -]?[0-9]{4}){2})(?![0-9])",
    re.IGNORECASE,
)

JABBER_CONTEXT = re.compile(
    r"(?<![A-Za-z])(?:jabber|xmpp|jid|jb)" + _SEP + r"([A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,24})",
    re.IGNORECASE,
)

# The app words each context pattern needs, lower-cased: a post naming none of them skips that
# pattern's scan (a look-behind-led, case-insensitive regex tries every position of the text).
_TG_WORDS = ("telegram", "tg", "飞机", "电报")
_WX_WORDS = ("微信", "wechat", "weixin", "vx", "wx", "v信", "威信", "薇信", "徽信", "加v", "加微")
_WX_WEAK_HINT = re.compile(r"v\s{0,2}[:：]", re.IGNORECASE)
_PHONE_WORDS = ("电话", "手机", "联系方式", "tel", "phone", "whatsapp", "signal", "call")
_JABBER_WORDS = ("jabber", "xmpp", "jid", "jb")


@lru_cache(maxsize=64)
def _word_search(words: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    return re.compile("|".join(re.escape(w) for w in words)).search


def _names_any(low: str, words: tuple[str, ...]) -> bool:
    """`any(w in low for w in words)` as one regex search (a generator step per word cost more)."""
    return _word_search(words)(low) is not None


# Tox and Session IDs come from the hex-run pass in `identifiers` (one scan for every hex format).
TOX_LEN = 76
SESSION_LEN = 66


@lru_cache(maxsize=1)
def xmpp_servers() -> frozenset[str]:
    text = resources.files("leaktrace.intel.data").joinpath("xmpp_servers.txt").read_text("utf-8")
    return frozenset(ln.strip().lower() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


def is_tox_id(hex76: str) -> bool:
    """Public key[32] | nospam[4] | checksum[2], the checksum the XOR of the 2-byte words."""
    raw = bytes.fromhex(hex76)
    c0 = c1 = 0
    for i in range(0, 36, 2):
        c0 ^= raw[i]
        c1 ^= raw[i + 1]
    return raw[36] == c0 and raw[37] == c1


def valid_tg_handle(h: str) -> bool:
    return not h.endswith("_") and "__" not in h and h.lower() not in TG_RESERVED


def telegram(text: str) -> Iterator[Found]:
    low = text.lower()
    if "t.me" in low or "telegram." in low:
        for m in TG_LINK.finditer(text):
            target = m.group(1)
            if target.startswith("+") or target.lower().startswith("joinchat/"):
                code = target[1:] if target.startswith("+") else target[9:]
                yield "telegram_invite", code, m.start(), m.end(), {}
            elif valid_tg_handle(target):
                yield "telegram", target.lower(), m.start(), m.end(), {"via": "link"}
    if "tg://" in low:
        for m in TG_RESOLVE.finditer(text):
            if valid_tg_handle(m.group(1)):
                yield "telegram", m.group(1).lower(), m.start(), m.end(), {"via": "link"}
    if "@" in text:
        for m in TG_AT.finditer(text):
            h = m.group(1)
            # `@gmail.com`: a domain, not a handle.
            nxt = text[m.end() : m.end() + 2]
            if nxt[:1] == "." and nxt[1:2].isalpha():
                continue
            if valid_tg_handle(h):
                yield "telegram", h.lower(), m.start(), m.end(), {"via": "at"}
    if not _names_any(low, _TG_WORDS):
        return
    for m in TG_CONTEXT.finditer(text):
        h = m.group(1)
        if valid_tg_handle(h):
            yield "telegram", h.lower(), m.start(1), m.end(1), {"via": "context"}


def qq(text: str) -> Iterator[Found]:
    for m in QQ.finditer(text):
        ctx = text[m.start() : m.start(1)].lower()
        yield "qq", m.group(1), m.start(1), m.end(1), {"group": "群" in ctx}


def wechat(text: str) -> Iterator[Found]:
    low = text.lower()
    pats = [p for p, hit in ((WECHAT_STRONG, _names_any(low, _WX_WORDS)), (WECHAT_WEAK, _WX_WEAK_HINT.search(text)))
            if hit]
    for pat in pats:
        for m in pat.finditer(text):
            v = m.group(1)
            if v[-1].isdigit() and re.fullmatch(r"(?:\+?86[ -]?)?1[0-9]{10}", v):
                num = re.sub(r"\D", "", v)[-11:]
                if is_valid_mobile(num):
                    yield "cn_mobile", num, m.start(1), m.end(1), {"app": "wechat"}
                continue
            yield "wechat", v.lower(), m.start(1), m.end(1), {}


def phone(text: str) -> Iterator[Found]:
    if not _names_any(text.lower(), _PHONE_WORDS):
        return
    for m in PHONE_CONTEXT.finditer(text):
        num = re.sub(r"\D", "", m.group(1))
        if is_valid_mobile(num):
            yield "cn_mobile", num, m.start(1), m.end(1), {"app": "phone"}


def jabber(text: str) -> Iterator[Found]:
    if "@" not in text or not _names_any(text.lower(), _JABBER_WORDS):
        return
    for m in JABBER_CONTEXT.finditer(text):
        yield "jabber", m.group(1).lower().rstrip("."), m.start(1), m.end(1), {"via": "context"}


def hex_contact(run: str, start: int) -> Found | None:
    """A Tox ID (76 hex, checksum good) or a Session ID (66 hex starting 05), else None."""
    if len(run) == TOX_LEN and is_tox_id(run):
        return "tox", run.upper(), start, start + len(run), {}
    if len(run) == SESSION_LEN and run.startswith("05"):
        return "session", run.lower(), start, start + len(run), {}
    return None
