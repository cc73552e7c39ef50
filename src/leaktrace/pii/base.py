"""The shape every detector takes: find candidates, validate, attribute, score.

Modelled on Presidio's recognizers (small registered units with a validation
hook), without its per-text NLP pipeline: a detector here is one compiled
regular expression plus a pure validation function, so scanning stays fast
and the same rule can be re-expressed as SQL for whole dumps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from leaktrace.core.settings import Settings

# Lookarounds shared by digit-based detectors: no hit inside a longer run of
# digits, so 17/19-digit runs never yield an 18-digit ID. The scanner folds
# full-width forms to ASCII first (one character for one, offsets unchanged),
# so patterns only ever see ASCII digits.
NOT_DIGIT_BEFORE = r"(?<![0-9])"
NOT_DIGIT_AFTER = r"(?![0-9])"


@dataclass(slots=True)
class Verdict:
    """What validation concluded about one candidate.

    `valid` says whether every rule of the type holds; an invalid verdict is
    still reported when the candidate is close enough to be interesting (an
    ID with a broken checksum in a sample is evidence of padding).

    A plain slotted record, not a frozen dataclass: one is built per
    candidate, and a frozen dataclass's `__init__` (one `object.__setattr__`
    per field) cost ~3x as much, a measurable share of a dense scan.
    """

    valid: bool
    score: float
    attrs: dict[str, Any] = field(default_factory=dict)
    normalized: str | None = None


class Detector:
    """Base class. Subclasses set `type` and `pattern` and implement `validate`.

    `context` words near a hit raise its score by `context_boost`; `negative`
    words lower it by `negative_penalty`. A detector whose candidates are
    meaningless without context (order ids, English names) sets
    `requires_context` and the scanner drops context-less candidates.
    """

    type: ClassVar[str]
    pattern: ClassVar[re.Pattern[str]]
    max_len: ClassVar[int] = 64
    context: ClassVar[tuple[str, ...]] = ()
    negative: ClassVar[tuple[str, ...]] = ()
    context_boost: ClassVar[float] = 0.15
    negative_penalty: ClassVar[float] = 0.3
    requires_context: ClassVar[bool] = False
    # Lower runs first when two hits of equal score overlap.
    priority: ClassVar[int] = 50

    @classmethod
    def configured(cls, settings: Settings | None) -> Detector:
        """An instance set up for this deployment; detectors with options override this."""
        return cls()

    def candidates(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[tuple[int, int, str]]:
        """(start, end, matched text) for each candidate in text[pos:endpos]; override for multi-group patterns."""
        for m in self.pattern.finditer(text, pos, len(text) if endpos is None else endpos):
            yield m.start(), m.end(), m.group()

    def validate(self, value: str) -> Verdict | None:  # pragma: no cover - abstract
        """A Verdict for a candidate, or None to drop it."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<detector {self.type}>"
