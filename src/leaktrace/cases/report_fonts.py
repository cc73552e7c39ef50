"""The fonts a report carries with it: the CJK subset (PDF) and the emoji the report shows (HTML and PDF).

Why: a report must draw on a machine that has neither a Chinese nor an
emoji font and fetch nothing. The package holds both fonts (cases/fonts,
SIL OFL 1.1, built by scripts/make_report_font.py and
scripts/make_report_emoji_font.py); each report embeds them as data: URIs.
The emoji font is subset again per report to the emoji that report shows,
so a report with five emoji carries a few kilobytes, not 1.9 MB.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from importlib import resources

CJK_FAMILY = "LT Report CJK"
CJK_FILE = "lt-report-cjk.woff2"
EMOJI_FAMILY = "LT Report Emoji"
EMOJI_FILE = "lt-report-emoji.ttf"
# Below this, Noto Color Emoji also maps digits, '#', '*', ©, ®, ™ and arrows as keycap
# or emoji bases: text characters that must stay text.
EMOJI_FROM = 0x2300


def _font_bytes(name: str) -> bytes:
    return resources.files("leaktrace.cases").joinpath("fonts", name).read_bytes()


@lru_cache(maxsize=1)
def emoji_codepoints() -> frozenset[int]:
    """Code points the packaged emoji font draws (from U+2300 on)."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(_font_bytes(EMOJI_FILE)), lazy=True)
    return frozenset(c for c in font.getBestCmap() if c >= EMOJI_FROM)


def emoji_in(text: str) -> str:
    """The distinct emoji of `text` the packaged font can draw, in code point order."""
    have = emoji_codepoints()
    return "".join(sorted({ch for ch in text if ord(ch) in have}))


def emoji_font(chars: str) -> bytes | None:
    """The packaged emoji font cut down to `chars` (None when there are none)."""
    if not chars:
        return None
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(_font_bytes(EMOJI_FILE)))
    opts = subset.Options()
    opts.layout_features = []
    opts.name_IDs = ["*"]
    sub = subset.Subsetter(opts)
    sub.populate(text=chars)
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def emoji_face_css(text: str) -> str:
    """@font-face for the emoji `text` shows, as a data URI ('' when it shows none)."""
    data = emoji_font(emoji_in(text))
    if data is None:
        return ""
    uri = "data:font/ttf;base64," + base64.b64encode(data).decode()
    return f'@font-face {{ font-family: "{EMOJI_FAMILY}"; src: url("{uri}") format("truetype"); }}'


def cjk_face_css() -> str:
    """@font-face for the packaged CJK subset, as a data URI.

    Why: WeasyPrint draws with the machine's fonts and many machines have no
    Chinese one, so Chinese came out as boxes. The packaged subset (GB 2312)
    comes after the system CJK fonts in the stack, so a full system font
    still wins where there is one. A data URI keeps the fetcher's data-only rule.
    """
    uri = "data:font/woff2;base64," + base64.b64encode(_font_bytes(CJK_FILE)).decode()
    return f'@font-face {{ font-family: "{CJK_FAMILY}"; src: url("{uri}") format("woff2"); }}'
