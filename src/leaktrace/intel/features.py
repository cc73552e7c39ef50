"""Features of a post for the trafficking classifier: hashed character n-grams, words and lexicon terms.

Character n-grams carry Chinese (no word boundaries) and the misspellings,
leetspeak and glued tokens of English titles (`FULLZ`, `cvv2`, `1500w条`);
whole ASCII words and word pairs add the English vocabulary; lexicon
categories add the trade slang users extend as data. Digits are folded to
`0`, so `1500w` and `2300w` are one feature: the model learns that a count
is written, not which count; traditional characters fold to simplified
(`intel.hanzi`), so 資料 and 资料 are one feature too.

Speed is the point of the layout: the text becomes an array of code points
and every 1-, 2- and 3-gram is hashed with numpy in a few vector operations
(a Python string per n-gram cost more than all the extraction together).
Hashes are multiplicative (Fibonacci) into `2**BITS` buckets and stable
across processes and machines. Training and prediction call the same
function, so the two cannot drift apart. The text is capped: a listing's
offer is in its title and first lines, and a 5 MB paste costs no more than
a long post.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from leaktrace.intel.hanzi import TRAD_TO_SIMP
from leaktrace.intel.lexicon import Lexicon, default_lexicon

if TYPE_CHECKING:
    from leaktrace.intel.extract import PostAnalysis

BITS = 20
TITLE_CHARS = 300
BODY_CHARS = 500
MAX_WORDS = 80
_SHIFT = np.uint64(64 - BITS)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_K = np.uint64(0x110000)  # one past the largest code point: n-grams pack without overlap
_TAG_UNI, _TAG_BI, _TAG_TRI = np.uint64(1 << 61), np.uint64(2 << 61), np.uint64(3 << 61)
# Digits fold to 0 and traditional characters to simplified, in one pass.
_FOLD = {**str.maketrans("0123456789", "0000000000"), **TRAD_TO_SIMP}
_WS = re.compile(r"\s+")
_WORD = re.compile(r"[a-z][a-z0-9+']{1,24}")
_MASK = (1 << BITS) - 1
EMPTY_ID = zlib.crc32(b"empty") & _MASK


@lru_cache(maxsize=1 << 16)
def _bucket(s: str) -> int:
    return zlib.crc32(s.encode("utf-8")) & _MASK


def normalise_for_features(title: str, body: str = "") -> tuple[str, str]:
    """Lower-cased, whitespace-collapsed, digit-folded, capped title and body."""
    t = _WS.sub(" ", title[:TITLE_CHARS].lower()).strip().translate(_FOLD)
    b = _WS.sub(" ", body[:BODY_CHARS].lower()).strip().translate(_FOLD) if body else ""
    return t, b


def feature_ids(title: str, body: str = "", lexicon: Lexicon | None = None,
                terms: dict[str, list[str]] | None = None) -> NDArray[np.int64]:
    """Feature buckets of a cleaned title and body (see `intel.text_hygiene.clean`), repeats possible.

    `terms` are the lexicon categories of the whole cleaned post (`title + "\\n" + body`), as
    `intel.facts` found them; passed in so a post's lexicon scan happens once.
    """
    t, b = normalise_for_features(title, body)
    if not t and not b:
        return np.array([EMPTY_ID], dtype=np.int64)
    s = " " + t + " \n " + b + " " if b else " " + t + " "
    a = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        bi = a[:-1] * _K + a[1:] + _TAG_BI
        tri = (a[:-2] * _K + a[1:-1]) * _K + a[2:] + _TAG_TRI
        parts = [bi, tri]
        if not s.isascii():
            parts.append(a[a > 127] + _TAG_UNI)
        h = (np.concatenate(parts) * _GOLDEN) >> _SHIFT
    extra: list[int] = []
    for words in (_WORD.findall(t), _WORD.findall(b)):
        prev = ""
        for w in words[:MAX_WORDS]:
            extra.append(_bucket("w:" + w))
            if prev:
                extra.append(_bucket("ww:" + prev + " " + w))
            prev = w
    if terms is None:
        terms = (lexicon or default_lexicon()).categorise(title + "\n" + body if body else title)
    for cat in terms:
        extra.append(_bucket("L:" + cat))
    if extra:
        h = np.concatenate([h, np.asarray(extra, dtype=np.uint64)])
    return h.astype(np.int64)


def blank_identifiers(analysis: PostAnalysis) -> str:
    """The cleaned post with every identifier found in it overwritten by spaces (offsets kept).

    A wallet, hash or handle is random characters to the classifier: its n-grams cost most of
    the feature time on contact-heavy posts and say nothing about what is sold. The words
    around it (`QQ`, `USDT`, `飞机`) stay.
    """
    text = analysis.clean.text
    if not analysis.identifiers:
        return text
    parts: list[str] = []
    pos = 0
    for ident in sorted(analysis.identifiers, key=lambda i: i.start):
        if ident.start < pos:
            continue
        parts.append(text[pos:ident.start])
        parts.append(" " * (ident.end - ident.start))
        pos = ident.end
    parts.append(text[pos:])
    return "".join(parts)


def post_feature_ids(analysis: PostAnalysis) -> NDArray[np.int64]:
    """Feature buckets of an analysed post: training and prediction both come through here."""
    text = blank_identifiers(analysis)
    n = analysis.title_chars
    body = text[n + 1:] if text[n:n + 1] == "\n" else text[n:]  # a body-only post has no separator
    return feature_ids(text[:n], body, terms=analysis.facts.terms)
