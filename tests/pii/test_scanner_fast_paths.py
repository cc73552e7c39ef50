"""Shortcuts of the dense-text path (issue 16 #24) answer as the plain forms they skip.

- the scanner skips the context-word searches of a window with no letter and
  nothing outside ASCII (no context word can be there);
- the mobile detector skips the country-code search unless a 6 precedes the
  number, directly or before one separator.

Both are compared with the plain form on generated text made of the
characters those rules turn on.
"""

from __future__ import annotations

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from leaktrace.pii.detectors.cn_mobile import _PREFIX, PATTERN, CnMobileDetector
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner

_PIECES = ["13800138000", "19212345678", "110105194912310021", "11010519491231002X", "6222021234567890128",
           "86", "+86", "0086", "6", " ", "-", "  ", "手机", "Tel ", "PHONE:", "订单", "order", "QQ",
           "身份证", "ID no ", "\u212a", "é", "１３８", "0", "9", "@", "a.b@qq.com", ".", "x"]
_TEXT = st.lists(st.sampled_from(_PIECES), min_size=1, max_size=60).map("".join)


def _plain_mobile_candidates(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, int, str]]:
    """The candidate loop before the shortcut (always searches for a country code after a digit, space or dash)."""
    end = len(text) if endpos is None else endpos
    for m in PATTERN.finditer(text, pos, end):
        start = m.start()
        if (start and "0" <= text[start - 1] <= "9") or (start and text[start - 1] in " -"):
            pm = _PREFIX.search(text, max(0, start - 6), start)
            if pm is not None:
                p0 = pm.start()
                if p0 and "0" <= text[p0 - 1] <= "9":
                    continue
                yield p0, m.end(), text[p0 : m.end()]
                continue
            if "0" <= text[start - 1] <= "9":
                continue
        yield start, m.end(), m.group()


@settings(max_examples=1500, deadline=None)
@given(_TEXT)
def test_property_mobile_candidates_equal_the_plain_loop(text: str) -> None:
    assert list(CnMobileDetector().candidates(text)) == list(_plain_mobile_candidates(text))


def _hits(scanner: Scanner, text: str) -> list[tuple[object, ...]]:
    return [(h.type, h.start, h.end, h.valid, h.score, tuple(sorted(h.attrs.items()))) for h in scanner.scan(text)]


GATED = Scanner(default_registry())
PLAIN = Scanner(default_registry())
PLAIN._gate = {t: False for t in PLAIN._gate}


@settings(max_examples=800, deadline=None)
@given(_TEXT)
def test_property_context_gate_changes_no_hit(text: str) -> None:
    assert _hits(GATED, text) == _hits(PLAIN, text)


def test_the_gate_is_on_for_the_builtin_detectors() -> None:
    # Every built-in context word holds a letter or a non-ASCII character; a word
    # without one (a digit string) would switch the gate off for its detector.
    assert all(GATED._gate.values())
