"""Comparing perceptual hashes of pictures: bits apart, and which pairs are close enough to be one picture.

Pure arithmetic on hex strings, shared by `images` (which makes the hashes)
and `graph` (which links accounts that post the same picture), so the
thresholds are stated once. Why these thresholds: docs/images.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

import numpy as np

SURE_BITS = 80  # of 1024: reposts measured mostly under 60, different pictures 90+ (bench_images.py)
CONTENT_BITS = 160  # up to here with a value in common (cards of one layout sit at 90-140)


def distance(a: str, b: str) -> int:
    """Bits in which two hex hashes of the same length differ."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def near_pairs(hashes: Iterable[tuple[str, str]], values: Mapping[str, Set[str]] | None = None, *,
               sure_bits: int = SURE_BITS, content_bits: int = CONTENT_BITS) -> list[tuple[str, str, int]]:
    """Pairs (a, b, bits apart) of one picture, a before b in input order.

    Within `sure_bits` a pair is linked on the hash alone; up to `content_bits`
    only if `values` (picture -> keyed hashes of what it shows) share one.
    Hashes of another length than the first are ignored.
    """
    vals = values or {}
    items = [(n, h) for n, h in hashes if h]
    if not items:
        return []
    size = len(items[0][1])
    items = [(n, h) for n, h in items if len(h) == size]
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
