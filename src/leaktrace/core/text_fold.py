"""The one normalisation against evasion, shared by intel's clean text, watch lists and trackers.

Sellers dodge keyword filters with zero-width characters (`微\u200b信`),
full-width forms (`ＱＱ`), Cyrillic or Greek letters inside Latin words
(`Теlеgrаm`) and pinyin initials for trade words (`sgk` for 社工库). Intel
cleans every post with `strip_invisible` and `fold_homoglyphs` before it
extracts anything; `match_form` adds case folding and the pinyin initials,
and `TermMatcher` puts a watch list or a tracker's terms through the same
folding, so a term matches whichever way either side was written. Lives in
`core` because intel, collect (watch lists) and service (trackers) all need
it and none of them may import another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

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


# Pinyin initials sellers write for trade words that filters look for; a word made of
# these letters alone is read as the Chinese term it stands for, on both sides of a match.
# Three letters at least: two-letter initials (hy, dx) are ordinary English and code.
PINYIN_INITIALS: dict[str, str] = {
    "sgk": "社工库",
    "sjt": "四件套",
    "sfz": "身份证",
    "yhk": "银行卡",
    "sjh": "手机号",
}
_PINYIN_RE = re.compile(r"(?<![0-9a-z])(?:" + "|".join(sorted(PINYIN_INITIALS, key=len, reverse=True))
                        + r")(?![0-9a-z])")
_WORDCH = re.compile(r"[0-9a-z]")


def match_form(text: str) -> str:
    """NFKC, invisible characters out, homoglyphs folded, case folded, pinyin initials read as Chinese."""
    if not text:
        return ""
    if not text.isascii():
        text = fold_homoglyphs(strip_invisible(unicodedata.normalize("NFKC", text)))
    else:
        text = strip_invisible(text)
    text = text.casefold()
    return _PINYIN_RE.sub(lambda m: PINYIN_INITIALS[m.group()], text)


@dataclass(frozen=True)
class TermMatcher:
    """Terms compiled once: a term of Latin letters or digits at its edges matches on word boundaries.

    `abc银行` matches `ＡＢＣ银行`; `db` does not fire inside `mongodb`;
    `社工库` matches `sgk` and `社\u200b工库`. Returns the terms as given.
    """

    forms: dict[str, str]  # folded form -> the term as the user wrote it
    _re: re.Pattern[str] | None

    @classmethod
    def compile(cls, terms: Iterable[str]) -> TermMatcher:
        forms: dict[str, str] = {}
        for t in terms:
            f = match_form(t.strip())
            if f and f not in forms:
                forms[f] = t.strip()
        if not forms:
            return cls({}, None)
        parts = []
        for f in sorted(forms, key=len, reverse=True):
            left = r"(?<![0-9a-z])" if _WORDCH.match(f[0]) else ""
            right = r"(?![0-9a-z])" if _WORDCH.match(f[-1]) else ""
            parts.append(left + re.escape(f) + right)
        return cls(forms, re.compile("|".join(parts)))

    def find(self, *texts: str | None) -> list[str]:
        """The terms that occur in any of `texts`, in the order they were given, each once."""
        if self._re is None:
            return []
        hay = match_form("\n".join(t for t in texts if t))
        seen: set[str] = set()
        for m in self._re.finditer(hay):
            seen.add(m.group())
        # Overlapping terms (`abc` inside `abc银行`): finditer takes the longest; check the rest directly.
        for f in self.forms:
            if f not in seen and f in hay and self._bounded(hay, f):
                seen.add(f)
        return [self.forms[f] for f in self.forms if f in seen]

    @staticmethod
    def _bounded(hay: str, f: str) -> bool:
        start = hay.find(f)
        while start >= 0:
            end = start + len(f)
            ok_l = not _WORDCH.match(f[0]) or start == 0 or not _WORDCH.match(hay[start - 1])
            ok_r = not _WORDCH.match(f[-1]) or end == len(hay) or not _WORDCH.match(hay[end])
            if ok_l and ok_r:
                return True
            start = hay.find(f, start + 1)
        return False
