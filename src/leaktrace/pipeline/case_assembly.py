"""Gathering a case from what leaktrace holds: the investigator's `case build`, the demo's chapter 7.

`case_build` turns each stage result into case-item documents; this module
decides what goes in and where it comes from: trafficking listings and
their captures from the store (verdicts of the model in use), actors,
groups and wallets from the last graph build, and each seized dump's
stored report with, on request, its attribution against the registered
organisations. One function serves the CLI, the demo and (next) the
console, so the path from captures to a case file is the product's own.

Adding is idempotent: an item already in the case (same kind and key) is
updated in place, never doubled (cases.case_records.add_item).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leaktrace.core.dump_types import DumpReport
from leaktrace.core.graph_types import GraphResult
from leaktrace.core.match_types import Match
from leaktrace.pipeline import case_build
from leaktrace.pipeline.context import Context
from leaktrace.store.models import Post, Source


@dataclass
class DumpEvidence:
    """A seized dump as it enters a case: its report, its name, the volume sellers claimed, its attribution."""

    report: DumpReport
    name: str
    claimed_records: int | None = None
    match: Match | None = None
    note: str | None = None  # why there is no attribution, when it was asked for


@dataclass
class CaseBuildReport:
    """What `case build` added to the case, per kind, and what it could not find."""

    ref: str
    added: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        kinds = sorted(set(self.added) | set(self.updated))
        return {"case": self.ref, "items": {k: {"added": self.added[k], "updated": self.updated[k]} for k in kinds},
                "notes": self.notes}


def source_site_names(session: Session) -> dict[str, str]:
    """Post site (an onion host, `telegram`, ...) -> the name of the source it was collected under."""
    names: dict[str, Counter[str]] = {}
    for site, name in session.execute(select(Post.site, Source.name).join(Source, Source.id == Post.source_id)
                                      .distinct()):
        names.setdefault(site, Counter())[name] += 1
    return {site: c.most_common(1)[0][0] for site, c in names.items()}


def dump_evidence(ctx: Context, path: Path, *, claimed_records: int | None = None,
                  attribute: bool = False) -> DumpEvidence:
    """The dump's report (served from the data directory when it was analysed before) and its attribution."""
    from leaktrace.dumps.analyze import analyze_dump

    report = analyze_dump(path, ctx.dump_options(), data_dir=ctx.data_dir, keys=ctx.get_keyring)
    match = None
    if attribute:
        from leaktrace.attribution.attribute import attribute_file
        from leaktrace.attribution.oprf import FINGERPRINT, ServerKey
        from leaktrace.attribution.registry import Registry

        registry = Registry(ctx.data_dir)
        if not registry.orgs():
            return DumpEvidence(report, Path(path).name, claimed_records, None,
                                f"{Path(path).name}: not attributed, no organisation has registered a fingerprint")
        ring = ctx.keyring
        match = attribute_file(path, registry, ServerKey.from_keyring(ring, purpose=FINGERPRINT), ring)
    return DumpEvidence(report, Path(path).name, claimed_records, match)


def gather_items(session: Session, model_version: str, *, graph: GraphResult | None, dumps: list[DumpEvidence],
                 site_names: dict[str, str], org_ids: dict[str, str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(kind, document) of everything the case should hold, in the order a reader meets it."""
    listings, captures = case_build.listing_items(session, model_version, site_names)
    items: list[tuple[str, dict[str, Any]]] = [("capture", c) for c in captures] + [("listing", d) for d in listings]
    claimed = [d["id"] for d in listings if (d.get("claimed_records") or 0) > 0][:50]
    for dump in dumps:
        doc = case_build.dump_item(dump.report, dump.report.sha256, dump.name, dump.claimed_records)
        doc["listing_ids"] = claimed
        items.append(("dump", doc))
        if dump.match is not None:
            att = case_build.attribution_item(dump.match, doc["id"], org_ids or {})
            if att is not None:
                items.append(("attribution", att))
    if graph is not None:
        actors, groups, wallets = case_build.graph_items(graph, site_names, case_build.clear_values(session))
        items += [("actor", a) for a in actors] + [("group", g) for g in groups] + [("wallet", w) for w in wallets]
    return items


def build_case(ctx: Context, ref: str, *, dumps: Sequence[DumpEvidence] = (), added_by: str,
               site_names: dict[str, str] | None = None, org_ids: dict[str, str] | None = None,
               with_graph: bool = True) -> CaseBuildReport:
    """Add to case `ref` what the store, the last graph build and `dumps` hold (see the module docstring)."""
    from leaktrace.cases.case_records import add_item, get_case
    from leaktrace.graph.build import load_snapshot, snapshot_path
    from leaktrace.pipeline.disclosure import mark_victim_contacts
    from leaktrace.pipeline.intel_stage import model_version

    rep = CaseBuildReport(ref)
    rep.notes += [d.note for d in dumps if d.note]
    graph = None
    if with_graph:
        if snapshot_path(ctx.data_dir).is_file():
            graph = load_snapshot(ctx.data_dir)
        else:
            rep.notes.append("no graph built yet: actors, groups and wallets left out ('leaktrace graph build')")
    version = model_version(ctx.intel_model())
    mark_victim_contacts(ctx)  # a contact a dump shows to be a victim's enters the case masked
    with ctx.session() as s:
        case = get_case(s, ref)
        names = site_names if site_names is not None else source_site_names(s)
        items = gather_items(s, version, graph=graph, dumps=list(dumps), site_names=names, org_ids=org_ids)
        if not any(k == "listing" for k, _ in items):
            rep.notes.append("no listing judged trafficking in the store ('leaktrace analyze' after importing)")
        for kind, doc in items:
            _key, replaced = add_item(s, case, kind, doc, added_by=added_by, label=f"{kind} {doc.get('id', '')}")
            (rep.updated if replaced else rep.added)[kind] += 1
        s.commit()
    return rep
