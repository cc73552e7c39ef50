"""Word lists as trie-shaped regular expressions.

Python's `re` tries the alternatives of `(?:订单号|订单编号|运单号|…)` one
after another at every position whose character could start one; folding
shared prefixes (`订单(?:号|编号)`) makes each attempt a single step, which
is what keeps label-anchored detectors fast on Chinese text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def trie_regex(words: Iterable[str]) -> str:
    """A non-capturing regex matching exactly `words`, longest match first."""
    trie: dict[str, dict] = {}
    for w in set(words):
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _render(trie)


def _render(node: dict[str, dict]) -> str:
    end = "" in node
    branches = [re.escape(ch) + _render(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    if len(branches) == 1:
        body = branches[0]
        if end:
            return f"(?:{body})?"
        return body
    body = "(?:" + "|".join(branches) + ")"
    return body + "?" if end else body
