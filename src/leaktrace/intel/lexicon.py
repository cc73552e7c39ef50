"""Trade-slang lexicons: data files of `category<TAB>term`, extendable by users.

Slang moves faster than releases (四件套, 社工库, 料, fullz, combo, KYC), so
the terms live in `intel/data/lexicon_*.tsv` and users add their own files
through the setting `intel_lexicons` (`LEAKTRACE_INTEL_LEXICONS`, paths
separated by the OS path separator) without touching the package; the entry
point passes them in (`pipeline.Context.lexicon`). All terms compile into one regular
expression shaped as a trie, so a post is scanned once however many terms
there are. Terms made of ASCII letters match on word boundaries and in any
case (`DB` must not fire inside `mongodb`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from leaktrace.core.errors import ConfigError, location

ENV_VAR = "LEAKTRACE_INTEL_LEXICONS"
BUILTIN_FILES = ("lexicon_zh.tsv", "lexicon_en.tsv")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*\Z")
_WORDCH = re.compile(r"[a-z0-9]")


def parse_lexicon(text: str, label: str) -> list[tuple[str, str]]:
    """(category, term) rows of one file; a malformed line is a ConfigError naming it."""
    rows: list[tuple[str, str]] = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        category, sep, term = line.partition("\t")
        category, term = category.strip(), term.strip()
        if not sep or not term:
            raise ConfigError(f"{location(label, n)}: expected 'category<TAB>term', got {line[:60]!r}")
        if not _CATEGORY.match(category):
            raise ConfigError(f"{location(label, n, 'category')}: {category[:40]!r} is not a dotted lower-case name")
        if len(term) > 64:
            raise ConfigError(f"{location(label, n, 'term')}: longer than 64 characters")
        rows.append((category, term.lower()))
    return rows


def _trie_regex(terms: Iterable[str]) -> str:
    """One regex alternation shaped as a trie: longest match first, one pass per text."""
    trie: dict[str, dict] = {}
    for t in terms:
        node = trie
        for ch in t:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        end = "" in node
        branches = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if end:
            body = "(?:" + body + ")?"
        return body

    return emit(trie)


@dataclass(frozen=True)
class Lexicon:
    """Term -> categories, and the compiled scanner over lower-cased text."""

    categories: dict[str, tuple[str, ...]]
    _cjk: re.Pattern[str] | None
    _word: re.Pattern[str] | None

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> Lexicon:
        cats: dict[str, list[str]] = defaultdict(list)
        for category, term in rows:
            if category not in cats[term]:
                cats[term].append(category)
        word = [t for t in cats if _WORDCH.match(t[0]) or _WORDCH.match(t[-1])]
        cjk = [t for t in cats if t not in set(word)]
        # No look-behind in front: it would defeat `re`'s first-character scan.
        # A match that starts inside a word is dropped in `find` instead.
        word_re = re.compile(_trie_regex(word) + r"(?![a-z0-9])") if word else None
        cjk_re = re.compile(_trie_regex(cjk)) if cjk else None
        return cls({t: tuple(c) for t, c in cats.items()}, cjk_re, word_re)

    def find(self, lowered: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of every term in already lower-cased text."""
        out: list[tuple[int, int, str]] = []
        if self._cjk is not None:
            out.extend((m.start(), m.end(), m.group()) for m in self._cjk.finditer(lowered))
        if self._word is not None:
            for m in self._word.finditer(lowered):
                s = m.start()
                if s == 0 or not _WORDCH.match(lowered[s - 1]):
                    out.append((s, m.end(), m.group()))
        return out

    def categorise(self, text: str) -> dict[str, list[str]]:
        """Category -> distinct terms seen in `text`, in order of first appearance."""
        out: dict[str, list[str]] = {}
        for _s, _e, term in sorted(self.find(text.lower())):
            for cat in self.categories.get(term, ()):
                seen = out.setdefault(cat, [])
                if term not in seen:
                    seen.append(term)
        return out


def load_lexicon(extra: Sequence[Path] = ()) -> Lexicon:
    """Built-in files plus `extra` (the setting `intel_lexicons`, LEAKTRACE_INTEL_LEXICONS)."""
    rows: list[tuple[str, str]] = []
    pkg = resources.files("leaktrace.intel.data")
    for name in BUILTIN_FILES:
        rows.extend(parse_lexicon(pkg.joinpath(name).read_text("utf-8"), name))
    for path in extra:
        try:
            text = Path(path).read_text("utf-8")
        except FileNotFoundError as exc:
            raise ConfigError(f"{location(str(path))}: lexicon file not found (from {ENV_VAR})") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{location(str(path))}: cannot read lexicon as UTF-8 ({exc})") from exc
        rows.extend(parse_lexicon(text, str(path)))
    return Lexicon.from_rows(rows)


@lru_cache(maxsize=8)
def _cached(paths: tuple[str, ...]) -> Lexicon:
    return load_lexicon([Path(p) for p in paths])


def default_lexicon(extra: Sequence[Path] = ()) -> Lexicon:
    """The built-in lexicon plus `extra` files, compiled once per set of files."""
    return _cached(tuple(str(p) for p in extra))
