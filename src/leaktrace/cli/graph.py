"""`leaktrace graph`: build the seller network from the store, review links, export it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import audit_export
from leaktrace.core.errors import InputError

if TYPE_CHECKING:
    from leaktrace.core.graph_types import GraphResult

# Stage modules (and their scikit-learn/igraph imports) load only when a graph
# command runs, so every other command starts fast.


def load_snapshot(data_dir: Path) -> GraphResult:
    from leaktrace.graph.build import load_snapshot as _load

    return _load(data_dir)

graph_app = typer.Typer(help="Seller network: aliases, groups, roles, money; review links; export.",
                        no_args_is_help=True)


def _sessions() -> Any:
    return cli_context(migrate=False).sessions


@graph_app.command("build")
def build_cmd(
    merge_inferred: float | None = typer.Option(None, "--merge-inferred", min=0.0, max=1.0,
                                                help="Also merge actors on inferred links at or above this "
                                                     "confidence (analysis only; exports never use them)."),
    json_out: bool = typer.Option(False, "--json", help="Print counts and timings as JSON."),
) -> None:
    """Rebuild the graph from the store (people's verdicts are applied again) and save the snapshot."""
    from leaktrace.graph.build import BuildConfig, build_graph, save_snapshot

    ctx = cli_context(migrate=False)
    hasher = ctx.hasher
    with _sessions()() as s, Console(stderr=True).status("graph: reading the store") as status:
        result = build_graph(s, hasher, BuildConfig(merge_inferred=merge_inferred),
                             on_stage=lambda name: status.update(f"graph: {name} done"))
    path = save_snapshot(result, ctx.data_dir)
    if json_out:
        typer.echo(json.dumps({"snapshot": str(path), "counts": result.counts.model_dump(mode="json"),
                               "timings": result.timings, "conflicts": result.conflicts}, ensure_ascii=False))
        return
    c = result.counts
    typer.echo(f"{c.accounts} accounts -> {c.actors} actors in {c.groups} groups; "
               f"{c.strong_links} strong and {c.inferred_links} inferred links; {len(result.hubs)} hubs")
    for line in result.conflicts:
        typer.echo(f"conflict: {line}", err=True)


@graph_app.command("actors")
def actors_cmd(json_out: bool = typer.Option(False, "--json", help="One JSON object per actor.")) -> None:
    """Actors with accounts, group, role (a lead), provinces, first/last seen, wallets, revenue estimate."""
    data = load_snapshot(cli_context().data_dir)
    for a in data.actors:
        if json_out:
            typer.echo(json.dumps(a.model_dump(mode="json"), ensure_ascii=False))
        else:
            role = f" {a.role} (lead)" if a.role else ""
            grp = f" group {a.group}" if a.group else ""
            typer.echo(f"{a.id}{grp}{role}: {', '.join(a.accounts)}; "
                       f"{a.first_seen or '?'} .. {a.last_seen or '?'}"
                       + (f"; provinces {', '.join(a.provinces)}" if a.provinces else ""))


@graph_app.command("links")
def links_cmd(
    basis: str | None = typer.Option(None, "--basis", help="Only strong|inferred|group|confirmed|rejected."),
    min_confidence: float = typer.Option(0.0, "--min-confidence", help="Only links at or above this."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per link."),
) -> None:
    """Links between accounts, each with its reasons, confidence and evidence."""
    data = load_snapshot(cli_context().data_dir)
    for link in data.links:
        if (basis and link.basis != basis) or link.confidence < min_confidence:
            continue
        if json_out:
            typer.echo(json.dumps(link.model_dump(mode="json"), ensure_ascii=False))
        else:
            why = "; ".join(r.detail for r in link.reasons)
            typer.echo(f"{link.id} {link.a} ~ {link.b} [{link.basis} {link.confidence:.2f}] {why}")
            for warning in link.warnings:
                typer.echo(f"  warning: {warning}")


def _verdict(decision: str, first: str, second: str | None, note: str | None, json_out: bool) -> None:
    """The same service function as the console's link review: a reason, the audit entry, the stored verdict."""
    from leaktrace.cli.operator import shell_principal
    from leaktrace.service.link_review import decide

    d = decide(cli_context(), shell_principal(), first, second, decision, note)
    a, b, previous = d.a, d.b, d.previous
    if json_out:
        typer.echo(json.dumps({"a": a, "b": b, "decision": decision, "previous": previous}, ensure_ascii=False))
    else:
        typer.echo(f"{decision}ed {a} ~ {b}" + (f" (was {previous})" if previous and previous != decision else "")
                   + "; run 'leaktrace graph build' to apply")


@graph_app.command("confirm")
def confirm_cmd(
    first: str = typer.Argument(..., help="Link id from 'graph links', or the first SOURCE:HANDLE account."),
    second: str | None = typer.Argument(None, help="The second SOURCE:HANDLE account."),
    note: str | None = typer.Option(None, "--note", "--reason",
                                    help="Why (required; kept with the verdict and in the audit log)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Confirm that two accounts are one actor; kept in the store, audited, applied on every rebuild."""
    _verdict("confirm", first, second, note, json_out)


@graph_app.command("reject")
def reject_cmd(
    first: str = typer.Argument(..., help="Link id from 'graph links', or the first SOURCE:HANDLE account."),
    second: str | None = typer.Argument(None, help="The second SOURCE:HANDLE account."),
    note: str | None = typer.Option(None, "--note", "--reason",
                                    help="Why (required; kept with the verdict and in the audit log)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Reject a link: the two accounts are never merged, whatever later evidence says (conflicts are listed)."""
    _verdict("reject", first, second, note, json_out)


@graph_app.command("export")
def export_cmd(
    out: Path = typer.Argument(..., help="Output file (.graphml or .json)."),
    fmt: str | None = typer.Option(None, "--format", help="graphml or json (default: from the file suffix)."),
    json_out: bool = typer.Option(False, "--json", help="Print {path, nodes, edges} as JSON."),
) -> None:
    """Export evidence-backed nodes and edges (inferred links, groups and roles are never exported)."""
    from leaktrace.graph.export import write_graphml, write_json

    kind = (fmt or out.suffix.lstrip(".")).lower()
    if kind not in ("graphml", "json"):
        raise InputError(f"{out}: format {kind!r} unknown; use --format graphml or json")
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such directory")
    data = load_snapshot(cli_context().data_dir)
    counts = (write_graphml if kind == "graphml" else write_json)(data, out)
    audit_export("export.download", "graph", format=kind, path=str(out))
    if json_out:
        typer.echo(json.dumps({"path": str(out), **counts}))
    else:
        typer.echo(f"{out}: {counts['nodes']} nodes, {counts['edges']} edges")


@graph_app.command("import-tx")
def import_tx_cmd(
    csv_file: Path = typer.Argument(..., help="Token-transfer CSV exported from a block explorer."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Import wallet transfers (all rows or none); amounts and counterparties show after the next build."""
    from leaktrace.graph.money import import_transfers

    with _sessions().begin() as s:
        read, new = import_transfers(s, csv_file)
    if json_out:
        typer.echo(json.dumps({"file": str(csv_file), "rows": read, "new": new}))
    else:
        typer.echo(f"{csv_file}: {read} transfers read, {new} new")


def register(app: typer.Typer) -> None:
    app.add_typer(graph_app, name="graph")
