"""Runs a registry's detectors over text, in memory or as a bounded stream.

Streaming cuts the decoded text into windows that overlap by more than the
longest possible hit plus its context, and reports each hit from exactly one
window (the one in which it starts), so hits on chunk borders are neither
lost nor doubled and memory stays bounded by the chunk size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from leaktrace.core.masking import mask
from leaktrace.core.text import fold_width
from leaktrace.core.types import PiiHit
from leaktrace.pii.base import Detector
from leaktrace.pii.registry import Registry

CONTEXT_CHARS = 24


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
        self.margin = max((d.max_len for d in self.detectors), default=64) + 2 * context_chars + 8

    def scan(self, text: str, base_offset: int = 0) -> list[PiiHit]:
        """All hits in `text`, sorted by position, overlaps resolved by score."""
        return self._resolve(self._raw_hits(text, base_offset, 0, len(text)))

    def _raw_hits(self, text: str, base: int, lo: int, hi: int) -> list[PiiHit]:
        out: list[PiiHit] = []
        text = fold_width(text)
        cc = self.context_chars
        for det in self.detectors:
            ctx_words = det.context
            neg_words = det.negative
            for start, end, value in det.candidates(text):
                if start < lo or start >= hi:
                    continue
                verdict = det.validate(value)
                if verdict is None:
                    continue
                score = verdict.score
                has_ctx = False
                if ctx_words or neg_words:
                    window = text[max(0, start - cc) : start].lower()
                    if ctx_words and any(w in window for w in ctx_words):
                        has_ctx = True
                        score += det.context_boost
                    if neg_words and any(w in window for w in neg_words):
                        score -= det.negative_penalty
                if det.requires_context and not has_ctx:
                    continue
                if not verdict.valid and not self.include_invalid:
                    continue
                score = min(1.0, max(0.0, score))
                if score < self.min_score:
                    continue
                out.append(
                    PiiHit(
                        type=det.type,
                        start=base + start,
                        end=base + end,
                        value=value,
                        text_masked=mask(value),
                        valid=verdict.valid,
                        score=score,
                        attrs=verdict.attrs,
                    )
                )
        return out

    @staticmethod
    def _resolve(hits: list[PiiHit]) -> list[PiiHit]:
        """Keep the best of overlapping hits: valid first, then score, then longer."""
        if len(hits) < 2:
            return hits
        ranked = sorted(hits, key=lambda h: (not h.valid, -h.score, -(h.end - h.start), h.start))
        taken: list[tuple[int, int]] = []
        kept: list[PiiHit] = []
        for h in ranked:
            if any(h.start < e and s < h.end for s, e in taken):
                continue
            taken.append((h.start, h.end))
            kept.append(h)
        kept.sort(key=lambda h: (h.start, h.end))
        return kept

    def scan_stream(self, chunks: Iterable[str], window_chars: int = 1 << 20) -> Iterator[PiiHit]:
        """Hits over a stream of decoded text chunks, with bounded memory."""
        m = self.margin
        buf = ""
        buf_start = 0  # global offset of buf[0]
        emit_from = 0  # global offset: hits starting before this were already reported
        for chunk in chunks:
            buf += chunk
            while len(buf) >= window_chars + 2 * m:
                cut = buf_start + len(buf) - m  # hits starting before cut are complete here
                yield from self._window(buf, buf_start, emit_from, cut)
                emit_from = cut
                keep_from = cut - m - buf_start
                buf = buf[keep_from:]
                buf_start += keep_from
        if buf:
            yield from self._window(buf, buf_start, emit_from, buf_start + len(buf))

    def _window(self, buf: str, buf_start: int, lo: int, hi: int) -> list[PiiHit]:
        # Resolve overlaps over the whole window, then emit the owned range,
        # so a hit's winner does not depend on where the window was cut.
        hits = self._resolve(self._raw_hits(buf, buf_start, 0, len(buf)))
        return [h for h in hits if lo <= h.start < hi]
