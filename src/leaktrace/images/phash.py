"""Perceptual hashes that survive a repost: the margin trimmed, then a 1024-bit pHash.

Reposts are cropped, rescaled and re-compressed. Rescaling and JPEG barely
move a DCT hash; cropping does, so the hash is taken of the content box (the
picture with its near-uniform border trimmed), which a repost cropped inside
the margin shares with its original. 32x32 bits rather than 8x8 because
sample pictures share layouts: the small hash sees only the grid of an order
table or the frame of a card, the large one also the text in it.

Cards of one layout still come close (the text is a small part of them), so
a pair is linked outright only when very close; a pair in the band above
that is linked when the two pictures also show a value in common (the keyed
hashes of the IDs and mobiles read from them), which two different cards do
not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

import imagehash
import numpy as np
from PIL import Image, ImageChops

HASH_SIZE = 32
SURE_BITS = 80  # of 1024: reposts measured mostly under 60, different pictures 90+ (bench_images.py)
CONTENT_BITS = 160  # up to here with a value in common (cards of one layout sit at 90-140)
BORDER_TOLERANCE = 24  # grey levels a border pixel may differ from the corner colour


def content_box(img: Image.Image) -> Image.Image:
    """`img` without its uniform border (the corner pixel's colour, within a tolerance)."""
    gray = img.convert("L")
    bg = Image.new("L", gray.size, gray.getpixel((0, 0)))  # type: ignore[arg-type]
    diff = ImageChops.difference(gray, bg).point(lambda v: 255 if v > BORDER_TOLERANCE else 0)
    box = diff.getbbox()
    return gray.crop(box) if box else gray


def perceptual_hash(img: Image.Image) -> str:
    """Hex pHash (1024 bits) of the content box."""
    return str(imagehash.phash(content_box(img), hash_size=HASH_SIZE))


def distance(a: str, b: str) -> int:
    return int(bin(int(a, 16) ^ int(b, 16)).count("1"))


def link_reposts(hashes: Iterable[tuple[str, str]], values: Mapping[str, Set[str]] | None = None, *,
                 sure_bits: int = SURE_BITS, content_bits: int = CONTENT_BITS) -> list[tuple[str, str, int]]:
    """Pairs (a, b, bits apart) of reposted pictures, a before b in input order.

    Within `sure_bits` a pair is linked on the hash alone; up to `content_bits`
    only if `values` (picture -> keyed hashes of what it shows) share one.
    """
    vals = values or {}
    items = [(n, h) for n, h in hashes if h]
    if not items:
        return []
    bits = np.array([np.unpackbits(np.frombuffer(bytes.fromhex(h), np.uint8)) for _, h in items], dtype=np.uint8)
    out: list[tuple[str, str, int]] = []
    for i in range(len(items) - 1):
        d = np.count_nonzero(bits[i + 1:] != bits[i], axis=1)
        mine = vals.get(items[i][0], set())
        for j in np.flatnonzero(d <= content_bits):
            other = items[i + 1 + int(j)][0]
            if d[j] <= sure_bits or not mine.isdisjoint(vals.get(other, set())):
                out.append((items[i][0], other, int(d[j])))
    return out
