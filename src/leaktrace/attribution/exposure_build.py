"""Building and merging exposure sets at ~20 bytes a value, so a 10^8-row dump is indexed within 4 GB.

The set is (bucket, tag) sorted by bucket, then tag. Sorting the words of a
whole dump at once (`ExposureSet.from_words`: the words, an int64 sort
order, and the sorted copies) held ~40 bytes a value beside the batches it
was concatenated from; ~1.1 values a row make that ~5 GB at 10^8 rows.
Here the buckets are counted as the batches arrive, each batch's tags are
scattered straight to their bucket's place in the one output array
(a counting sort, one batch at a time, each batch freed once placed), and
each bucket (~N / 65,536 tags) is sorted in place. The result is the one
`from_words` gives: tests pin the two equal. Plain arrays in and out:
`exposure.ExposureSet` wraps them (and imports this module, not the reverse).
"""

from __future__ import annotations

from collections import deque

import numpy as np

Sorted = tuple[np.ndarray, np.ndarray]  # (buckets uint32, tags uint64), sorted by bucket, then tag


def _bucket_dtype(bits: int) -> type[np.unsignedinteger]:
    return np.uint16 if bits <= 16 else np.uint32


def _sort_buckets(tags: np.ndarray, counts: np.ndarray) -> None:
    """Sort each bucket's run of `tags` in place (runs in bucket order, `counts` long)."""
    ends = np.cumsum(counts)
    for b in np.flatnonzero(counts > 1):
        tags[ends[b] - counts[b]:ends[b]].sort()


def _buckets(counts: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(len(counts), dtype=np.uint32), counts)


class ExposureBuilder:
    """Collects PRF words (u, tag) a batch at a time; `build` gives the bucket-sorted (buckets, tags).

    Holds 2 + 8 bytes a value (bucket, tag) until `build`, which adds the
    8-byte output array and frees the batches as it places them; the bucket
    column (4 bytes a value) is made last, from the counts.
    """

    def __init__(self, bucket_bits: int) -> None:
        if not 0 < bucket_bits <= 24:
            raise ValueError(f"bucket_bits {bucket_bits}: expected 1-24")
        self.bucket_bits = bucket_bits
        self.counts = np.zeros(1 << bucket_bits, np.int64)
        self._batches: deque[tuple[np.ndarray, np.ndarray]] = deque()

    @property
    def values(self) -> int:
        return int(self.counts.sum())

    def add(self, u: np.ndarray, tags: np.ndarray) -> None:
        """One batch of words: `u`'s top `bucket_bits` bits are the bucket, `tags` the tag (both uint64)."""
        if len(u) != len(tags):
            raise ValueError("u and tags differ in length")
        if not len(u):
            return
        b = (np.asarray(u, np.uint64) >> np.uint64(64 - self.bucket_bits)).astype(_bucket_dtype(self.bucket_bits))
        self.counts += np.bincount(b, minlength=len(self.counts))
        self._batches.append((b, np.array(tags, np.uint64)))

    def build(self) -> Sorted:
        """(buckets, tags) of every word added (the builder is empty afterwards)."""
        nxt = np.cumsum(self.counts) - self.counts  # where each bucket's next tag goes
        tags = np.empty(int(self.counts.sum()), np.uint64)
        while self._batches:
            b, t = self._batches.popleft()
            order = np.argsort(b, kind="stable")
            sb = b[order]
            here = np.bincount(sb, minlength=len(self.counts))
            first = np.cumsum(here) - here  # each bucket's first index in the sorted batch
            tags[nxt[sb] + (np.arange(len(sb)) - first[sb])] = t[order]
            nxt += here
            del b, t, order, sb
        _sort_buckets(tags, self.counts)
        buckets = _buckets(self.counts)
        self.counts = np.zeros_like(self.counts)
        return buckets, tags


def merge_sorted(a: Sorted, b: Sorted, bucket_bits: int) -> Sorted:
    """The union of two sorted (buckets, tags) pairs (each (bucket, tag) once), bucket by bucket.

    Peak ~24 bytes a value of the two (both inputs and one output), where
    concatenating and sorting both held ~45.
    """
    (a_buckets, a_tags), (b_buckets, b_tags) = a, b
    n = 1 << bucket_bits
    ea, eb = _ends(a_buckets, n), _ends(b_buckets, n)
    out = np.empty(len(a_tags) + len(b_tags), np.uint64)
    counts = np.zeros(n, np.int64)
    pos = sa = sb = 0
    for k in range(n):
        ta, tb = a_tags[sa:ea[k]], b_tags[sb:eb[k]]
        sa, sb = ea[k], eb[k]
        merged = np.union1d(ta, tb)
        out[pos:pos + len(merged)] = merged
        counts[k] = len(merged)
        pos += len(merged)
    out.resize(pos, refcheck=False)  # shrinks in place: no second copy
    return _buckets(counts), out


def _ends(buckets: np.ndarray, n: int) -> np.ndarray:
    """Where each of the `n` buckets' run ends in sorted `buckets` (searched in their own dtype: no cast of the column)."""
    return np.append(np.searchsorted(buckets, np.arange(1, n, dtype=buckets.dtype)), len(buckets))
