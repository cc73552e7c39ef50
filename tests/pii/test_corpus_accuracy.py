"""Precision and recall of the default detectors on the planted-PII corpus.

The corpus plants valid values in the forms people write them and
near-misses built to fool a careless detector; only valid=true hits count.
A type whose detector is missing from the registry fails the test: a
missing detector is a recall of zero, not a reason to skip.
"""

from __future__ import annotations

import pytest

from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner
from leaktrace.simulate.pii_corpus import EVALUATED_TYPES, generate_corpus, score_spans

THRESHOLD = 0.99


@pytest.fixture(scope="module")
def scored() -> dict:
    corpus = generate_corpus(300_000, seed=20240601)
    registry = default_registry()
    hits = Scanner(registry).scan(corpus.text)
    spans = [(h.type, h.start, h.end) for h in hits if h.valid]
    out = {}
    for t in EVALUATED_TYPES:
        score, fps, missed = score_spans(corpus.truth, spans, t)
        out[t] = (score, fps, missed, corpus.text, t in registry.types)  # noqa: RUF100
        print(score.line())
    return out


@pytest.mark.parametrize("pii_type", EVALUATED_TYPES)
def test_precision_and_recall(scored: dict, pii_type: str) -> None:
    score, fps, missed, text, registered = scored[pii_type]
    assert registered, f"no detector for {pii_type} in the registry"
    assert score.planted > 100, "corpus too small to measure"
    # Name the first failures by masked shape, never the raw value.
    from leaktrace.core.masking import mask

    fp_examples = [mask(text[s:e]) for s, e in fps[:5]]
    miss_examples = [(p.value_kind, mask(text[p.start : p.end])) for p in missed[:5]]
    print(score.line(), "fp:", fp_examples, "missed:", miss_examples)
    assert score.precision >= THRESHOLD, f"{score.line()} false positives e.g. {fp_examples}"
    assert score.recall >= THRESHOLD, f"{score.line()} missed e.g. {miss_examples}"


def test_scorer_counts_near_misses_as_false_positives() -> None:
    # The scorer itself must be able to fail: near-miss spans claimed as valid
    # hits are false positives, and claiming nothing is zero recall.
    corpus = generate_corpus(20_000, seed=5)
    for t in EVALUATED_TYPES:
        traps = [(p.type, p.start, p.end) for p in corpus.planted(t, valid=False)]
        assert traps, f"no near-misses planted for {t}"
        score, fps, _missed = score_spans(corpus.truth, traps, t)
        assert score.true_pos == 0 and score.precision == 0.0 and len(fps) == len(traps)
        empty, _, missed = score_spans(corpus.truth, [], t)
        assert empty.recall == 0.0 and len(missed) == empty.planted > 0


def test_corpus_is_deterministic_and_truthful() -> None:
    a, b = generate_corpus(30_000, seed=11), generate_corpus(30_000, seed=11)
    assert a.text == b.text and a.truth == b.truth
    assert generate_corpus(30_000, seed=12).text != a.text
    from leaktrace.pii.detectors.cn_id import check_cn_id

    for p in a.planted("cn_id", valid=None):
        value = a.text[p.start : p.end]
        if p.value_kind in ("valid", "bad_checksum"):
            assert check_cn_id(value)[0] is (p.value_kind == "valid")
        if p.value_kind in ("digits17", "digits19"):
            assert len(value) == int(p.value_kind[-2:])
