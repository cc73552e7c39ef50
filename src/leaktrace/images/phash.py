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

import imagehash
from PIL import Image, ImageChops

from leaktrace.core.picture_hash import CONTENT_BITS, SURE_BITS, distance, near_pairs

HASH_SIZE = 32
BORDER_TOLERANCE = 24  # grey levels a border pixel may differ from the corner colour
__all__ = ["CONTENT_BITS", "SURE_BITS", "content_box", "distance", "link_reposts", "perceptual_hash"]


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


link_reposts = near_pairs  # the images stage's name for it: pairs of pictures that are one picture
