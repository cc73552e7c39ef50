"""One picture, start to end: decode, OCR, PII scan, sample summary, perceptual hash.

The reading keeps the raw OCR text for the evidence store (sealed by the
caller) and offers only masked text, keyed-hash-ready values and counts
for anything else. A problem with the file is a record in the reading,
never an exception: a capture is never lost to a bad picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leaktrace.core.types import PiiHit
from leaktrace.images.decode import Limits, decode
from leaktrace.images.ocr import DEFAULT_LANGS, DEFAULT_TIMEOUT_S, OcrText, ocr
from leaktrace.images.phash import perceptual_hash
from leaktrace.pii.redact import masked_attrs
from leaktrace.pii.scanner import Scanner

LOW_CONFIDENCE = 0.5  # below this the text is likely a script Tesseract was not given, or noise


@dataclass
class ImageReading:
    """What was learnt from one picture; `problem` set means nothing could be read."""

    format: str | None
    width: int
    height: int
    problem: str | None = None
    notes: list[str] = field(default_factory=list)
    phash: str | None = None
    text: str = field(default="", repr=False)  # raw OCR text: evidence only
    confidence: float = 0.0
    hits: list[PiiHit] = field(default_factory=list)

    def masked_text(self) -> str:
        """The OCR text with every hit replaced by its masked form (what a database may hold)."""
        out, pos = [], 0
        for h in sorted(self.hits, key=lambda h: h.start):
            if h.start < pos:
                continue
            out += [self.text[pos:h.start], h.text_masked]
            pos = h.end
        out.append(self.text[pos:])
        return "".join(out)

    def sample(self) -> dict[str, Any]:
        """The listing fact a picture gives: rows shown (lines with an ID, else with a mobile), valid IDs, provinces.

        Lines with an ID count first: OCR reads a date like 1979年1月31日 as a plausible mobile now and then.
        """
        def lines(kind: str) -> int:
            return len({self.text.count("\n", 0, h.start) for h in self.hits if h.type == kind})

        ids = {h.value for h in self.hits if h.type == "cn_id" and h.valid}
        provinces = {h.attrs.get("province") for h in self.hits if h.type == "cn_id" and h.valid}
        return {"rows": lines("cn_id") or lines("cn_mobile"), "valid_ids": len(ids), "provinces": len(provinces - {None})}

    def record(self) -> dict[str, Any]:
        """A JSON-safe summary with no raw value (for logs, the database, the console)."""
        return {"format": self.format, "width": self.width, "height": self.height, "problem": self.problem,
                "notes": self.notes, "phash": self.phash, "confidence": self.confidence,
                "masked_text": self.masked_text(), "hits": [{**h.contract(), "attrs": masked_attrs(h.attrs)} for h in self.hits],
                "sample": self.sample()}


def read_image(data: bytes, scanner: Scanner, *, limits: Limits | None = None, langs: str = DEFAULT_LANGS,
               timeout_s: float = DEFAULT_TIMEOUT_S, run_ocr: bool = True) -> ImageReading:
    """Decode, hash and (with `run_ocr`) read and scan one picture; OcrUnavailable is the only exception."""
    dec = decode(data, limits)
    reading = ImageReading(dec.format, dec.width, dec.height, dec.problem, list(dec.notes))
    if dec.image is None:
        return reading
    reading.phash = perceptual_hash(dec.image)
    if not run_ocr:
        return reading
    got: OcrText = ocr(dec.image, langs=langs, timeout_s=timeout_s)
    reading.text, reading.confidence = got.text, got.confidence
    reading.notes += got.notes
    if got.text and got.confidence < LOW_CONFIDENCE:
        reading.notes.append(f"low OCR confidence {got.confidence:.2f}: text in another script, or noise")
    reading.hits = scanner.scan(got.text) if got.text else []
    return reading
