"""The terms full-text search indexes and queries: CJK bigrams and Latin words.

Chinese has no spaces, and the words analysts look for are mostly two
characters (料子, 开房, 社工): every pair of adjacent CJK characters is a
term, so a two-character query is one index lookup and a longer one is the
intersection of its bigrams. A lone CJK character between non-CJK text is a
term of its own. Latin words and digit runs are lower-cased whole words.
Indexing and querying use this one function, so they cannot disagree.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERM_CHARS = 64
MAX_TERMS_PER_DOC = 20_000
# CJK ideographs (with extension A and compatibility), kana and hangul count as "CJK".
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+", re.UNICODE)
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def terms(text: str, *, limit: int = MAX_TERMS_PER_DOC) -> list[str]:
    """Distinct terms of `text` in first-seen order (NFKC-folded, lower-cased), at most `limit`."""
    seen: dict[str, None] = {}
    folded = unicodedata.normalize("NFKC", text).lower()
    for m in _RUNS.finditer(folded):
        run = m.group(0)
        if _CJK_RUN.fullmatch(run):
            grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
        else:
            grams = [run[:MAX_TERM_CHARS]]
        for g in grams:
            if g not in seen:
                seen[g] = None
                if len(seen) >= limit:
                    return list(seen)
    return list(seen)
