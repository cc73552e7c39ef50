"""Match.to_json is the `leaktrace attribute --json` object: its keys, order and nesting stay as they were."""

from __future__ import annotations

import json

from leaktrace.core.match_types import CanaryHit, KindEvidence, Match, MatchedDump, OrgMatch


def _match() -> Match:
    hit = CanaryHit(partner="logistics", canary=3, rows=1, kind="cn_mobile", value_masked="13*******00")
    lead = OrgMatch(org="ACME", canary_hits=[hit],
                    kinds={"cn_id": KindEvidence(sampled=100, hits=40, containment=0.4, chance_containment=0.01,
                                                 log10_p=-30.5)},
                    p_value=1e-31, false_attribution_probability=0.0, lead=True)
    dump = MatchedDump(path="d.csv", rows=10, sampled_rows=10, canary_candidate_rows=1, unsplittable_sampled_rows=0,
                       roles={"cn_id": "身份证号"}, kinds_compared=["cn_id"], seconds={"total": 0.5})
    return Match(verdict="lead", org="ACME", partner="logistics", confidence=1.0, false_attribution_probability=0.0,
                 ranking=[lead, OrgMatch(org="Other")], summary="lead: ...", dump=dump)


def test_to_json_keeps_the_attribute_contract() -> None:
    doc = json.loads(json.dumps(_match().to_json(top=1), ensure_ascii=False))
    assert doc == {
        "verdict": "lead", "org": "ACME", "partner": "logistics", "confidence": 1.0,
        "false_attribution_probability": 0.0, "summary": "lead: ...",
        "dump": {"path": "d.csv", "rows": 10, "sampled_rows": 10, "canary_candidate_rows": 1,
                 "unsplittable_sampled_rows": 0, "malformed_rows": 0, "roles": {"cn_id": "身份证号"}, "kinds_compared": ["cn_id"],
                 "seconds": {"total": 0.5}},
        "ranking": [{"org": "ACME", "lead": True, "p_value": 1e-31, "false_attribution_probability": 0.0,
                     "canary_hits": [{"partner": "logistics", "canary": 3, "rows": 1, "kind": "cn_mobile",
                                      "value_masked": "13*******00"}],
                     "evidence": {"cn_id": {"sampled": 100, "hits": 40, "containment": 0.4,
                                            "chance_containment": 0.01, "log10_p": -30.5}}}],
    }
    assert list(doc) == ["verdict", "org", "partner", "confidence", "false_attribution_probability", "summary",
                         "dump", "ranking"]
    assert list(doc["ranking"][0]) == ["org", "lead", "p_value", "false_attribution_probability", "canary_hits",
                                       "evidence"]


def test_match_without_a_file_prints_an_empty_dump_and_names_partners() -> None:
    m = _match()
    assert m.ranking[0].partners == ["logistics"] and m.ranking[1].partners == []
    m.dump = None
    assert m.to_json()["dump"] == {} and len(m.to_json()["ranking"]) == 2
