"""`exposure_build`: the batch-at-a-time builder and the bucket-wise merge give the sets the whole-array sorts gave."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from leaktrace.attribution.exposure import ExposureSet
from leaktrace.attribution.exposure_build import ExposureBuilder, merge_sorted

words = hnp.arrays(np.uint64, st.integers(0, 300), elements=st.integers(0, 2**64 - 1))


def _same(a: ExposureSet, b: ExposureSet) -> None:
    assert a.key_id == b.key_id and a.bucket_bits == b.bucket_bits
    assert a.buckets.dtype == b.buckets.dtype and a.tags.dtype == b.tags.dtype
    np.testing.assert_array_equal(a.buckets, b.buckets)
    np.testing.assert_array_equal(a.tags, b.tags)


def _union_by_sorting(a: ExposureSet, b: ExposureSet) -> ExposureSet:
    """The merge as it was written before: both concatenated, sorted, adjacent duplicates dropped."""
    bk = np.concatenate([a.buckets, b.buckets])
    t = np.concatenate([a.tags, b.tags])
    order = np.lexsort((t, bk))
    bk, t = bk[order], t[order]
    keep = np.ones(len(bk), bool)
    keep[1:] = (bk[1:] != bk[:-1]) | (t[1:] != t[:-1])
    return ExposureSet(a.key_id, bk[keep], t[keep], a.bucket_bits)


@settings(max_examples=150, deadline=None)
@given(u=words, bits=st.sampled_from([1, 4, 8, 16]), cuts=st.lists(st.integers(0, 300), max_size=6),
       few_tags=st.booleans(), data=st.data())
def test_the_builder_gives_what_sorting_all_words_gives(u: np.ndarray, bits: int, cuts: list[int], few_tags: bool,
                                                        data: st.DataObject) -> None:
    # few distinct tags: many equal tags in one bucket, whose order the per-bucket sort decides
    tags = data.draw(hnp.arrays(np.uint64, len(u), elements=st.integers(0, 3 if few_tags else 2**64 - 1)))
    if few_tags:  # and few buckets, so the runs are long
        u = u & np.uint64(0xC000_0000_0000_0000)
    builder = ExposureBuilder(bits)
    edges = sorted({0, len(u), *(c for c in cuts if c <= len(u))})
    for lo, hi in itertools.pairwise(edges):
        builder.add(u[lo:hi], tags[lo:hi])
    assert builder.values == len(u)
    _same(ExposureSet("k1", *builder.build(), bits), ExposureSet.from_words("k1", u, tags, bits))


@settings(max_examples=100, deadline=None)
@given(ua=words, ub=words, bits=st.sampled_from([2, 4, 16]), shared=st.integers(0, 50), data=st.data())
def test_the_merge_is_the_sorted_union(ua: np.ndarray, ub: np.ndarray, bits: int, shared: int,
                                       data: st.DataObject) -> None:
    ta = data.draw(hnp.arrays(np.uint64, len(ua), elements=st.integers(0, 2**64 - 1)))
    tb = data.draw(hnp.arrays(np.uint64, len(ub), elements=st.integers(0, 2**64 - 1)))
    k = min(shared, len(ua))  # words of `a` indexed again in `b` (a dump indexed twice, overlapping dumps)
    ub, tb = np.concatenate([ub, ua[:k]]), np.concatenate([tb, ta[:k]])
    a = ExposureSet.from_words("k1", ua, ta, bits)
    b = ExposureSet.from_words("k1", ub, tb, bits)
    got = a.merged(b)
    _same(got, _union_by_sorting(a, b))
    _same(ExposureSet("k1", *merge_sorted((a.buckets, a.tags), (b.buckets, b.tags), bits), bits), got)
    assert len(got.tags) <= len(a.tags) + len(b.tags) - k or k == 0


def test_a_set_merged_with_itself_is_itself() -> None:
    rng = np.random.default_rng(7)
    u, t = rng.integers(0, 2**64, 5000, dtype=np.uint64), rng.integers(0, 2**64, 5000, dtype=np.uint64)
    s = ExposureSet.from_words("k1", u, t, 8)
    _same(s.merged(s), s)


def test_sets_of_other_keys_or_buckets_are_refused() -> None:
    one = np.ones(1, np.uint64)
    with pytest.raises(ValueError, match="different keys"):
        ExposureSet.from_words("k1", one, one, 4).merged(ExposureSet.from_words("k2", one, one, 4))
    with pytest.raises(ValueError, match="different keys or bucket sizes"):
        ExposureSet.from_words("k1", one, one, 4).merged(ExposureSet.from_words("k1", one, one, 8))
    with pytest.raises(ValueError, match="differ in length"):
        ExposureBuilder(4).add(one, np.ones(2, np.uint64))


def test_an_empty_builder_gives_an_empty_set() -> None:
    s = ExposureSet("k1", *ExposureBuilder(4).build(), 4)
    assert len(s.tags) == 0 and len(s.buckets) == 0 and s.bucket(3).size == 0
