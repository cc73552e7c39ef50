"""Classify a post: trafficking or not, score, categories, facts and identifiers in one pass.

The post is cleaned once (`intel.text_hygiene`), the lexicon scanned once, and
the classifier reuses those terms as features, so classification adds a
feature set and a weight sum to the extraction `intel.extract` already does.
`ClassifyResult.contract()` is the stable `leaktrace classify` output line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leaktrace.intel.extract import PostAnalysis, analyse_post
from leaktrace.intel.features import post_feature_ids
from leaktrace.intel.lexicon import Lexicon
from leaktrace.intel.model import TraffickingModel, default_model


@dataclass(frozen=True)
class ClassifyResult:
    trafficking: bool
    score: float
    categories: list[str]
    analysis: PostAnalysis
    top_category: str | None = None  # the likeliest category even when not trafficking

    def contract(self, post_id: object = None) -> dict[str, Any]:
        """`{"id", "trafficking", "score", "categories", "facts", "identifiers"}` (ARCHITECTURE.md)."""
        out: dict[str, Any] = {"id": post_id, "trafficking": self.trafficking, "score": round(self.score, 4),
                               "categories": self.categories}
        out.update(self.analysis.contract())
        return out


def classify_post(title: str | bytes | None, body: str | bytes | None = None, *,
                  model: TraffickingModel | None = None, lexicon: Lexicon | None = None,
                  want_top_category: bool = False) -> ClassifyResult:
    """Score one post; `want_top_category` also names the likeliest category of a negative."""
    analysis = analyse_post(title, body, lexicon)
    m = model or default_model()
    feats = post_feature_ids(analysis)
    pred = m.predict(feats)
    top = pred.categories[0] if pred.categories else None
    if top is None and want_top_category and m.categories:
        probs = m.category_probs(m.margin(feats)[1])
        top = max(probs, key=probs.__getitem__)
    return ClassifyResult(pred.trafficking, pred.score, pred.categories, analysis, top)
