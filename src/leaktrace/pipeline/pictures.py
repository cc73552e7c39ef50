"""Pictures as evidence of a sample: read each (decode, OCR, scan), then attribute what they show.

One service for the CLI now and the console and the queued OCR stage
later: the rows a seller shows in pictures are a dump sample, so their ID
numbers and mobiles go to `attribution.attribute_values`, keyed on the
way in; only masked records leave this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leaktrace.core.errors import InputError
from leaktrace.core.match_types import Match
from leaktrace.images.decode import Limits
from leaktrace.images.ocr import DEFAULT_LANGS
from leaktrace.images.read import ImageReading, read_image
from leaktrace.pii.registry import Registry
from leaktrace.pii.scanner import Scanner


@dataclass
class PictureReading:
    path: Path
    reading: ImageReading

    def record(self) -> dict[str, Any]:
        """The masked reading, with the listing facts of its text (a picture showing rows offers a sample)."""
        return {"path": str(self.path), **self.reading.record(), "facts": self.facts()}

    def facts(self) -> dict[str, Any] | None:
        """`intel.extract`'s facts of the OCR text (no personal value in them), None without text."""
        if not self.reading.text:
            return None
        from leaktrace.intel.extract import analyse_post

        facts = analyse_post(None, self.reading.text).facts.contract()
        rows = self.reading.sample()["rows"]
        if rows:
            facts["sample"] = True
        return facts


def read_pictures(paths: list[Path], registry: Registry, *, limits: Limits | None = None,
                  langs: str | None = None) -> list[PictureReading]:
    """Read every picture; a bad picture is a record in its reading, a missing file a one-line error.

    Tesseract or a language model missing raises `OcrUnavailable` (a ConfigError, exit 3) at the first picture.
    """
    lim = limits or Limits()
    langs = langs or DEFAULT_LANGS
    scanner = Scanner(registry)
    out: list[PictureReading] = []
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        with path.open("rb") as f:
            data = f.read(lim.max_bytes + 1)
        out.append(PictureReading(path, read_image(data, scanner, limits=lim, langs=langs)))
    return out


def sample_values(readings: list[PictureReading]) -> dict[str, list[str]]:
    """Valid ID numbers and mobiles read from the pictures, per kind (for attribution only)."""
    vals: dict[str, set[str]] = {"cn_id": set(), "cn_mobile": set()}
    for r in readings:
        for h in r.reading.hits:
            if h.type in vals and h.valid:
                vals[h.type].add(h.value)
    return {k: sorted(v) for k, v in vals.items() if v}


def attribute_pictures(readings: list[PictureReading], data_dir: Path, key: Any) -> Match:
    """Attribute the rows the pictures show against the organisations registered under `data_dir`."""
    from leaktrace.attribution.attribute import attribute_values
    from leaktrace.attribution.registry import Registry as OrgRegistry

    values = sample_values(readings)
    if not values:
        raise InputError("no valid ID number or mobile was read from the pictures: nothing to attribute")
    source = ", ".join(str(r.path) for r in readings[:3]) + (f" (+{len(readings) - 3})" if len(readings) > 3 else "")
    return attribute_values(values, OrgRegistry(data_dir), key, source)
