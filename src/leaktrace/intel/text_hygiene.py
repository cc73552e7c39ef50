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

from leaktrace.core.text_fold import HOMOGLYPHS, fold_homoglyphs, strip_invisible

__all__ = ["HOMOGLYPHS", "CleanText", "clean", "decode_bytes", "fold_homoglyphs", "html_to_text", "looks_like_html",
           "strip_invisible"]

# Posts longer than this are cut (a listing is a few KB; 5 MB is a pasted dump).
MAX_POST_CHARS = 1 << 20
TRUNCATION_MARKER = "\n[leaktrace: post truncated, {dropped} characters dropped]"

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
