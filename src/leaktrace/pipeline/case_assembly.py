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
from leaktrace.core.errors import InputError
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
        from leaktrace.pipeline.dump_records import save_attribution

        save_attribution(ctx.data_dir, report.sha256, match)  # the console's dump page shows it with its error figures
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


# --- `case add` with what leaktrace itself printed, or by id -------------------------------------------------------

DUMP_REPORT_SCHEMA = "leaktrace-dump-report/"


def recognise_output(doc: dict[str, Any]) -> str | None:
    """Which leaktrace output a document without `kind` is, if any.

    `dump analyze --json` (a dump report), `attribute --json` (a match), `graph actors
    --json` (one actor a line) and `posts list|search --json` (one post a line) are taken
    as they were printed, so the investigator pipes one command into the next instead of
    rewriting JSON by hand.
    """
    if str(doc.get("schema", "")).startswith(DUMP_REPORT_SCHEMA):
        return "dump-report"
    if {"verdict", "ranking", "summary"} <= doc.keys():
        return "attribution-result"
    if {"id", "accounts", "basis", "hub"} <= doc.keys():
        return "graph-actor"
    if {"id", "site", "analysed", "trafficking"} <= doc.keys():
        return "post"
    return None


@dataclass
class Selection:
    """Items named by id (or found by a search) rather than written out: `case add --listing/--actor/...`."""

    listings: list[str] = field(default_factory=list)  # post ids: "12" or "post-12"
    search: str | None = None  # words; every post whose title or body holds them all
    actors: list[str] = field(default_factory=list)  # graph actor ids
    groups: list[str] = field(default_factory=list)  # graph group ids (adds the members too)
    wallets: list[str] = field(default_factory=list)  # addresses
    evidence: list[str] = field(default_factory=list)  # evidence SHA-256 (a capture or a seized file)

    def __bool__(self) -> bool:
        return bool(self.listings or self.search or self.actors or self.groups or self.wallets or self.evidence)


def _post_id(value: str) -> int:
    text = value.strip().removeprefix("post-")
    if not text.isdigit():
        raise InputError(f"--listing {value!r}: a post id is a number (see 'leaktrace posts list')")
    return int(text)


def _listing_docs(ctx: Context, session: Session, sel: Selection, site_names: dict[str, str],
                  version: str) -> list[tuple[str, dict[str, Any]]]:
    from leaktrace.store.repo.post_queries import PostFilter, find_posts

    ids = {_post_id(v) for v in sel.listings}
    known = set(session.scalars(select(Post.id).where(Post.id.in_(ids)))) if ids else set()
    missing = sorted(ids - known)
    if missing:
        raise InputError(f"--listing {missing[0]}: no such post (see 'leaktrace posts list')")
    if sel.search:
        found = find_posts(session, version, PostFilter(text=sel.search), limit=case_build.MAX_LISTINGS)
        if not found:
            raise InputError(f"--search {sel.search!r}: no stored post holds these words")
        ids |= {r.post.id for r in found}
    if not ids:
        return []
    listings, captures = case_build.listing_items(session, version, site_names, post_ids=ids)
    return [("capture", c) for c in captures] + [("listing", d) for d in listings]


def _graph_docs(ctx: Context, session: Session, sel: Selection,
                site_names: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    from leaktrace.graph.build import load_snapshot, snapshot_path

    if not (sel.actors or sel.groups or sel.wallets):
        return []
    if not snapshot_path(ctx.data_dir).is_file():
        raise InputError("no graph built yet: run 'leaktrace graph build' before adding actors, groups or wallets")
    graph = load_snapshot(ctx.data_dir)
    actors, groups, wallets = case_build.graph_items(graph, site_names, case_build.clear_values(session),
                                                     min_accounts=1)
    by_actor = {a["id"]: a for a in actors}
    by_group = {g["id"]: g for g in groups}
    by_wallet = {w["address"]: w for w in wallets}
    hubs = {a.id for a in graph.actors if a.hub}
    for name, wanted, known in (("--actor", sel.actors, by_actor), ("--group", sel.groups, by_group),
                                ("--wallet", sel.wallets, by_wallet)):
        for value in wanted:
            if value not in known:
                why = " (a hub: an escrow or exchange account, not a person)" if value in hubs else ""
                raise InputError(f"{name} {value!r}: not in the last graph build{why} "
                                 "(see 'leaktrace graph actors')")
    chosen_groups = [by_group[g] for g in dict.fromkeys(sel.groups)]
    actor_ids = list(dict.fromkeys([*sel.actors, *(m for g in chosen_groups for m in g["members"])]))
    chosen_wallets = {w["address"]: w for w in wallets if set(w["actors"]) & set(actor_ids)}
    chosen_wallets.update({a: by_wallet[a] for a in sel.wallets})
    return ([("actor", by_actor[a]) for a in actor_ids] + [("group", g) for g in chosen_groups]
            + [("wallet", w) for w in chosen_wallets.values()])


def _evidence_docs(ctx: Context, session: Session, sel: Selection) -> list[tuple[str, dict[str, Any]]]:
    from leaktrace.store.models import Capture

    out: list[tuple[str, dict[str, Any]]] = []
    summaries: dict[str, dict[str, Any]] | None = None
    for value in dict.fromkeys(v.strip().lower() for v in sel.evidence):
        cap = session.scalar(select(Capture).where(Capture.sha256 == value).order_by(Capture.id).limit(1))
        if cap is not None:
            source = session.scalar(select(Source.name).where(Source.id == cap.source_id))
            out.append(("capture", {"sha256": cap.sha256, "url": cap.url, "fetched_at": cap.fetched_at.isoformat(),
                                    "media_type": cap.content_type, "source": source, "size": cap.size}))
            continue
        if summaries is None:
            summaries = {r["sha256"]: r for r in ctx.evidence.summaries()}
        row = summaries.get(value)
        if row is None:
            raise InputError(f"--evidence {value!r}: not in the evidence store (see 'leaktrace evidence list')")
        out.append(("capture", {"sha256": value, "url": row.get("source_url"), "fetched_at": row.get("intake_time"),
                                "media_type": row.get("media_type"), "source": "evidence intake",
                                "size": row.get("size")}))
    return out


def selected_items(ctx: Context, session: Session, sel: Selection, *,
                   site_names: dict[str, str] | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(kind, document) of the listings, actors, groups, wallets and evidence `sel` names, as `case build` writes them."""
    from leaktrace.pipeline.intel_stage import model_version

    names = site_names if site_names is not None else source_site_names(session)
    version = model_version(ctx.intel_model())
    return (_listing_docs(ctx, session, sel, names, version) + _graph_docs(ctx, session, sel, names)
            + _evidence_docs(ctx, session, sel))


def _dump_id_for(path: str, batch: list[dict[str, Any]], case_dumps: list[dict[str, Any]], where: str) -> str:
    """The case's id of the dump an attribution result was computed on: by name, else by the file's hash."""
    from leaktrace.dumps.analyze import file_sha256

    name = Path(path).name
    for doc in [*batch, *case_dumps]:
        if doc.get("name") == name and doc.get("id"):
            return str(doc["id"])
    file = Path(path)
    if file.is_file():
        return case_build.dump_id(file_sha256(file))
    raise InputError(f"{where}: attribution of {name!r}: its dump is neither in the case nor at {path!r}; "
                     f"add the dump's report first ('leaktrace dump analyze {name} --json | leaktrace case add CASE -')")


def output_items(session: Session, case_id: int, docs: list[tuple[str, str, dict[str, Any]]],
                 sel: Selection) -> tuple[list[tuple[str, str, dict[str, Any]]], list[str]]:
    """Turn leaktrace's own outputs among `docs` into case items; actors and posts join `sel` by id.

    Returns (items as (where, kind, document), notes). Item documents pass through unchanged.
    """
    from pydantic import ValidationError

    from leaktrace.store.models import CaseItem

    items: list[tuple[str, str, dict[str, Any]]] = []
    notes: list[str] = []
    batch_dumps: list[dict[str, Any]] = []
    pending: list[tuple[str, dict[str, Any]]] = []
    for where, kind, doc in docs:
        if kind == "dump-report":
            try:
                report = DumpReport.model_validate(doc)
            except ValidationError as exc:
                raise InputError(f"{where}: not a dump report: field "
                                 f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])!r}: {exc.errors()[0]['msg']}") from exc
            item = case_build.dump_item(report, report.sha256, Path(report.path).name, None)
            batch_dumps.append(item)
            items.append((where, "dump", item))
        elif kind == "attribution-result":
            pending.append((where, doc))
        elif kind == "graph-actor":
            sel.actors.append(str(doc["id"]))
        elif kind == "post":
            sel.listings.append(str(doc["id"]))
        else:
            items.append((where, kind, doc))
    if pending:
        case_dumps = [row.payload for row in session.scalars(
            select(CaseItem).where(CaseItem.case_id == case_id, CaseItem.kind == "dump"))]
        for where, doc in pending:
            try:
                match = Match.from_json(doc)
            except ValidationError as exc:
                raise InputError(f"{where}: not an attribution result: field "
                                 f"{'.'.join(str(p) for p in exc.errors()[0]['loc'])!r}: {exc.errors()[0]['msg']}") from exc
            if match.verdict != "lead":
                notes.append(f"{where}: attribution says 'unknown' ({match.summary}): nothing added")
                continue
            path = match.dump.path if match.dump is not None else ""
            att = case_build.attribution_item(match, _dump_id_for(path, batch_dumps, case_dumps, where), {})
            if att is not None:
                items.append((where, "attribution", att))
    return items, notes
