"""Perceptual hashes that survive a repost: the margin trimmed, then a 256-bit pHash.

Reposts are cropped, rescaled and re-compressed. Rescaling and JPEG barely
move a DCT hash; cropping does, so the hash is taken of the content box (the
picture with its near-uniform border trimmed), which a repost cropped inside
the margin shares with its original. 16x16 bits rather than 8x8 because
order tables share one layout: the small hash sees only the grid, the large
one also the text in it.
"""

from __future__ import annotations

from collections.abc import Iterable

import imagehash
import numpy as np
from PIL import Image, ImageChops

HASH_SIZE = 16
DEFAULT_MAX_DISTANCE = 26  # of 256 bits: reposts measured 2-18 apart, distinct tables 40+ (bench_images.py)
BORDER_TOLERANCE = 24  # grey levels a border pixel may differ from the corner colour


def content_box(img: Image.Image) -> Image.Image:
    """`img` without its uniform border (the corner pixel's colour, within a tolerance)."""
    gray = img.convert("L")
    bg = Image.new("L", gray.size, gray.getpixel((0, 0)))  # type: ignore[arg-type]
    diff = ImageChops.difference(gray, bg).point(lambda v: 255 if v > BORDER_TOLERANCE else 0)
    box = diff.getbbox()
    return gray.crop(box) if box else gray


def perceptual_hash(img: Image.Image) -> str:
    """Hex pHash (256 bits) of the content box."""
    return str(imagehash.phash(content_box(img), hash_size=HASH_SIZE))


def distance(a: str, b: str) -> int:
    return int(bin(int(a, 16) ^ int(b, 16)).count("1"))


def link_reposts(hashes: Iterable[tuple[str, str]], max_distance: int = DEFAULT_MAX_DISTANCE) -> list[tuple[str, str, int]]:
    """Pairs (a, b, bits apart) of pictures whose hashes are within `max_distance`, a before b in input order."""
    items = list(hashes)
    if not items:
        return []
    bits = np.array([np.unpackbits(np.frombuffer(bytes.fromhex(h), np.uint8)) for _, h in items], dtype=np.uint8)
    out: list[tuple[str, str, int]] = []
    for i in range(len(items) - 1):
        d = np.count_nonzero(bits[i + 1:] != bits[i], axis=1)
        for j in np.flatnonzero(d <= max_distance):
            out.append((items[i][0], items[i + 1 + int(j)][0], int(d[j])))
    return out
