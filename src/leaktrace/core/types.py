"""Domain types that cross stages. More are added as stages arrive (Listing, DumpReport, ...)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PiiHit(BaseModel):
    """One PII value found in decoded text.

    `value` holds the raw text for the caller that found it (to hash it or to
    validate it further) and is never serialised: output carries only the
    masked form, so a hit can be logged or printed safely.
    """

    model_config = ConfigDict(frozen=True)

    type: str
    start: int
    end: int
    value: str = Field(repr=False, exclude=True)
    text_masked: str
    valid: bool
    score: float
    attrs: dict[str, Any] = Field(default_factory=dict)

    def contract(self) -> dict[str, Any]:
        """The JSON object the `leaktrace scan --json` contract fixes, plus `score`."""
        return {
            "type": self.type,
            "start": self.start,
            "end": self.end,
            "text_masked": self.text_masked,
            "valid": self.valid,
            "score": round(self.score, 3),
            "attrs": self.attrs,
        }
