"""Why a post was flagged: the words, lexicon terms, facts and identifiers behind its score.

The trafficking model is linear, so its margin (log-odds before the Platt sigmoid) is exactly
the bias plus one weight per distinct feature present. `explain_post` recomputes the features
of `intel.features` with their positions in the text, spreads each feature's weight evenly over
the characters it covers (an n-gram over its 2-3 characters, a word over its letters, a word
pair over both words), and sums the characters of each word of the post: the words' weights
plus the lexicon categories' weights plus the bias give the margin again, to rounding, so the
explanation is the model's own arithmetic, not a second model's guess. Lexicon categories
(`trade.data`, `pii.id`, `trade.howto` …) are reported with the terms that set them. Facts and
identifiers are listed as context: identifiers are blanked out before scoring
(`features.blank_identifiers`), so they never move the score themselves; the words around them
(`QQ`, `telegram`) do, and show up as words.

`explain_post` is what `leaktrace classify --explain` prints and what the web console's listing
page is to call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from leaktrace.intel.classify import ClassifyResult, classify_post
from leaktrace.intel.features import (
    _FOLD,
    _GOLDEN,
    _K,
    _SHIFT,
    _TAG_BI,
    _TAG_TRI,
    _TAG_UNI,
    _WORD,
    BODY_CHARS,
    MAX_WORDS,
    TITLE_CHARS,
    _bucket,
    blank_identifiers,
)
from leaktrace.intel.lexicon import Lexicon, default_lexicon
from leaktrace.intel.model import TraffickingModel, default_model

_M64 = (1 << 64) - 1
_TOKEN = re.compile(r"[0-9a-z][0-9a-z'+._@:-]*[0-9a-z+]|[0-9a-z]|[\u3400-\u9fff\uf900-\ufaff]+|[^\s0-9a-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Driver:
    """A word (or lexicon category) of the post and its share of the margin (log-odds units)."""

    text: str
    weight: float
    kind: str = "word"  # word | lexicon
    terms: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"text": self.text, "weight": round(self.weight, 3), "kind": self.kind}
        if self.terms:
            d["terms"] = list(self.terms)
        return d


@dataclass(frozen=True)
class Explanation:
    trafficking: bool
    score: float
    margin: float
    bias: float
    towards: list[Driver]  # pushed the score up, strongest first
    against: list[Driver]  # pushed it down, strongest first
    facts: dict[str, Any] = field(default_factory=dict)
    identifiers: list[dict[str, Any]] = field(default_factory=list)
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "margin": round(self.margin, 3), "bias": round(self.bias, 3), "model": self.model,
            "towards": [d.to_dict() for d in self.towards], "against": [d.to_dict() for d in self.against],
            "facts": self.facts,
            "identifiers": self.identifiers,
        }

    def summary(self, n: int = 5) -> str:
        """One line for people: `+ fullz 2.1, cvv 1.4 | - guide -2.3 | facts: records=50 | ids: telegram`."""
        up = ", ".join(f"{d.text} {d.weight:+.1f}" for d in self.towards[:n]) or "-"
        down = ", ".join(f"{d.text} {d.weight:+.1f}" for d in self.against[:n]) or "-"
        facts = " ".join(f"{k}={v}" for k, v in self.facts.items()) or "-"
        ids = ", ".join(f"{i['type']}" for i in self.identifiers) or "-"
        return f"up: {up} | down: {down} | facts: {facts} | identifiers (not scored): {ids}"


def _normalised_with_offsets(text: str, cap: int) -> tuple[str, list[int]]:
    """`features.normalise_for_features` on one part, with each character's offset in `text`."""
    out: list[str] = []
    pos: list[int] = []
    part = text[:cap].lower()
    space = False
    for i, ch in enumerate(part):
        if ch.isspace():
            space = True
            continue
        if space and out:
            out.append(" ")
            pos.append(-1)
        space = False
        folded = ch.translate(_FOLD)
        for c in folded:
            out.append(c)
            pos.append(i)
    return "".join(out), pos


def _char_weights(model: TraffickingModel, s: str) -> tuple[np.ndarray, dict[int, float]]:
    """Weight per character of the feature string `s`, and the weights of the features not
    tied to characters (lexicon categories), each distinct known feature counted once."""
    n = len(s)
    feats: dict[int, list[tuple[int, int]]] = {}  # bucket -> [(start, end)] in s

    def add(b: int, a: int, e: int) -> None:
        feats.setdefault(b, []).append((a, e))

    cps = [ord(c) for c in s]
    k, g, sh = int(_K), int(_GOLDEN), int(_SHIFT)
    for i in range(n - 1):
        add((((cps[i] * k + cps[i + 1] + int(_TAG_BI)) & _M64) * g & _M64) >> sh, i, i + 2)
    for i in range(n - 2):
        add(((((cps[i] * k + cps[i + 1]) * k + cps[i + 2] + int(_TAG_TRI)) & _M64) * g & _M64) >> sh, i, i + 3)
    if not s.isascii():
        for i, c in enumerate(cps):
            if c > 127:
                add((((c + int(_TAG_UNI)) & _M64) * g & _M64) >> sh, i, i + 1)
    # Words and word pairs, per part (title, then body), as `feature_ids` reads them.
    nl = s.find("\n")
    parts = [(0, nl if nl >= 0 else n)] + ([(nl + 1, n)] if nl >= 0 else [])
    for a, e in parts:
        prev: tuple[str, int, int] | None = None
        for m in list(_WORD.finditer(s, a, e))[:MAX_WORDS]:
            w = m.group()
            add(_bucket("w:" + w), m.start(), m.end())
            if prev:
                add(_bucket("ww:" + prev[0] + " " + w), prev[1], m.end())
            prev = (w, m.start(), m.end())
    weights = np.zeros(n, dtype=np.float64)
    for b, spans in feats.items():
        row = model._row[b]
        if row < 0:
            continue
        w = float(model.weights[row])
        width = sum(e - a for a, e in spans)
        for a, e in spans:
            weights[a:e] += w / width
    return weights, {}


def _segment(lex: Lexicon, s: str, a: int, e: int) -> list[tuple[int, int]]:
    """A Chinese run cut at the lexicon's terms (longest first), the rest in pieces of 2-3 characters."""
    taken = [False] * (e - a)
    spans: list[tuple[int, int]] = []
    for ta, te, _term in sorted(lex.find(s[a:e]), key=lambda x: x[0] - x[1]):
        if not any(taken[ta:te]):
            spans.append((a + ta, a + te))
            for i in range(ta, te):
                taken[i] = True
    i = 0
    while i < e - a:
        if taken[i]:
            i += 1
            continue
        j = i
        while j < e - a and not taken[j]:
            j += 1
        run = j - i
        k = i
        while k < j:
            step = 3 if run - (k - i) == 3 else 2
            spans.append((a + k, a + min(k + step, j)))
            k += step
        i = j
    return sorted(spans)


def explain_post(title: str | bytes | None, body: str | bytes | None = None, *,
                 model: TraffickingModel | None = None, lexicon: Lexicon | None = None,
                 top: int = 8, result: ClassifyResult | None = None) -> Explanation:
    """The score of a post taken apart into its words and lexicon categories (see the module doc)."""
    m = model or default_model()
    res = result or classify_post(title, body, model=m, lexicon=lexicon)
    analysis = res.analysis
    text = blank_identifiers(analysis)
    n = analysis.title_chars
    t_raw = text[:n]
    b_raw = text[n + 1:] if text[n:n + 1] == "\n" else text[n:]
    t, t_pos = _normalised_with_offsets(t_raw, TITLE_CHARS)
    b, b_pos = _normalised_with_offsets(b_raw, BODY_CHARS)
    b_off = n + 1 if text[n:n + 1] == "\n" else n
    if not t and not b:
        s, pos = "", []
    elif b:
        s = " " + t + " \n " + b + " "
        pos = [-1, *t_pos, -1, -1, -1, *(p + b_off for p in b_pos), -1]
    else:
        s = " " + t + " "
        pos = [-1, *t_pos, -1]
    cw, _ = _char_weights(m, s) if s else (np.zeros(0), {})

    # Words of the post: tokens of the feature string, shown as written in the cleaned text.
    words: dict[str, float] = {}
    lex = lexicon or default_lexicon()
    for tok in _TOKEN.finditer(s):
        a, e = tok.start(), tok.end()
        chunks = _segment(lex, s, a, e) if _CJK.match(tok.group()) and e - a > 3 else [(a, e)]
        for ca, ce in chunks:
            w = float(cw[ca:ce].sum())
            src = [pos[i] for i in range(ca, ce) if pos[i] >= 0]
            shown = analysis.clean.text[src[0]:src[-1] + 1] if src else s[ca:ce]
            words[shown] = words.get(shown, 0.0) + w
    # What the spaces carried (n-grams across word boundaries) goes to no word; it stays in the margin.
    drivers = [Driver(k, v) for k, v in words.items() if abs(v) >= 0.05]
    terms = analysis.facts.terms
    for cat, found in terms.items():
        row = m._row[_bucket("L:" + cat)]
        if row >= 0 and abs(float(m.weights[row])) >= 0.05:
            drivers.append(Driver("lexicon " + cat, float(m.weights[row]), "lexicon", tuple(found[:5])))
    towards = sorted((d for d in drivers if d.weight > 0), key=lambda d: -d.weight)[:top]
    against = sorted((d for d in drivers if d.weight < 0), key=lambda d: d.weight)[:top]
    margin, _ = m.margin(_feature_ids(analysis))
    f = analysis.facts
    facts: dict[str, Any] = {}
    if f.records is not None:
        facts["records"] = f.records
    if f.price is not None:
        facts["price"] = f"{f.price.amount:g} {f.price.currency}"
    if f.sample:
        facts["sample"] = True
    if f.regions:
        facts["regions"] = ",".join(f.regions[:3])
    if f.delivery:
        facts["delivery"] = ",".join(f.delivery)
    idents = [{"type": i.type, "value": i.contract()["value"]} for i in analysis.identifiers]
    return Explanation(res.trafficking, res.score, margin, m.bias, towards, against, facts, idents, m.version)


def _feature_ids(analysis):  # type: ignore[no-untyped-def]
    from leaktrace.intel.features import post_feature_ids

    return post_feature_ids(analysis)
