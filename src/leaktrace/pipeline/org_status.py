"""Registered organisations as the console lists them: fingerprint, canaries, allowance used today, canary hits.

Reads the attribution register (files under `<data_dir>/attribution/`), the
OPRF usage ledger, and the attributions kept beside analysed dumps
(`dump_records`), so the console can say per organisation how fresh its
fingerprint is and whether its canaries were ever found in a dump.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.dump_records import ATTRIBUTION_FILE, dumps_dir


@dataclass
class OrgStatus:
    org: str
    fingerprint: bool
    registered: datetime | None
    distinct: dict[str, int]
    sampling_rate: float | None
    canary_partners: list[str]
    canary_tags: int
    computed_quota: int | None
    used_today: int
    canary_hits: dict[str, int] = field(default_factory=dict)  # dump id -> hits in its kept attribution


def _when(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _canary_hits(data_dir: Path) -> dict[str, dict[str, int]]:
    """org -> dump id -> canary hits, over every kept attribution."""
    out: dict[str, dict[str, int]] = {}
    root = dumps_dir(data_dir)
    for path in root.glob(f"*/{ATTRIBUTION_FILE}") if root.is_dir() else []:
        try:
            doc = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        for r in doc.get("ranking") or [] if isinstance(doc, dict) else []:
            hits = len(r.get("canary_hits") or []) if isinstance(r, dict) else 0
            if hits:
                out.setdefault(str(r.get("org")), {})[f"dump-{path.parent.name[:16]}"] = hits
    return out


def org_statuses(ctx: Context) -> list[OrgStatus]:
    from leaktrace.attribution.exposure import org_quotas
    from leaktrace.attribution.registry import Registry
    from leaktrace.attribution.usage import UsageLedger, ledger_path

    registry = Registry(ctx.data_dir)
    orgs = registry.orgs()
    tags: dict[str, int] = {}
    canaries = registry.root / "canaries.json"
    if canaries.is_file():
        for e in json.loads(canaries.read_text("utf-8")).get("entries", []):
            tags[e["org"]] = tags.get(e["org"], 0) + 1
    quotas = org_quotas(orgs)
    ledger = UsageLedger(ledger_path(ctx.data_dir))
    hits = _canary_hits(ctx.data_dir)
    return [OrgStatus(org=name, fingerprint=bool(e.get("fingerprint")), registered=_when(e.get("registered")),
                      distinct={str(k): int(v) for k, v in (e.get("distinct") or {}).items()},
                      sampling_rate=e.get("sampling_rate"), canary_partners=list(e.get("partners") or []),
                      canary_tags=tags.get(name, 0), computed_quota=quotas.get(name),
                      used_today=ledger.used(name), canary_hits=hits.get(name, {}))
            for name, e in sorted(orgs.items())]
