"""Captured text as the console shows it: personal values masked, inert and readable, capped.

Captured pages are hostile. Jinja's autoescape makes markup inert; this makes
it readable too: bidirectional overrides (which reorder what an analyst reads,
U+202E "evil.exe" tricks) and zero-width characters (which hide words from
search and eyes) are shown as visible codes such as ⟦U+202E⟧, control
characters are dropped, and a field is cut at a length a page can hold
(a 1 MB title becomes its first characters and a note of the size).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leaktrace.pii.scanner import Scanner

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u200b-\u200d\u2060-\u2064\ufeff\u180e\u00ad"
_SHOWN = re.compile(f"[{_BIDI}{_ZERO_WIDTH}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def visible_codes(text: str) -> str:
    """`text` with bidi controls and zero-width characters replaced by a visible ⟦U+XXXX⟧."""
    text = _CONTROL.sub("", text)
    return _SHOWN.sub(lambda m: f"⟦U+{ord(m.group(0)):04X}⟧", text)


# Masking reads this far past the cut, so a value the cut splits is still recognised and masked whole.
_MASK_MARGIN = 64


def display_text(text: str | None, limit: int, *, masked: bool = True, total: int | None = None) -> str:
    """What a page shows of a captured field: masked (unless `masked=False`), visible codes, at most `limit` chars.

    `total` is the field's real length when `text` is already a cut of it (a stored masked title).
    """
    if not text:
        return ""
    if masked and total is None and len(text) <= _CACHED_CHARS:
        return _display_short(text, limit)
    return _display(text, limit, masked, total)


# Short masked fields (seller handles, titles) repeat on every page: their masking is looked up, not redone.
_CACHED_CHARS = 400


@lru_cache(maxsize=8192)
def _display_short(text: str, limit: int) -> str:
    return _display(text, limit, True, None)


def _display(text: str, limit: int, masked: bool, total: int | None) -> str:
    cut = text[:limit + _MASK_MARGIN] if masked else text[:limit]
    if masked:
        from leaktrace.pii.redact import masked_text

        cut = masked_text(cut)
    shown = visible_codes(unicodedata.normalize("NFC", cut[:limit]))
    length = max(len(text), total or 0)
    if length > limit:
        shown += f" … [{length:,} characters, first {limit:,} shown]"
    return shown


@lru_cache(maxsize=1)
def _scanner() -> Scanner:
    from leaktrace.pii.registry import default_registry
    from leaktrace.pii.scanner import Scanner

    return Scanner(default_registry())


def pii_type_of(query: str) -> str | None:
    """The PII type the detectors see in `query` when it is (nearly) all one value, else None."""
    q = query.strip()
    for hit in _scanner().scan(q):
        if hit.end - hit.start >= len(q) - 4:
            return hit.type
    return None


def mask_text(text: str) -> str:
    """`text` with every personal value the detectors find masked (the rule of reports and exports)."""
    from leaktrace.pii.redact import masked_text

    return masked_text(text)
