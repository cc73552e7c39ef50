"""Training: generated posts (plus a user's labelled rows) -> a `TraffickingModel`.

scikit-learn fits the weights; only arrays leave this module, so prediction
needs neither scikit-learn nor pickle. The binary model is fitted on ~80 % of
the rows and its Platt sigmoid on the other ~20 %, split by product phrase,
so the score is calibrated on products the weights never saw (a random
split calibrates on near-copies of training posts and the scores come out
far too sure of themselves on real markets). User rows (`leaktrace intel train
LABELS.csv`) are mixed with the generated set by default and weighted up,
because a user's own market is what the model must fit best.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leaktrace.intel.extract import analyse_post
from leaktrace.intel.features import post_feature_ids
from leaktrace.intel.lexicon import Lexicon, default_lexicon
from leaktrace.intel.model import TraffickingModel
from leaktrace.intel.trainset import generate
from leaktrace.intel.trainset_phrases import CATEGORIES

DEFAULT_SYNTHETIC = 30000
DEFAULT_C = 0.3
MIN_COUNT = 2
CAL_SHARE = 0.2


@dataclass(frozen=True)
class LabelledPost:
    title: str
    body: str
    trafficking: bool
    category: str | None = None
    weight: float = 1.0
    group: str = ""  # posts of one group (a product phrase) go to the same side of the split


def synthetic_posts(n: int = DEFAULT_SYNTHETIC, seed: int = 0) -> list[LabelledPost]:
    return [LabelledPost(e.title, e.body, e.trafficking, e.category, group=e.product) for e in generate(n, seed)]


def _in_calibration(group: str, rng: random.Random) -> bool:
    """Whole product phrases go to the calibration side, so the sigmoid is fitted on
    products the weights never saw, which is what real markets bring; ungrouped rows split at random."""
    if not group:
        return rng.random() < CAL_SHARE
    return zlib.crc32(group.encode("utf-8")) % 100 < CAL_SHARE * 100


def _featurise(posts: Sequence[LabelledPost], lexicon: Lexicon) -> list[np.ndarray]:
    return [post_feature_ids(analyse_post(p.title, p.body, lexicon)) for p in posts]


def _matrix(feats: list[np.ndarray], buckets: np.ndarray):  # type: ignore[no-untyped-def]
    """Binary post x known-bucket matrix; `buckets` sorted."""
    from scipy.sparse import csr_matrix

    indptr, indices = [0], []
    for f in feats:
        f = np.unique(f)
        pos = np.searchsorted(buckets, f)
        pos[pos >= len(buckets)] = 0
        cols = pos[buckets[pos] == f]
        indices.append(cols)
        indptr.append(indptr[-1] + len(cols))
    ind = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    data = np.ones(len(ind), dtype=np.float32)
    return csr_matrix((data, ind.astype(np.int32), np.asarray(indptr)), shape=(len(feats), len(buckets)))


def train(posts: Sequence[LabelledPost], seed: int = 0, c: float = DEFAULT_C,
          lexicon: Lexicon | None = None) -> TraffickingModel:
    """Fit binary + category weights and the Platt sigmoid; deterministic for `seed`."""
    from sklearn.linear_model import LogisticRegression

    if not any(p.trafficking for p in posts) or all(p.trafficking for p in posts):
        raise ValueError("training needs both trafficking and non-trafficking posts")
    lex = lexicon or default_lexicon()
    feats = _featurise(posts, lex)
    uniq, counts = np.unique(np.concatenate([np.unique(f) for f in feats]), return_counts=True)
    buckets = uniq[counts >= MIN_COUNT]
    x = _matrix(feats, buckets)
    y = np.array([p.trafficking for p in posts], dtype=np.int8)
    w = np.array([p.weight for p in posts], dtype=np.float64)

    rng = random.Random(seed)
    cal_mask = np.array([_in_calibration(p.group, rng) for p in posts])
    if cal_mask.all() or not cal_mask.any() or len(set(y[cal_mask])) < 2:
        cal_mask = np.array([rng.random() < CAL_SHARE for _ in posts])
    fit_i, cal_i = np.flatnonzero(~cal_mask), np.flatnonzero(cal_mask)
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=200, random_state=seed)
    clf.fit(x[fit_i], y[fit_i], sample_weight=w[fit_i])
    margins = clf.decision_function(x[cal_i])
    platt = LogisticRegression(C=1e4, solver="lbfgs")
    platt.fit(margins.reshape(-1, 1), y[cal_i], sample_weight=w[cal_i])

    cat_rows = [i for i, p in enumerate(posts) if p.trafficking and p.category]
    cats = sorted({posts[i].category for i in cat_rows if posts[i].category})
    if len(cats) >= 2:
        cclf = LogisticRegression(C=c * 2, solver="lbfgs", max_iter=300)
        cclf.fit(x[cat_rows], [posts[i].category for i in cat_rows], sample_weight=w[cat_rows])
        cat_w = cclf.coef_.T.astype(np.float32)
        cat_b = cclf.intercept_.astype(np.float32)
        cats = [str(k) for k in cclf.classes_]
    else:
        cat_w = np.zeros((len(buckets), 0), dtype=np.float32)
        cat_b = np.zeros(0, dtype=np.float32)
        cats = []
    return TraffickingModel(
        buckets=buckets, weights=clf.coef_[0].astype(np.float32), bias=float(clf.intercept_[0]),
        cat_weights=cat_w, cat_bias=cat_b, categories=cats,
        platt=(float(platt.coef_[0][0]), float(platt.intercept_[0])),
        meta={"rows": len(posts), "positives": int(y.sum()), "features": len(buckets), "seed": seed, "C": c,
              "known_categories": list(CATEGORIES)},
    )


def average(models: Sequence[TraffickingModel]) -> TraffickingModel:
    """One linear model whose calibrated margin is the mean of the models' calibrated margins.

    Each model's weights are scaled by its own Platt slope (and its intercept folded into the
    bias), so the mean of calibrated log-odds comes out with a Platt of (1, 0); the category
    logits are averaged the same way. Models trained on different generated samples (seeds)
    disagree most on the words the generator saw rarely: the mean is the bagged estimate, and
    no seed is picked by how it scores anywhere.
    """
    if not models:
        raise ValueError("no models to average")
    k = len(models)
    buckets = np.unique(np.concatenate([m.buckets for m in models]))
    cats = sorted({c for m in models for c in m.categories})
    w = np.zeros(len(buckets), dtype=np.float64)
    bias = 0.0
    cw = np.zeros((len(buckets), len(cats)), dtype=np.float64)
    cb = np.zeros(len(cats), dtype=np.float64)
    for m in models:
        rows = np.searchsorted(buckets, m.buckets)
        a, c = m.platt
        w[rows] += a * m.weights.astype(np.float64) / k
        bias += (a * m.bias + c) / k
        cols = [cats.index(x) for x in m.categories]
        if cols:
            cw[np.ix_(rows, cols)] += m.cat_weights.astype(np.float64) / k
            cb[cols] += m.cat_bias.astype(np.float64) / k
    meta = dict(models[0].meta)
    meta.update(rows=sum(int(m.meta.get("rows", 0)) for m in models), features=len(buckets),
                seeds=[m.meta.get("seed") for m in models], ensemble=k)
    return TraffickingModel(buckets=buckets, weights=w.astype(np.float32), bias=bias,
                            cat_weights=cw.astype(np.float32), cat_bias=cb.astype(np.float32), categories=cats,
                            platt=(1.0, 0.0), meta=meta)


def main(argv: Sequence[str] | None = None) -> None:
    """Rebuild the shipped model: `python -m leaktrace.intel.train src/leaktrace/intel/data/model.npz --ensemble 5`."""
    import argparse
    from pathlib import Path

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--synthetic", type=int, default=DEFAULT_SYNTHETIC)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--ensemble", type=int, default=1,
                    help="average this many models trained on generated sets of seeds seed..seed+N-1")
    args = ap.parse_args(argv)
    models = [train(synthetic_posts(args.synthetic, sd), seed=sd) for sd in range(args.seed, args.seed + args.ensemble)]
    model = models[0] if len(models) == 1 else average(models)
    model.save(args.out)
    print(f"{len(model.buckets)} features, {model.meta['rows']} posts -> {args.out}")


if __name__ == "__main__":
    main()
