"""Evaluation of classifier and record counts on a labelled CSV (`leaktrace intel eval`).

Reads the columns both public listing sets use (`title`, optional `body`,
`pii_trafficking` or `trafficking`/`label`, optional `category`,
`records`) and reports precision, recall, F1 and the confusion table for
trafficking, per-category accuracy on true positives, the exact-match rate
of claimed record counts where the label states one, and a reliability
table (mean score against observed rate per score bin) with the Brier
score, which is what "calibrated" has to mean on someone else's data.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from leaktrace.core.errors import InputError, location
from leaktrace.core.textio import open_text
from leaktrace.intel.train import LabelledPost
from leaktrace.intel.trainset_phrases import CATEGORIES

if TYPE_CHECKING:
    from leaktrace.intel.lexicon import Lexicon
    from leaktrace.intel.model import TraffickingModel

LABEL_COLUMNS = ("pii_trafficking", "trafficking", "label")
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


def read_labels(path: Path | str, category_required: bool = False) -> Iterator[LabelledRow]:
    """Rows of a labelled CSV; a bad label is an InputError naming the line and column."""
    label = str(path)
    csv.field_size_limit(MAX_FIELD)
    reader = csv.DictReader(iter_lines(path))
    cols = reader.fieldnames or []
    if "title" not in cols:
        raise InputError(f"{location(label, 1)}: a 'title' column is required (columns: {', '.join(cols)[:200]})")
    lab = next((c for c in LABEL_COLUMNS if c in cols), None)
    if lab is None:
        raise InputError(f"{location(label, 1)}: one of the label columns {', '.join(LABEL_COLUMNS)} is required")
    for n, row in enumerate(reader, 2):
        raw = (row.get(lab) or "").strip().lower()
        if raw in ("1", "true", "yes", "y"):
            y = True
        elif raw in ("0", "false", "no", "n"):
            y = False
        else:
            raise InputError(f"{location(label, n, lab)}: expected 0/1, got {raw[:20]!r}")
        rec_s = (row.get("records") or "").strip()
        try:
            records = int(float(rec_s)) if rec_s else None
        except ValueError as exc:
            raise InputError(f"{location(label, n, 'records')}: not a number: {rec_s[:20]!r}") from exc
        cat = (row.get("category") or "").strip() or None
        yield LabelledRow(LabelledPost(row.get("title") or "", row.get("body") or "", y, cat if y else None),
                          records, n)


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

    def to_dict(self) -> dict[str, object]:
        return {
            "rows": self.n, "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "f1": round(self.f1, 4), "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "category_accuracy": {c: round(self.cat_right[c] / t, 4) for c, t in sorted(self.cat_total.items())},
            "category_accuracy_all": round(sum(self.cat_right.values()) / sum(self.cat_total.values()), 4)
            if self.cat_total else None,
            "records_exact_match": round(self.records_exact, 4) if self.records_exact is not None else None,
            "records_stated": self.rec_stated,
            "records_claimed_where_none": self.rec_spurious,
            "brier": round(self.brier / self.n, 4) if self.n else None,
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
        if y and r.post.category in CATEGORIES:
            rep.cat_total[r.post.category] += 1
            predicted = res.top_category
            rep.cat_right[r.post.category] += predicted == r.post.category
        got = res.analysis.facts.records
        if r.records is not None:
            rep.rec_stated += 1
            rep.rec_exact += got == r.records
        else:
            rep.rec_unstated += 1
            rep.rec_spurious += got is not None
    return rep
