"""Decoding hostile pictures with Pillow under explicit limits: every failure is a record, never a crash.

Scraped pictures are hostile: decompression bombs (a tiny file that claims
gigapixels), truncated or corrupt PNG/JPEG/GIF, animated GIFs of tens of
megabytes. The pixel count is checked from the header before any pixel is
decoded, Pillow's own bomb limit is set explicitly (it is process-wide, so
it is set to the strictest limit this package uses), and an animated image
gives its first frame only, which the record says.
"""

from __future__ import annotations

import io
import struct
import threading
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageFile, UnidentifiedImageError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # e.g. 8000 x 5000: above any screenshot or phone photo a seller posts
FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; set it, do not inherit its default.
Image.MAX_IMAGE_PIXELS = DEFAULT_MAX_PIXELS
# Truncated files must be refused, but Pillow's switch is process-wide and WeasyPrint turns it on when
# imported (it pads broken images): `_strict_load` turns it off around our own decoding only.
_TRUNCATION_LOCK = threading.Lock()


def _strict_load(img: Image.Image) -> None:
    """`img.load()` with truncated data an error, whatever another library set the switch to."""
    with _TRUNCATION_LOCK:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            img.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


@dataclass(frozen=True)
class Limits:
    """What a picture may cost before it is refused."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_pixels: int = DEFAULT_MAX_PIXELS


@dataclass
class Decoded:
    """A decoded picture (RGB), or why there is none; `notes` records what was done to it."""

    image: Image.Image | None
    format: str | None
    width: int = 0
    height: int = 0
    problem: str | None = None  # one line: what is wrong with the file
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.image is not None


def decode(data: bytes, limits: Limits | None = None) -> Decoded:
    """The picture in `data` as RGB under `limits`; a corrupt, oversized or unknown file gives `problem`."""
    lim = limits or Limits()
    if len(data) > lim.max_bytes:
        return Decoded(None, None, problem=f"file of {len(data):,} bytes exceeds the limit of {lim.max_bytes:,}")
    if not data:
        return Decoded(None, None, problem="empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=FORMATS)
            fmt = img.format
            w, h = img.size
            if w * h > lim.max_pixels:
                return Decoded(None, fmt, w, h, problem=f"decompression bomb: {w}x{h} = {w * h:,} pixels "
                                                         f"exceeds the limit of {lim.max_pixels:,}")
            notes: list[str] = []
            if getattr(img, "is_animated", False):
                img.seek(0)
                notes.append("animated: first frame only")
            _strict_load(img)
            rgb = _rgb(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        return Decoded(None, None, problem=f"decompression bomb: {exc}")
    except UnidentifiedImageError:
        return Decoded(None, None, problem="not a picture in a supported format (PNG, JPEG, GIF, WebP, BMP)")
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        return Decoded(None, None, problem=f"corrupt picture: {type(exc).__name__}: {str(exc)[:120]}")
    return Decoded(rgb, fmt, w, h, notes=notes)


def _rgb(img: Image.Image) -> Image.Image:
    """RGB over white (transparent areas of a PNG or GIF are white, as a page shows them)."""
    if img.mode in {"RGBA", "LA", "P", "PA"}:
        rgba = img.convert("RGBA")
        out = Image.new("RGB", rgba.size, "white")
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    return img.convert("RGB")

