"""Text hygiene before any extraction: one clean string per post.

Sellers dodge keyword filters with zero-width characters (`微\u200b信`),
full-width and circled forms (`ＱＱ`, `①⑤⓪⓪`), keycap emoji (`1️⃣`) and
Cyrillic or Greek letters inside Latin words (`Теlеgrаm`); crawled posts
arrive as HTML, in GB18030 bytes, or megabytes long. `clean` undoes all of
that so every extractor sees one canonical text, and never raises: hostile
input gets a truncation marker, not an exception. Offsets reported by the
extractors refer to this cleaned text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Posts longer than this are cut (a listing is a few KB; 5 MB is a pasted dump).
MAX_POST_CHARS = 1 << 20
TRUNCATION_MARKER = "\n[leaktrace: post truncated, {dropped} characters dropped]"

# Invisible characters used to split words: zero-width space/joiners, marks,
# word joiner and invisible operators, BOM, soft hyphen, Mongolian vowel
# separator, grapheme joiner, Hangul fillers, bidi controls, variation
# selectors, the keycap combiner and tag characters. Written as ranges:
# `re` scans a range class far faster than a long list of single characters.
_REMOVE_RE = re.compile(
    "[\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20e3"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f]"
)
# C0/C1 controls other than tab/newline/CR become spaces (they can split tokens).
_SPACE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_invisible(text: str) -> str:
    if _REMOVE_RE.search(text) is not None:
        text = _REMOVE_RE.sub("", text)
    if _SPACE_RE.search(text) is not None:
        text = _SPACE_RE.sub(" ", text)
    return text


# Look-alike letters folded to Latin, only inside tokens that already mix in
# ASCII letters or digits, so Russian or Greek prose is left alone.
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    "ӏ": "l", "ь": "b", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ј": "J", "Ԁ": "D",
    # Greek
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Latin look-alikes NFKC keeps
    "ı": "i", "ɡ": "g", "ɑ": "a", "ʟ": "L", "ɪ": "I",
    # CJK forms used as digits and separators
    "〇": "0", "。": ".",
}
_HOMO_TABLE = str.maketrans(HOMOGLYPHS)
_HOMO_CHARS = "".join(k for k in HOMOGLYPHS if k not in "〇。")
_HOMO_ANY = re.compile("[" + _HOMO_CHARS + "]")
_MIXED_TOKEN = re.compile(r"[0-9A-Za-z" + _HOMO_CHARS + r"_.@:/\-]+")
# `〇` after a digit (`1〇〇〇`) and `。` between ASCII alphanumerics (`t。me`).
_CJK_GLYPH = re.compile(r"(?<=[0-9])〇+|(?<=[0-9A-Za-z])。(?=[0-9A-Za-z])")
_ASCII_ALNUM = re.compile(r"[0-9A-Za-z]")

_HTML_HINT = re.compile(
    r"<(?:!doctype|html|head|body|div|p|br|span|a|table|tr|td|li|ul|script|style|font|b|img)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CleanText:
    """The cleaned post and what was done to it."""

    text: str
    truncated: bool = False
    was_html: bool = False
    original_chars: int = 0


def decode_bytes(data: bytes) -> str:
    """UTF-8, else GB18030 (a superset of GBK that decodes any byte string), never raising."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    return data.decode("gb18030", errors="replace")


def looks_like_html(text: str) -> bool:
    return _HTML_HINT.search(text, 0, 4096) is not None


def html_to_text(html: str) -> str:
    """Visible text, one block per line, plus link targets (onions and t.me live in hrefs)."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    root = tree.body or tree.root
    text = root.text(separator="\n") if root is not None else ""
    hrefs = [a.attributes.get("href") or "" for a in tree.css("a[href]")]
    hrefs = [h for h in hrefs if h and not h.startswith(("#", "javascript:"))]
    if hrefs:
        text += "\n" + "\n".join(hrefs)
    return text


def fold_homoglyphs(text: str) -> str:
    """Latin look-alikes to Latin inside tokens that also hold ASCII letters or digits."""
    if _HOMO_ANY.search(text) is not None:
        text = _MIXED_TOKEN.sub(_fold_token, text)
    if "〇" in text or "。" in text:
        text = _CJK_GLYPH.sub(lambda m: m.group().translate(_HOMO_TABLE), text)
    return text


def _fold_token(m: re.Match[str]) -> str:
    tok = m.group()
    if _ASCII_ALNUM.search(tok) is None or _HOMO_ANY.search(tok) is None:
        return tok
    return tok.translate(_HOMO_TABLE)


def clean(raw: str | bytes | None, max_chars: int = MAX_POST_CHARS) -> CleanText:
    """Decode, de-HTML, cap, NFKC, strip invisibles and fold homoglyphs; never raises."""
    if raw is None:
        return CleanText("")
    text = decode_bytes(raw) if isinstance(raw, bytes | bytearray) else str(raw)
    original = len(text)
    # Cap before the expensive steps, with slack for markup that HTML parsing drops.
    truncated = False
    hard_cap = max_chars * 4
    if len(text) > hard_cap:
        text = text[:hard_cap]
        truncated = True
    was_html = looks_like_html(text)
    if was_html:
        text = html_to_text(text)
    if len(text) > max_chars:
        text = text[:max_chars]
        truncated = True
    if not text.isascii():
        # NFKC also folds full-width forms (ＱＱ, １２３) and circled digits.
        text = fold_homoglyphs(strip_invisible(unicodedata.normalize("NFKC", text)))
    else:
        text = strip_invisible(text)
    if truncated:
        text += TRUNCATION_MARKER.format(dropped=max(0, original - max_chars))
    return CleanText(text, truncated, was_html, original)
