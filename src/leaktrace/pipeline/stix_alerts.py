"""A confirmed alert as a STIX 2.1 bundle, marked with its TLP: what a TAXII collection receives.

The bundle holds the unit as the producer (an identity) and one report
naming the rule, the priority and what matched (rule parts only), the
seller handle (a suspect's contact: in clear below TLP:CLEAR, withheld at
TLP:CLEAR), and when it was first seen. No captured text and no victim's
value ever goes into it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import stix2

from leaktrace.cases.stix import TLP_MARKINGS

TLP_ORDER = ("clear", "green", "amber", "amber+strict", "red")


def tlp_rank(tlp: str) -> int:
    return TLP_ORDER.index(tlp)


def alert_bundle(alert: dict[str, Any], tlp: str, producer: str = "leaktrace") -> dict[str, Any]:
    """The STIX bundle of one alert (the `alert` JSON of `service.alerts`), every object marked `tlp`."""
    mark = TLP_MARKINGS[tlp]
    ident = stix2.Identity(name=producer, identity_class="organization", object_marking_refs=[mark.id])
    matched = {k: v for k, v in (alert.get("matched") or {}).items() if k not in ("version",)}
    desc = [f"rule {alert['rule']} ({alert['kind']}), priority {alert.get('priority_name', alert['priority'])}",
            f"matched: {json.dumps(matched, ensure_ascii=False, sort_keys=True)}",
            f"listing: {alert.get('listing') or '-'}; hits {alert.get('hits', 1)}"]
    if alert.get("actor") and tlp != "clear":
        desc.append(f"seller: {alert['actor']}")
    report = stix2.Report(
        name=f"leaktrace alert {alert['id']}: {alert['rule']}", report_types=["threat-report"],
        published=datetime.fromisoformat(alert["first_seen_at"]), description="\n".join(desc), labels=["leaktrace-alert", alert["kind"]],
        object_refs=[ident.id], created_by_ref=ident.id, object_marking_refs=[mark.id],
        external_references=[{"source_name": "leaktrace", "external_id": f"alert-{alert['id']}"}])
    bundle = stix2.Bundle(objects=[ident, report], allow_custom=False)
    return json.loads(bundle.serialize())


def case_bundle(content: Any) -> dict[str, Any]:
    """A case's STIX export (already the shared copy for its TLP)."""
    from leaktrace.cases import stix

    return json.loads(stix.to_json(content))
