"""Regex matches found by jumping between literal strings instead of testing every position.

Python's `re` searches fast only when a pattern opens with one fixed
string; a pattern that opens with an alternation (`ddress|DDRESS`) or a
character class is tried at every position of the text, which on long text
costs as much as the rest of a detector. When every match is known to open
with one of a few literals, `str.find` can hop from one occurrence to the
next and the pattern is tried only there, with the same result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


def finditer_at(
    rx: re.Pattern[str], literals: tuple[str, ...], text: str, pos: int, end: int
) -> Iterator[re.Match[str]]:
    """The matches of `rx.finditer(text, pos, end)`, for a pattern whose every match starts with one of `literals`.

    Like `finditer`, matches do not overlap and the search goes on after
    each match's end; `rx` must not match the empty string.
    """
    nxt = [text.find(lit, pos, end) for lit in literals]
    while True:
        at = min((i for i in nxt if i != -1), default=-1)
        if at == -1:
            return
        m = rx.match(text, at, end)
        if m is not None:
            yield m
            pos = m.end()
        else:
            pos = at + 1
        for k, i in enumerate(nxt):
            if i != -1 and i < pos:
                nxt[k] = text.find(literals[k], pos, end)
