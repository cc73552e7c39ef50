"""Streaming equals whole-text scanning: no hit lost or doubled on window borders.

Planted values land at random places (Hypothesis picks the seed, the cut
points of the input chunks and the window size), so values straddle chunk
and window borders in every way; the streamed hits must be exactly the
hits of one scan over the whole text.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaktrace.core.text import fold_width
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner, _any_word, fold_and_index
from leaktrace.simulate.pii_corpus import generate_corpus


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(default_registry())


def _key(hits):  # type: ignore[no-untyped-def]
    return [(h.type, h.start, h.end, h.valid, round(h.score, 6), h.value) for h in hits]


def _chunks(text: str, cuts: list[int]) -> list[str]:
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    return [text[a:b] for a, b in itertools.pairwise(points)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 10_000),
    window=st.integers(1, 4000),
    cuts=st.lists(st.integers(0, 1 << 20), max_size=12),
)
def test_stream_equals_whole_text(scanner: Scanner, seed: int, window: int, cuts: list[int]) -> None:
    text = generate_corpus(6_000, seed=seed).text
    whole = scanner.scan(text)
    assert whole, "the corpus always plants PII"
    streamed = list(scanner.scan_stream(_chunks(text, cuts), window_chars=window))
    assert _key(streamed) == _key(whole)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pad=st.integers(0, 900), window=st.integers(1, 700), split=st.integers(0, 40))
def test_value_on_every_border_position(scanner: Scanner, pad: int, window: int, split: int) -> None:
    # One ID and one mobile, shifted by `pad` characters of Chinese filler, so
    # across examples the window cut falls before, inside and after them.
    filler = "这批货质量一般，价格再商量。" * 80
    text = filler[:pad] + "身份证11010519491231002X，手机13800138000。" + filler[: 1000 - pad]
    cut = pad + split
    streamed = list(scanner.scan_stream([text[:cut], text[cut:]], window_chars=window))
    got = [(h.type, text[h.start : h.end]) for h in streamed if h.valid]
    assert ("cn_id", "11010519491231002X") in got
    assert ("cn_mobile", "13800138000") in got
    assert _key(streamed) == _key(scanner.scan(text))


@given(st.text(alphabet=st.sampled_from("0123456789０１２３４５６７８９　，＠@ab身份证Xx\n"), max_size=300))
def test_fold_matches_core_fold_width(text: str) -> None:
    folded, arr = fold_and_index(text)
    assert folded == fold_width(text)
    assert len(arr) == len(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), density=st.floats(0.0, 1.0))
def test_anchored_scan_equals_full_scan(scanner: Scanner, seed: int, density: float) -> None:
    # Digit-anchored detectors run only near digits; on text where digits are
    # sparse or dense the result must equal running them over everything.
    rng = random.Random(seed)
    pieces = []
    for _ in range(60):
        if rng.random() < density:
            pieces.append(rng.choice(["11010519491231002X", "110105491231002", "13800138000", "4111111111111111", "a.b@qq.com", "1" * rng.randint(1, 25)]))
        else:
            pieces.append(rng.choice(["订单", "，", " ", "身份证", "卡号", "x" * rng.randint(1, 400), "中文" * rng.randint(1, 200)]))
    text = "".join(pieces)
    full = Scanner(scanner.registry)
    full._anchors = dict.fromkeys(full._anchors)  # no anchors: every detector over all text
    assert _key(scanner.scan(text)) == _key(full.scan(text))


def test_hits_are_plain_pii_hits(scanner: Scanner) -> None:
    hits = scanner.scan("手机13800138000")
    assert len(hits) == 1
    h = hits[0]
    assert h.contract()["text_masked"] == "13*******00"
    assert "13800138000" not in repr(h)
    assert h.model_dump()["start"] == 2


@given(st.lists(st.sampled_from(["身份证", "id no", "订单", "x", ""]), max_size=4), st.text(alphabet="身份证订单id nox", max_size=30))
def test_context_search_equals_any_word_in_window(words: list[str], window: str) -> None:
    search = _any_word(words)
    assert (search is not None and search(window) is not None) == any(w in window for w in words)
