"""Counter-based randomness: every value is a pure function of (seed, stream, index).

The world is generated in blocks, and any block must come out the same
whichever order (or however many times) it is generated; a sequential RNG
cannot promise that without replaying everything before it. Hashing the index
with splitmix64 gives random access in O(1), flat memory, and numpy speed.
A Feistel network over the same mixer gives bijections, which is how person
indices become ID numbers that can never collide.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

U64 = NDArray[np.uint64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix64(x: U64) -> U64:
    """splitmix64's finaliser over an array (wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def stream_key(seed: int, stream: str) -> np.uint64:
    """A 64-bit key per named stream, so adding a stream never shifts another."""
    h = 1469598103934665603
    for b in f"{seed}\x00{stream}".encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return mix64(np.array([h], dtype=np.uint64))[0]


class Keyed:
    """Random draws addressed by index: `u(stream, idx)` is the same on every call."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._keys: dict[str, np.uint64] = {}

    def key(self, stream: str) -> np.uint64:
        k = self._keys.get(stream)
        if k is None:
            k = self._keys[stream] = stream_key(self.seed, stream)
        return k

    def bits(self, stream: str, idx: NDArray[np.integer]) -> U64:
        with np.errstate(over="ignore"):
            return mix64(idx.astype(np.uint64) * _GOLDEN ^ self.key(stream))

    def u(self, stream: str, idx: NDArray[np.integer]) -> NDArray[np.float64]:
        """Uniform [0, 1) per index."""
        return (self.bits(stream, idx) >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))

    def below(self, stream: str, idx: NDArray[np.integer], n: int | NDArray[np.integer]) -> NDArray[np.int64]:
        """Uniform integer in [0, n) per index (n may be an array)."""
        return np.minimum((self.u(stream, idx) * n).astype(np.int64), np.asarray(n, dtype=np.int64) - 1)


class Feistel:
    """A keyed bijection on [0, size): balanced Feistel network plus cycle walking."""

    def __init__(self, keyed: Keyed, stream: str, size: int, rounds: int = 4) -> None:
        if size < 1:
            raise ValueError("size must be positive")
        self.size = size
        half = max(1, (max(size - 1, 1).bit_length() + 1) // 2)
        self.half = np.uint64(half)
        self.mask = np.uint64((1 << half) - 1)
        self.round_keys = [keyed.key(f"{stream}/round{i}") for i in range(rounds)]

    def _once(self, x: U64) -> U64:
        left = x >> self.half
        right = x & self.mask
        for k in self.round_keys:
            left, right = right, left ^ (mix64(right ^ k) & self.mask)
        return (left << self.half) | right

    def __call__(self, idx: NDArray[np.integer]) -> NDArray[np.int64]:
        x = self._once(idx.astype(np.uint64))
        size = np.uint64(self.size)
        out_of_range = x >= size
        while out_of_range.any():  # cycle walking: at most a few passes (domain < 4 * size)
            x[out_of_range] = self._once(x[out_of_range])
            out_of_range = x >= size
        return x.astype(np.int64)
