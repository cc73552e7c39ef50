"""Tesseract (Simplified Chinese + English) on a decoded picture: text with its confidence.

Tesseract runs as a child process (pytesseract) with a timeout, one thread
(OMP_THREAD_LIMIT=1 is the caller's environment; the stage's speed is per
core), page segmentation 6 (a uniform block of text: what tables and cards
are). Words come back with confidences; the text is rebuilt line by line
and Chinese characters, which Tesseract returns as separate words, are
joined again so that labels like 身份证号 stay whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import Image

from leaktrace.core.errors import ConfigError

DEFAULT_LANGS = "chi_sim+eng"
DEFAULT_TIMEOUT_S = 30.0
MIN_SIDE = 600  # pictures narrower than this are upscaled: Tesseract reads small type badly
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


class OcrUnavailable(ConfigError):
    """Tesseract or one of its language models is missing: a deployment problem (exit 3), not the picture's."""


@dataclass
class OcrText:
    """What Tesseract read: `text` (raw: sealed as evidence, never logged) and its mean word confidence 0-1."""

    text: str = field(repr=False)
    confidence: float
    words: int
    notes: list[str] = field(default_factory=list)


def ocr(img: Image.Image, *, langs: str = DEFAULT_LANGS, timeout_s: float = DEFAULT_TIMEOUT_S) -> OcrText:
    """Read `img`; an image with no text gives empty text, confidence 0 and a note."""
    import pytesseract

    gray = img.convert("L")
    if gray.width < MIN_SIDE:
        f = MIN_SIDE / gray.width
        gray = gray.resize((MIN_SIDE, max(1, round(gray.height * f))), Image.Resampling.LANCZOS)
    try:
        data = pytesseract.image_to_data(gray, lang=langs, config="--psm 6", timeout=timeout_s,
                                         output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrUnavailable("tesseract is not installed (Debian: tesseract-ocr)") from exc
    except pytesseract.TesseractError as exc:
        if "Failed loading language" in str(exc) or "Error opening data file" in str(exc):
            raise OcrUnavailable(f"tesseract language model missing for {langs!r} "
                                 "(Debian: tesseract-ocr-chi-sim, tesseract-ocr-eng)") from exc
        return OcrText("", 0.0, 0, [f"tesseract failed: {str(exc)[:120]}"])
    except RuntimeError as exc:  # pytesseract's timeout
        return OcrText("", 0.0, 0, [f"tesseract gave up: {str(exc)[:80]} after {timeout_s:g} s"])
    return _assemble(data)


def _assemble(data: dict[str, list]) -> OcrText:  # type: ignore[type-arg]
    lines: dict[tuple[int, int, int], list[str]] = {}
    total, weight = 0.0, 0
    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(word)
        total += conf * len(word)
        weight += len(word)
    text = "\n".join(_join(ws) for _, ws in sorted(lines.items()))
    if not weight:
        return OcrText("", 0.0, 0, ["no text found"])
    return OcrText(text, round(total / weight / 100, 3), sum(len(ws) for ws in lines.values()))


def _join(words: list[str]) -> str:
    """Words of one line, with no space between two Chinese characters."""
    out = words[0]
    for w in words[1:]:
        out += w if _CJK.match(out[-1]) and _CJK.match(w[0]) else " " + w
    return out
