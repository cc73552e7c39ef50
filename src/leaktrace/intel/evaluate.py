"""Evaluation of classifier and record counts on a labelled CSV (`leaktrace intel eval`).

Reads the columns the public listing sets use (`title`, optional `body`,
`pii_trafficking` or `trafficking`/`label`, optional `data_category` or
`category`, `records`, `confidence`, `proxy_label`) and reports precision,
recall, F1 (with a bootstrap 95 % interval: with ~70 positives a set's F1
moves by several points between samples) and the confusion table for
trafficking, per-category accuracy and the category confusion on true
positives, the exact-match rate of claimed record counts where the label
states one, and a reliability table (mean score against observed rate per
score bin) with the Brier score and the expected calibration error, which is
what "calibrated" has to mean on someone else's data. Where the file has a
`proxy_label` (the market's own category), the same predictions are also
scored against it, for reference.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from leaktrace.core.errors import InputError, location
from leaktrace.core.textio import open_text
from leaktrace.intel.train import LabelledPost
from leaktrace.intel.trainset_phrases import CATEGORIES

if TYPE_CHECKING:
    from leaktrace.intel.lexicon import Lexicon
    from leaktrace.intel.model import TraffickingModel

LABEL_COLUMNS = ("pii_trafficking", "trafficking", "label")
CATEGORY_COLUMNS = ("data_category", "category")  # `data_category` wins: a set's `category` may be the market's
BOOTSTRAP = 2000
ECE_BINS = 10
MAX_FIELD = 5_000_000
MAX_LINE_CHARS = 16 << 20


def iter_lines(path: Path | str, max_line_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Decoded lines (UTF-8, GB18030 or UTF-16, sniffed; bad bytes replaced) of a file or '-'.

    A line longer than `max_line_chars` is an InputError naming it, not unbounded memory.
    """
    stream = open_text(path if str(path) == "-" else Path(path), None, "replace")
    pending = ""
    n = 0
    for chunk in stream:
        pending += chunk
        if "\n" in chunk:
            *lines, pending = pending.split("\n")
            for line in lines:
                n += 1
                if len(line) > max_line_chars:
                    raise InputError(f"{location(stream.label, n)}: line longer than {max_line_chars} characters")
                yield line + "\n"
        if len(pending) > max_line_chars:
            raise InputError(f"{location(stream.label, n + 1)}: line longer than {max_line_chars} characters")
    if pending:
        yield pending


@dataclass(frozen=True)
class LabelledRow:
    post: LabelledPost
    records: int | None
    line: int
    confidence: str = ""
    proxy: bool | None = None  # the market's own label, where the file keeps it


def _flag(raw: str) -> bool | None:
    raw = raw.strip().lower()
    if raw in ("1", "true", "yes", "y"):
        return True
    if raw in ("0", "false", "no", "n"):
        return False
    return None


def read_labels(path: Path | str, category_required: bool = False,
                confidence: str | None = None) -> Iterator[LabelledRow]:
    """Rows of a labelled CSV; a bad label is an InputError naming the line and column.

    `confidence` keeps only rows whose `confidence` column says so (`high`); files without
    that column keep every row.
    """
    label = str(path)
    csv.field_size_limit(MAX_FIELD)
    reader = csv.DictReader(iter_lines(path))
    cols = reader.fieldnames or []
    if "title" not in cols:
        raise InputError(f"{location(label, 1)}: a 'title' column is required (columns: {', '.join(cols)[:200]})")
    lab = next((c for c in LABEL_COLUMNS if c in cols), None)
    if lab is None:
        raise InputError(f"{location(label, 1)}: one of the label columns {', '.join(LABEL_COLUMNS)} is required")
    cat_col = next((c for c in CATEGORY_COLUMNS if c in cols), None)
    for n, row in enumerate(reader, 2):
        raw = (row.get(lab) or "").strip().lower()
        y = _flag(raw)
        if y is None:
            raise InputError(f"{location(label, n, lab)}: expected 0/1, got {raw[:20]!r}")
        conf = (row.get("confidence") or "").strip().lower()
        if confidence and "confidence" in cols and conf != confidence:
            continue
        rec_s = (row.get("records") or "").strip()
        try:
            records = int(float(rec_s)) if rec_s else None
        except ValueError as exc:
            raise InputError(f"{location(label, n, 'records')}: not a number: {rec_s[:20]!r}") from exc
        cat = ((row.get(cat_col) or "").strip() or None) if cat_col else None
        proxy = _flag(row.get("proxy_label") or "") if "proxy_label" in cols else None
        yield LabelledRow(LabelledPost(row.get("title") or "", row.get("body") or "", y, cat if y else None),
                          records, n, conf, proxy)


def f1_of(y: np.ndarray, yh: np.ndarray) -> float:
    tp = int(np.sum(y & yh))
    denom = int(np.sum(y)) + int(np.sum(yh))
    return 2 * tp / denom if denom else 0.0


def bootstrap_f1(y: np.ndarray, yh: np.ndarray, n: int = BOOTSTRAP, seed: int = 0) -> tuple[float, float]:
    """Percentile 95 % interval of F1 over `n` resamples of the rows (fixed seed: reproducible)."""
    if len(y) == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(y), size=(n, len(y)))
    yy, hh = y[idx], yh[idx]
    tp = (yy & hh).sum(axis=1)
    denom = yy.sum(axis=1) + hh.sum(axis=1)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    lo, hi = np.percentile(f1, [2.5, 97.5])
    return float(lo), float(hi)


def expected_calibration_error(y: np.ndarray, score: np.ndarray, bins: int = ECE_BINS) -> float:
    """Sum over equal-width score bins of (share of rows) x |mean score - observed rate|."""
    if len(y) == 0:
        return 0.0
    b = np.minimum((score * bins).astype(int), bins - 1)
    ece = 0.0
    for i in range(bins):
        m = b == i
        if m.any():
            ece += m.mean() * abs(float(score[m].mean()) - float(y[m].mean()))
    return ece


@dataclass
class EvalReport:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    cat_total: Counter[str] = field(default_factory=Counter)
    cat_right: Counter[str] = field(default_factory=Counter)
    rec_stated: int = 0
    rec_exact: int = 0
    rec_spurious: int = 0
    rec_unstated: int = 0
    bins: list[list[float]] = field(default_factory=lambda: [[0, 0.0, 0] for _ in range(10)])
    brier: float = 0.0
    cat_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (labelled, predicted) on true positives
    ys: list[bool] = field(default_factory=list)
    preds: list[bool] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    proxies: list[bool] = field(default_factory=list)  # the market's label where every row has one

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def records_exact(self) -> float | None:
        return self.rec_exact / self.rec_stated if self.rec_stated else None

    def f1_interval(self) -> tuple[float, float]:
        return bootstrap_f1(np.array(self.ys, dtype=bool), np.array(self.preds, dtype=bool))

    @property
    def ece(self) -> float:
        return expected_calibration_error(np.array(self.ys, dtype=float), np.array(self.scores, dtype=float))

    def proxy_dict(self) -> dict[str, object] | None:
        if not self.proxies or len(self.proxies) != self.n:
            return None
        y, yh = np.array(self.proxies, dtype=bool), np.array(self.preds, dtype=bool)
        tp, fp, fn = int(np.sum(y & yh)), int(np.sum(~y & yh)), int(np.sum(y & ~yh))
        return {"precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
                "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0, "f1": round(f1_of(y, yh), 4),
                "positives": int(y.sum())}

    def to_dict(self) -> dict[str, object]:
        lo, hi = self.f1_interval()
        return {
            "rows": self.n, "positives": self.tp + self.fn, "precision": round(self.precision, 4),
            "recall": round(self.recall, 4), "f1": round(self.f1, 4), "f1_ci95": [round(lo, 4), round(hi, 4)],
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "category_accuracy": {c: round(self.cat_right[c] / t, 4) for c, t in sorted(self.cat_total.items())},
            "category_accuracy_all": round(sum(self.cat_right.values()) / sum(self.cat_total.values()), 4)
            if self.cat_total else None,
            "category_true_positives": sum(self.cat_total.values()),
            "category_confusion": [{"labelled": a, "predicted": b, "n": k}
                                   for (a, b), k in sorted(self.cat_confusion.items())],
            "records_exact_match": round(self.records_exact, 4) if self.records_exact is not None else None,
            "records_stated": self.rec_stated,
            "records_claimed_where_none": self.rec_spurious,
            "brier": round(self.brier / self.n, 4) if self.n else None,
            "ece": round(self.ece, 4) if self.n else None,
            "proxy": self.proxy_dict(),
            "reliability": [{"bin": f"{i / 10:.1f}-{(i + 1) / 10:.1f}", "n": int(b[0]),
                             "mean_score": round(b[1] / b[0], 3) if b[0] else None,
                             "observed": round(b[2] / b[0], 3) if b[0] else None} for i, b in enumerate(self.bins)],
        }


def evaluate(rows: Iterable[LabelledRow], model: TraffickingModel | None = None,
             lexicon: Lexicon | None = None) -> EvalReport:
    """Classify each row's post with `model` (default: the shipped one) and compare with its labels."""
    from leaktrace.intel.classify import classify_post
    from leaktrace.intel.model import default_model

    model = model or default_model()
    rep = EvalReport()
    for r in rows:
        res = classify_post(r.post.title, r.post.body, model=model, lexicon=lexicon, want_top_category=True)
        y, yh = r.post.trafficking, res.trafficking
        if y and yh:
            rep.tp += 1
        elif yh:
            rep.fp += 1
        elif y:
            rep.fn += 1
        else:
            rep.tn += 1
        b = rep.bins[min(9, int(res.score * 10))]
        b[0] += 1
        b[1] += res.score
        b[2] += y
        rep.brier += (res.score - y) ** 2
        rep.ys.append(y)
        rep.preds.append(yh)
        rep.scores.append(res.score)
        if r.proxy is not None:
            rep.proxies.append(r.proxy)
        if y and yh and r.post.category in CATEGORIES:
            # Categories are judged where they are shown: on the true positives.
            rep.cat_total[r.post.category] += 1
            predicted = res.top_category or "-"
            rep.cat_right[r.post.category] += predicted == r.post.category
            rep.cat_confusion[(r.post.category, predicted)] += 1
        got = res.analysis.facts.records
        if r.records is not None:
            rep.rec_stated += 1
            rep.rec_exact += got == r.records
        else:
            rep.rec_unstated += 1
            rep.rec_spurious += got is not None
    return rep
