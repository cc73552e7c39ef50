"""Match: which registered organisation (and which partner copy) a dump's records came from.

`attribution` produces it; `pipeline` (case items, the demo), the CLI and
the web read it without depending on `attribution`, so it lives in `core`.
It holds organisation names, counts, p-values and masked canary values
only, never a raw PII value. `to_json` is the `leaktrace attribute --json`
object; its shape is a contract, so a field changes here only additively.
A match is a lead for an investigator to confirm, never a verdict.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class CanaryHit(BaseModel):
    """A dump row holding a canary planted in one partner's copy: decisive, and it names the copy."""

    partner: str
    canary: int  # the canary's record number in the organisation's registration
    rows: int  # dump rows that hold it
    kind: str  # the canary value's kind (cn_mobile, email, order_id, cn_id)
    value_masked: str


class KindEvidence(BaseModel):
    """Containment of one key kind (cn_id, cn_mobile, order_id, order_tuple) against chance."""

    sampled: int  # dump values under the organisation's sampling threshold
    hits: int  # of those, values the organisation holds
    containment: float
    chance_containment: float  # what an unrelated organisation of its size would show
    log10_p: float


class OrgMatch(BaseModel):
    """One registered organisation's evidence, p-value and whether it is a lead."""

    org: str
    canary_hits: list[CanaryHit] = Field(default_factory=list)
    kinds: dict[str, KindEvidence] = Field(default_factory=dict)
    p_value: float = 1.0
    false_attribution_probability: float = 1.0  # Bonferroni-corrected over kinds and organisations
    lead: bool = False

    @property
    def partners(self) -> list[str]:
        """Partner copies the canary hits name."""
        return sorted({h.partner for h in self.canary_hits})

    def to_json(self) -> dict[str, Any]:
        """One `ranking` entry of the attribute contract (`kinds` is printed as `evidence`)."""
        return {"org": self.org, "lead": self.lead, "p_value": self.p_value,
                "false_attribution_probability": self.false_attribution_probability,
                "canary_hits": [h.model_dump() for h in self.canary_hits],
                "evidence": {k: e.model_dump() for k, e in self.kinds.items()}}


class MatchedDump(BaseModel):
    """What was read of the dump to match it, and how long each part took."""

    path: str
    rows: int
    sampled_rows: int
    canary_candidate_rows: int  # rows the engine pre-selected for the keyed canary check
    unsplittable_sampled_rows: int  # sampled rows left out because a field held the separator
    roles: dict[str, str] = Field(default_factory=dict)  # key role -> column name
    kinds_compared: list[str] = Field(default_factory=list)
    seconds: dict[str, float] = Field(default_factory=dict)  # index, pass, prf, match, total


class Match(BaseModel):
    """The answer for one dump: a lead (organisation, partner copy, confidence) or "unknown", with the ranking."""

    verdict: Literal["lead", "unknown"]
    org: str | None
    partner: str | None  # the partner copy canaries name; several joined by ","
    confidence: float
    false_attribution_probability: float
    ranking: list[OrgMatch] = Field(default_factory=list)
    summary: str
    dump: MatchedDump | None = None  # None when matched from counts alone (no file read)

    def to_json(self, top: int = 10) -> dict[str, Any]:
        """The `leaktrace attribute --json` object, with the first `top` organisations of the ranking."""
        return {
            "verdict": self.verdict, "org": self.org, "partner": self.partner, "confidence": self.confidence,
            "false_attribution_probability": self.false_attribution_probability, "summary": self.summary,
            "dump": self.dump.model_dump() if self.dump else {},
            "ranking": [r.to_json() for r in self.ranking[:top]],
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Match:
        """Read back what `to_json` printed (`case add` takes `attribute --json` output as it is).

        The ranking holds only the organisations that were printed; pydantic's
        ValidationError names the field that does not fit.
        """
        ranking = [
            OrgMatch.model_validate({**{k: v for k, v in r.items() if k != "evidence"},
                                     "kinds": r.get("evidence", {})}) if isinstance(r, dict) else r
            for r in doc.get("ranking", [])
        ]
        return cls.model_validate({**{k: v for k, v in doc.items() if k not in ("ranking", "dump")},
                                   "ranking": ranking, "dump": doc.get("dump") or None})
