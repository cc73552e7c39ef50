"""A tracker's rule: what it says (validated), compiled once, and evaluated against one capture.

A tracker fires on a capture when (1) any of its content conditions
matches — a term or brand (folded the way intel folds, `core.text_fold`),
a regular expression (RE2: linear time, so a pattern written by a person
cannot hang a worker on a hostile page), a YARA rule (run with a timeout) —
and (2) every threshold it sets holds: category, province, record count,
price. A tracker with thresholds only fires on them alone.

Patterns and YARA rules see the folded text (`match_form`: NFKC, lower
case, invisible characters out, homoglyphs folded, pinyin initials read as
Chinese), so they are written in lower case and need not spell out every
evasion. What a match reports names the rule's parts (the term, the pattern's
number, the YARA rule), never the text that matched: alerts leave the unit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.core.text_fold import TermMatcher, match_form

log = logging.getLogger(__name__)
MAX_TERMS = 1000
MAX_TERM_CHARS = 200
MAX_PATTERNS = 100
MAX_PATTERN_CHARS = 1000
MAX_YARA_CHARS = 64_000
MAX_TEXT_BYTES = 1 << 20
YARA_TIMEOUT_S = 5
RE2_MAX_MEM = 8 << 20
SPEC_FIELDS = ("terms", "brands", "org", "regex", "yara", "categories", "provinces", "min_records",
               "min_price", "max_price", "currency")


@dataclass(frozen=True)
class CaptureDoc:
    """What trackers look at in one capture: its text and what intel found in it."""

    text: str
    categories: Sequence[str] = ()
    provinces: Sequence[str] = ()
    records: int | None = None
    price: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Spec:
    """A tracker's rule as the user wrote it, checked field by field."""

    terms: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    org: str | None = None
    regex: tuple[str, ...] = ()
    yara: str | None = None
    categories: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    min_records: int | None = None
    min_price: float | None = None
    max_price: float | None = None
    currency: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k in SPEC_FIELDS:
            v = getattr(self, k)
            if v not in (None, ()):
                out[k] = list(v) if isinstance(v, tuple) else v
        return out

    @property
    def has_content(self) -> bool:
        return bool(self.terms or self.brands or self.regex or self.yara)

    @property
    def has_threshold(self) -> bool:
        return bool(self.categories or self.provinces or self.min_records is not None
                    or self.min_price is not None or self.max_price is not None)


def _strings(doc: dict[str, Any], key: str, limit: int, chars: int) -> tuple[str, ...]:
    raw = doc.get(key) or []
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise InputError(f"field '{key}': expected a list of strings")
    vals = tuple(dict.fromkeys(x.strip() for x in raw if x.strip()))
    if len(vals) > limit:
        raise InputError(f"field '{key}': {len(vals)} entries, more than {limit}")
    for i, v in enumerate(vals):
        if len(v) > chars:
            raise InputError(f"field '{key}[{i}]': longer than {chars} characters")
    return vals


def _number(doc: dict[str, Any], key: str, kind: type) -> Any:
    v = doc.get(key)
    if v is None or v == "":
        return None
    try:
        n = kind(v)
    except (TypeError, ValueError):
        raise InputError(f"field '{key}': expected a number, got {str(v)[:40]!r}") from None
    if n < 0:
        raise InputError(f"field '{key}': must not be negative")
    return n


def parse_spec(doc: dict[str, Any]) -> Spec:
    """A Spec from JSON (a form, a CLI file); InputError naming the field on the first problem."""
    if not isinstance(doc, dict):
        raise InputError("tracker: expected a JSON object")
    unknown = sorted(set(doc) - set(SPEC_FIELDS))
    if unknown:
        raise InputError(f"field '{unknown[0]}': unknown tracker field (known: {', '.join(SPEC_FIELDS)})")
    yara_src = doc.get("yara") or None
    if yara_src is not None and (not isinstance(yara_src, str) or len(yara_src) > MAX_YARA_CHARS):
        raise InputError(f"field 'yara': expected YARA source text under {MAX_YARA_CHARS} characters")
    org = doc.get("org") or None
    if org is not None and (not isinstance(org, str) or len(org) > 200):
        raise InputError("field 'org': expected an organisation name under 200 characters")
    currency = doc.get("currency") or None
    if currency is not None and (not isinstance(currency, str) or len(currency) > 12):
        raise InputError("field 'currency': expected a currency code such as CNY or USDT")
    spec = Spec(
        terms=_strings(doc, "terms", MAX_TERMS, MAX_TERM_CHARS),
        brands=_strings(doc, "brands", MAX_TERMS, MAX_TERM_CHARS),
        org=org,
        regex=_strings(doc, "regex", MAX_PATTERNS, MAX_PATTERN_CHARS),
        yara=yara_src,
        categories=_strings(doc, "categories", 100, 100),
        provinces=_strings(doc, "provinces", 40, 20),
        min_records=_number(doc, "min_records", int),
        min_price=_number(doc, "min_price", float),
        max_price=_number(doc, "max_price", float),
        currency=currency.upper() if currency else None,
    )
    if not (spec.has_content or spec.has_threshold):
        raise InputError("tracker: give at least one of terms, brands, regex, yara, categories, provinces, "
                         "min_records, min_price, max_price")
    compile_spec(spec)  # a pattern or rule that does not compile is refused when saved, not when run
    return spec


@dataclass
class Compiled:
    """A spec with its matchers built; build once per tracker version and reuse across captures."""

    spec: Spec
    terms: TermMatcher
    brands: TermMatcher
    patterns: list[Any] = field(default_factory=list)
    yara: Any = None
    provinces: frozenset[str] = frozenset()


def compile_spec(spec: Spec) -> Compiled:
    import re2

    opts = re2.Options()
    opts.max_mem = RE2_MAX_MEM
    opts.log_errors = False
    patterns = []
    for i, p in enumerate(spec.regex):
        try:
            patterns.append(re2.compile(p, opts))
        except Exception as exc:  # re2.error: backreferences, look-arounds, bad syntax
            msg = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            raise InputError(f"field 'regex[{i}]': not a linear-time (RE2) pattern: {msg[:120]}") from None
    rules = None
    if spec.yara:
        import yara

        try:
            rules = yara.compile(source=spec.yara)
        except yara.SyntaxError as exc:
            raise InputError(f"field 'yara': {str(exc)[:200]}") from None
    return Compiled(spec, TermMatcher.compile(spec.terms), TermMatcher.compile(spec.brands), patterns, rules,
                    frozenset(match_form(p) for p in spec.provinces))


def _province_ok(c: Compiled, doc: CaptureDoc) -> bool:
    mine = {match_form(p) for p in doc.provinces}
    return any(p in m or m in p for p in c.provinces for m in mine)


def thresholds(c: Compiled, doc: CaptureDoc) -> dict[str, Any] | None:
    """The thresholds that held, or None when one the spec sets does not."""
    s = c.spec
    held: dict[str, Any] = {}
    if s.categories:
        hit = sorted(set(s.categories) & set(doc.categories))
        if not hit:
            return None
        held["categories"] = hit
    if s.provinces:
        if not _province_ok(c, doc):
            return None
        held["provinces"] = list(s.provinces)
    if s.min_records is not None:
        if doc.records is None or doc.records < s.min_records:
            return None
        held["records"] = doc.records
    if s.min_price is not None or s.max_price is not None:
        if doc.price is None or (s.currency and (doc.currency or "").upper() != s.currency):
            return None
        if (s.min_price is not None and doc.price < s.min_price) or (
                s.max_price is not None and doc.price > s.max_price):
            return None
        held["price"] = doc.price
    return held


def evaluate(c: Compiled, doc: CaptureDoc) -> dict[str, Any] | None:
    """What matched (rule parts only), or None when the tracker does not fire on this capture."""
    held = thresholds(c, doc)
    if held is None:
        return None
    out: dict[str, Any] = {}
    if c.spec.has_content:
        text = doc.text[:MAX_TEXT_BYTES]
        if terms := c.terms.find(text):
            out["terms"] = terms
        if brands := c.brands.find(text):
            out["brands"] = brands
        folded = match_form(text) if (c.patterns or c.yara is not None) else ""
        if c.patterns:
            hits = [i for i, p in enumerate(c.patterns) if p.search(folded) is not None]
            if hits:
                out["regex"] = [c.spec.regex[i] for i in hits]
        if c.yara is not None:
            out.update(_yara(c, folded))
        if not out:
            return None
    if held:
        out["thresholds"] = held
    return out


def _yara(c: Compiled, text: str) -> dict[str, Any]:
    import yara

    data = text.encode("utf-8")[:MAX_TEXT_BYTES]
    try:
        found = c.yara.match(data=data, timeout=YARA_TIMEOUT_S)
    except yara.TimeoutError:
        # Counted and logged, not an alert: a rule too slow for a page says nothing about the page.
        log.warning("tracker YARA rule timed out after %ss on a %d-byte capture", YARA_TIMEOUT_S, len(data))
        return {}
    return {"yara": sorted({m.rule for m in found})} if found else {}
