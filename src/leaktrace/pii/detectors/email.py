"""E-mail addresses, found from their `@` outwards.

Searching for the literal `@` is the cheapest scan Python's `re` can do, and
the rare hits are then expanded left over the local part and right over the
domain. Domains may be internationalised (`例子.中国`, `münchen.de`); the last
label must be a real public suffix according to tldextract's bundled copy of
the Public Suffix List (no network), which rejects `logo@2x.png` and text
that runs on after the address (`qq.com获取`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, ClassVar

from leaktrace.core.normalize import normalize
from leaktrace.pii.base import Detector, Verdict

PATTERN = re.compile("@")
_LOCAL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?\Z")
# Labels: ASCII letters/digits/hyphen or any non-ASCII letter (IDN), dot-separated.
_DOMAIN = re.compile(r"(?:[A-Za-z0-9\u00a1-\uffff](?:[A-Za-z0-9\u00a1-\uffff\-]{0,61}[A-Za-z0-9\u00a1-\uffff])?\.){1,8}[A-Za-z\u00a1-\uffff][A-Za-z0-9\u00a1-\uffff\-]{0,62}")
_CJK_PUNCT = re.compile(r"[\u3000-\u303f\uff00-\uffef]")
_MAX_LOCAL = 64
_LOCAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-")
_ALNUM = re.compile(r"[A-Za-z0-9]")


def local_start(text: str, at: int) -> int | None:
    """Where the local part of an address whose `@` is at `at` starts, or None.

    The same answer as `_LOCAL.search(text, max(0, at - 64), at)`, found by
    walking back over local-part characters once: the regex search retries
    from each of the 64 positions before the `@` and was most of the
    detector's time.
    """
    lo = max(0, at - _MAX_LOCAL)
    q = at
    while q > lo and text[q - 1] in _LOCAL_CHARS:
        q -= 1
    first = _ALNUM.search(text, q, at)
    if first is None:
        return None
    start = first.start()
    if start < at - 1 and text[at - 1] == ".":
        return None  # a local part longer than one character cannot end in a dot
    return start


@lru_cache(maxsize=1)
def _suffixes() -> Any:
    import tldextract

    # Empty URL list: the bundled snapshot only, never the network.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@lru_cache(maxsize=4096)
def is_public_suffix(tld: str) -> bool:
    """Whether `tld` (the last domain label, any case) is a listed top-level suffix."""
    return _suffixes()("x." + tld.lower()).suffix != ""


_CJK_CHARS = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_NOT_CJK = re.compile(f"[^{_CJK_CHARS}]")


def _script_head(label: str) -> str:
    """The part of a label before it switches between CJK and other characters.

    Chinese text runs straight on after an address (`qq.com价格5312元`); a
    real label is all-CJK (`中国`) or has none (`münchen`).
    """
    if not label:
        return label
    switch = (_NOT_CJK if _CJK.match(label) is not None else _CJK).search(label)
    return label if switch is None else label[: switch.start()]


def _suffix_label(label: str) -> str | None:
    """`label` if it is a public suffix; or its head before a glued-on capitalised word."""
    if is_public_suffix(label):
        return label
    # `comThe` (text scraped from HTML loses its spaces): cut at the capital.
    cut = next((i for i in range(2, len(label)) if label[i].isupper() and label[:i].islower()), 0)
    return label[:cut] if cut and is_public_suffix(label[:cut]) else None


@lru_cache(maxsize=4096)
def _trim_domain(domain: str) -> str | None:
    """Cut the domain back to its longest prefix of labels ending in a public suffix."""
    labels: list[str] = []
    for label in domain.split("."):
        head = _script_head(label)
        labels.append(head)
        if head != label:
            break
    while len(labels) >= 2:
        last = _suffix_label(labels[-1]) if labels[-1] else None
        if last is not None and labels[-2]:
            labels[-1] = last
            return ".".join(labels)
        labels.pop()
    return None


class EmailDetector(Detector):
    type = "email"
    # Every match contains this character: a scanner may search only near them.
    anchor: ClassVar[str | None] = "@"
    pattern = PATTERN
    max_len = 254
    context = ("邮箱", "email", "e-mail", "mail", "联系")
    priority = 40

    def candidates(
        self, text: str, pos: int = 0, endpos: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        end = len(text) if endpos is None else endpos
        at = text.find("@", pos, end)
        while at != -1:
            nxt = text.find("@", at + 1, end)
            ls = local_start(text, at)
            dm = _DOMAIN.match(text, at + 1) if ls is not None else None
            if ls is not None and dm is not None:
                domain = _CJK_PUNCT.split(dm.group(), 1)[0]
                domain = _trim_domain(domain.rstrip(".-")) if domain else None
                if domain is not None:
                    yield ls, at + 1 + len(domain), text[ls : at + 1 + len(domain)]
            at = nxt

    def validate(self, value: str) -> Verdict | None:
        local, _, domain = value.rpartition("@")
        if not local or len(value) > 254 or ".." in local or ".." in domain:
            return None
        attrs = _domain_attrs(domain)
        if attrs is None:
            return None
        return Verdict(True, 0.85, dict(attrs), normalize(self.type, value))


@lru_cache(maxsize=4096)
def _domain_attrs(domain: str) -> dict[str, str] | None:
    """`domain` (and its IDNA form where that differs), or None when IDNA refuses it.

    Cached: a handful of mail domains make up most addresses in a leak; callers copy the dict.
    """
    try:
        ascii_domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    attrs = {"domain": domain.lower()}
    if ascii_domain.lower() != domain.lower():
        attrs["domain_ascii"] = ascii_domain.lower()
    return attrs
