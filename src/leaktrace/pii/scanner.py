"""Runs a registry's detectors over text, in memory or as a bounded stream.

Streaming cuts the decoded text into windows that overlap by more than the
longest possible hit plus its context. Overlapping candidates form clusters
that are resolved together; each cluster is reported from exactly one window
(the one in which its first candidate starts), so hits on chunk borders are
neither lost nor doubled and memory stays bounded by the window size. The
stream result equals the whole-text result as long as no chain of mutually
overlapping candidates is longer than the margin (only hostile input, such
as megabytes of space-grouped digits, builds one).

Speed: the text is folded to ASCII forms and indexed once per window with
numpy; detectors that declare an `anchor` (every match contains a digit,
four digits in a row, a dot between digits, or an '@') run only over the
stretches within their own reach of those, which on listing text is a small
part of it; hits stay plain tuples until emitted.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np

from leaktrace.core.masking import mask
from leaktrace.core.types import PiiHit
from leaktrace.pii.base import Detector
from leaktrace.pii.registry import Registry

CONTEXT_CHARS = 24
# Anchor stretches closer than this are searched as one (see anchor_regions).
MERGE_GAP = 256
# Slack for lookarounds at a match's edges.
LOOKAROUND = 8
# Characters scanned per window when streaming. Peak memory grows with the
# window (about 10 bytes a character on sparse text, up to ~150 on text that
# is nothing but PII), never with the input; 256 k characters keeps a
# hostile all-PII window near 40 MB while the per-window cost (folding,
# indexing) stays negligible.
DEFAULT_WINDOW_CHARS = 1 << 18


# A character some context word may start from: an ASCII letter or anything
# outside ASCII. `str.lower` maps the other ASCII characters to themselves, so
# a window without one of these cannot hold a word that has one.
_WORDY = re.compile(r"[A-Za-z\x80-\U0010ffff]")


def _all_wordy(words: Iterable[str]) -> bool:
    """Every word holds a `_WORDY` character (then windows without one skip the word search)."""
    return all(_WORDY.search(w) is not None for w in words)


def _any_word(words: Iterable[str]) -> Callable[[str], re.Match[str] | None] | None:
    """A search that finds any of `words` in a string: `any(w in s for w in words)` as one regex call."""
    alternatives = sorted(set(words), key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile("|".join(re.escape(w) for w in alternatives)).search


class RawHit(NamedTuple):
    start: int
    end: int
    type: str
    value: str
    valid: bool
    score: float
    attrs: dict[str, Any]
    priority: int


# Builds a RawHit without NamedTuple's Python-level __new__.
_new_tuple = tuple.__new__
# Sort key (start, end), computed in C.
_BY_SPAN = itemgetter(0, 1)


def fold_and_index(text: str) -> tuple[str, np.ndarray]:
    """Full-width forms folded to ASCII (one char for one) and the code points as an array.

    Same mapping as `leaktrace.core.text.fold_width`, 20x faster on CJK text
    than `str.translate`, which does a dict lookup per character.
    """
    if text.isascii():
        return text, np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    arr = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = (arr >= 0xFF01) & (arr <= 0xFF5E)
    ideo_space = arr == 0x3000
    if not (wide.any() or ideo_space.any()):
        return text, arr
    arr = arr.copy()
    arr[wide] -= 0xFEE0
    arr[ideo_space] = 0x20
    return arr.tobytes().decode("utf-32-le", "surrogatepass"), arr


def anchor_regions(positions: np.ndarray, pad: int, n: int) -> list[tuple[int, int]]:
    """Merged [start, end) ranges reaching `pad` characters either side of each position."""
    if positions.size == 0:
        return []
    # Stretches closer than MERGE_GAP are merged: a regex runs over a few
    # hundred characters in about the time one more Python call takes.
    breaks = np.flatnonzero(np.diff(positions) > 2 * pad + MERGE_GAP)
    firsts = positions[np.concatenate(([0], breaks + 1))]
    lasts = positions[np.concatenate((breaks, [positions.size - 1]))]
    starts = np.maximum(firsts - pad, 0).tolist()
    ends = np.minimum(lasts + pad + 1, n).tolist()
    return list(zip(starts, ends, strict=True))


# Anchors a detector may declare: every match contains a digit, four
# consecutive digits (IDs, mobiles, cards, landlines, passports: on text full
# of short numbers, prices and dates this skips most of it), a dot between
# two digits (dotted quads), or an '@'.
ANCHORS = ("digit", "digits4", "digit.digit", "@")


class _AnchorIndex:
    """Anchor positions in one window's folded code points, each computed on first use."""

    def __init__(self, arr: np.ndarray) -> None:
        self.arr = arr
        self._digit: np.ndarray | None = None
        self._positions: dict[str, np.ndarray] = {}

    def _digits(self) -> np.ndarray:
        if self._digit is None:
            self._digit = (self.arr >= 48) & (self.arr <= 57)
        return self._digit

    def positions(self, anchor: str) -> np.ndarray:
        """Positions of the anchor (for digits4: of each digit that starts four in a row)."""
        found = self._positions.get(anchor)
        if found is None:
            found = self._positions[anchor] = self._compute(anchor)
        return found

    def _compute(self, anchor: str) -> np.ndarray:
        arr = self.arr
        if anchor == "@":
            return np.flatnonzero(arr == 64)
        digit = self._digits()
        if anchor == "digit":
            return np.flatnonzero(digit)
        if anchor == "digit.digit":
            if digit.size < 3:
                return np.empty(0, dtype=np.intp)
            return np.flatnonzero(digit[:-2] & (arr[1:-1] == 46) & digit[2:]) + 1
        if digit.size < 4:
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(digit[:-3] & digit[1:-2] & digit[2:-1] & digit[3:])


def _anchor_of(det: Detector) -> str | None:
    """The detector's declared anchor, if the scanner can run it on parts of the text.

    A detector declares `anchor = "digit"` (or another of `ANCHORS`) when every match it can
    return contains that within `max_len`; it can then be run on
    the stretches around those characters, either through the base class's
    `pattern.finditer` or through a `candidates(text, pos, endpos)` override.
    """
    anchor = getattr(det, "anchor", None)
    if anchor not in ANCHORS:
        return None
    if type(det).candidates is Detector.candidates:
        return anchor  # type: ignore[no-any-return]
    params = inspect.signature(det.candidates).parameters
    return anchor if "pos" in params and "endpos" in params else None  # type: ignore[no-any-return]


class Scanner:
    """Finds PII hits; `min_score` drops weak hits, `include_invalid` keeps broken ones."""

    def __init__(
        self,
        registry: Registry,
        min_score: float = 0.0,
        include_invalid: bool = True,
        context_chars: int = CONTEXT_CHARS,
    ) -> None:
        self.registry = registry
        self.detectors: list[Detector] = list(registry)
        self.min_score = min_score
        self.include_invalid = include_invalid
        self.context_chars = context_chars
        self.max_len = max((d.max_len for d in self.detectors), default=64)
        self.margin = self.max_len + 2 * context_chars + LOOKAROUND
        self._anchors = {d.type: _anchor_of(d) for d in self.detectors}
        # How far around an anchor a detector must look: its longest match,
        # plus room for a label its pattern reads before the anchor (labels
        # are shorter than the context window), plus lookaround slack. Per
        # detector, not the scanner-wide margin: on number-heavy text the
        # margin (set by e-mail's 254 characters) would make every digit
        # detector search the whole text.
        self._pads = {d.type: d.max_len + context_chars + LOOKAROUND for d in self.detectors}
        self._ctx = {d.type: _any_word(d.context) for d in self.detectors}
        self._neg = {d.type: _any_word(d.negative) for d in self.detectors}
        self._gate = {d.type: _all_wordy((*d.context, *d.negative)) for d in self.detectors}

    def scan(self, text: str, base_offset: int = 0) -> list[PiiHit]:
        """All hits in `text`, sorted by position, overlaps resolved by score."""
        raw = self._raw_hits(text)
        return [_to_hit(h, base_offset) for h in _winners(raw, 0, len(text))]

    def _raw_hits(self, text: str) -> list[RawHit]:
        """Every accepted candidate in `text`, sorted by start (offsets local to `text`)."""
        text, arr = fold_and_index(text)
        n = len(text)
        index = _AnchorIndex(arr)
        regions: dict[tuple[str, int], list[tuple[int, int]]] = {}
        out: list[RawHit] = []
        for det in self.detectors:
            anchor = self._anchors[det.type]
            if anchor is None:
                cands: Iterable[tuple[int, int, str]] = det.candidates(text)
            else:
                key = (anchor, self._pads[det.type])
                if key not in regions:
                    regions[key] = anchor_regions(index.positions(anchor), key[1], n)
                cands = _finditer_regions(det, text, regions[key])
            self._accept(det, text, cands, out)
        out.sort(key=_BY_SPAN)
        return out

    def _accept(
        self, det: Detector, text: str, cands: Iterable[tuple[int, int, str]], out: list[RawHit]
    ) -> None:
        # The hot loop of a dense scan: everything it reads is bound locally.
        cc = self.context_chars
        ctx, neg = self._ctx[det.type], self._neg[det.type]
        validate = det.validate
        keep_invalid = self.include_invalid
        min_score = self.min_score
        requires_context = det.requires_context
        boost, penalty = det.context_boost, det.negative_penalty
        pii_type, priority = det.type, det.priority
        append = out.append
        wordy = _WORDY.search if self._gate[det.type] else None
        for start, end, value in cands:
            verdict = validate(value)
            if verdict is None:
                continue
            valid = verdict.valid
            if not valid and not keep_invalid:
                continue
            score = verdict.score
            if ctx is not None or neg is not None:
                lo = start - cc if start > cc else 0
                if wordy is not None and wordy(text, lo, start) is None:
                    # No letter and nothing outside ASCII before it: no context word (text dense with numbers).
                    if requires_context:
                        continue
                    if not 0.0 < score < 1.0:
                        score = min(1.0, max(0.0, score))
                    if score < min_score:
                        continue
                    append(_new_tuple(RawHit, (start, end, pii_type, value, valid, score, verdict.attrs, priority)))
                    continue
                window = text[lo:start].lower()
                if ctx is not None and ctx(window) is not None:
                    score += boost
                elif requires_context:
                    continue
                if neg is not None and neg(window) is not None:
                    score -= penalty
            elif requires_context:
                continue
            if not 0.0 < score < 1.0:
                score = min(1.0, max(0.0, score))
            if score < min_score:
                continue
            append(_new_tuple(RawHit, (start, end, pii_type, value, valid, score, verdict.attrs, priority)))

    def scan_stream(self, chunks: Iterable[str], window_chars: int = DEFAULT_WINDOW_CHARS) -> Iterator[PiiHit]:
        """Hits over a stream of decoded text chunks, with memory bounded by the window.

        Chunks of any size are accepted: a large one is fed in window-sized
        pieces, so the buffer never holds more than about two windows plus
        the margin and no character is copied more than a few times (slicing
        the remainder of a 100 MB string once per window would be quadratic).
        """
        m = self.margin
        piece_len = max(window_chars, m)
        buf = ""
        buf_start = 0  # global offset of buf[0]
        emit_from = 0  # global offset: clusters starting before this were already reported
        for chunk in chunks:
            for i in range(0, len(chunk), piece_len):
                buf += chunk[i : i + piece_len] if len(chunk) > piece_len else chunk
                while len(buf) >= window_chars + 2 * m:
                    cut = buf_start + len(buf) - m  # clusters starting before cut are complete here
                    yield from self._window(buf, buf_start, emit_from, cut)
                    emit_from = cut
                    keep_from = cut - m - buf_start
                    buf = buf[keep_from:]
                    buf_start += keep_from
        if buf:
            yield from self._window(buf, buf_start, emit_from, buf_start + len(buf))

    def _window(self, buf: str, buf_start: int, lo: int, hi: int) -> Iterator[PiiHit]:
        # Resolve whole clusters, then emit those that start in the owned range,
        # so a hit's winner does not depend on where the window was cut.
        for h in _winners(self._raw_hits(buf), lo - buf_start, hi - buf_start):
            yield _to_hit(h, buf_start)


def _finditer_regions(det: Detector, text: str, regions: list[tuple[int, int]]) -> Iterable[tuple[int, int, str]]:
    # chain() flattens in C: one Python frame per candidate (the detector's), not two.
    candidates = det.candidates
    return chain.from_iterable(candidates(text, a, b) for a, b in regions)


def _winners(raw: list[RawHit], lo: int, hi: int) -> Iterator[RawHit]:
    """Hits left after overlaps are resolved, in order, from the clusters whose first hit starts in [lo, hi).

    A cluster is a group of transitively overlapping hits (`raw` is sorted by
    start). Most hits stand alone and pass straight through; only real
    clusters are copied out and resolved.
    """
    n = len(raw)
    i = 0
    while i < n:
        first = raw[i]
        cluster_end = first.end
        j = i + 1
        while j < n and raw[j].start < cluster_end:
            if raw[j].end > cluster_end:
                cluster_end = raw[j].end
            j += 1
        if lo <= first.start < hi:
            if j == i + 1:
                yield first
            else:
                yield from _resolve(raw[i:j])
        i = j


def _resolve(cluster: list[RawHit]) -> list[RawHit]:
    """Keep the best of overlapping hits: valid first, then score, longer, detector priority."""
    if len(cluster) == 1:
        return cluster
    base = cluster[0].start
    span = max(h.end for h in cluster) - base
    occupied = bytearray(span)
    kept: list[RawHit] = []
    for h in sorted(cluster, key=lambda h: (not h.valid, -h.score, -(h.end - h.start), h.priority, h.start)):
        s, e = h.start - base, h.end - base
        if occupied.find(1, s, e) != -1:
            continue
        occupied[s:e] = b"\x01" * (e - s)
        kept.append(h)
    kept.sort(key=lambda h: (h.start, h.end))
    return kept


_FIELDS_SET = frozenset(PiiHit.model_fields)
_new_hit = object.__new__
_set = object.__setattr__


def _to_hit_fast(h: RawHit, base: int) -> PiiHit:
    # What `model_construct` does, minus its per-field default handling: the
    # fields come from our own code, already typed, and pydantic's per-hit
    # machinery cost more than most detectors. Checked against
    # `model_construct` at import; any mismatch switches to the slow path.
    start, end, pii_type, value, valid, score, attrs, _priority = h
    hit = _new_hit(PiiHit)
    _set(hit, "__dict__", {
        "type": pii_type, "start": base + start, "end": base + end, "value": value,
        "text_masked": mask(value), "valid": valid, "score": score, "attrs": attrs,
    })
    _set(hit, "__pydantic_fields_set__", set(_FIELDS_SET))
    _set(hit, "__pydantic_extra__", None)
    _set(hit, "__pydantic_private__", None)
    return hit


def _to_hit_slow(h: RawHit, base: int) -> PiiHit:
    return PiiHit.model_construct(
        type=h.type, start=base + h.start, end=base + h.end, value=h.value,
        text_masked=mask(h.value), valid=h.valid, score=h.score, attrs=h.attrs,
    )


def _fast_path_agrees() -> bool:
    probe = RawHit(3, 21, "cn_id", "11010519491231002X", True, 0.95, {"gender": "F"}, 10)
    try:
        a, b = _to_hit_fast(probe, 7), _to_hit_slow(probe, 7)
        return a == b and a.contract() == b.contract() and repr(a) == repr(b) and a.model_dump() == b.model_dump()
    except Exception:
        return False


_to_hit = _to_hit_fast if _fast_path_agrees() else _to_hit_slow
