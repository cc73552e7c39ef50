"""`leaktrace case`: open a case, add items and notes, show it, write its report and exports."""

from __future__ import annotations

import getpass
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import audit_export
from leaktrace.core.errors import InputError

case_app = typer.Typer(help="Cases: gather findings, write the report, export to STIX/MISP/CSV or a bundle.",
                       no_args_is_help=True)
PLURALS = {"listings": "listing", "actors": "actor", "groups": "group", "dumps": "dump",
           "attributions": "attribution", "captures": "capture", "wallets": "wallet", "events": "event"}
MAX_INPUT = 256 << 20


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def _session() -> Iterator[Session]:
    with cli_context().sessions.begin() as session:
        yield session


def _read_items(path: Path, kind: str | None) -> list[tuple[str, str, Any]]:
    """(label, kind, document) for every item in a JSON, JSON-lines or stdin file."""
    label = "<stdin>" if str(path) == "-" else str(path)
    try:
        raw = typer.get_binary_stream("stdin").read(MAX_INPUT + 1) if str(path) == "-" else path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{label}: no such file") from exc
    if len(raw) > MAX_INPUT:
        raise InputError(f"{label}: larger than {MAX_INPUT} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 JSON (byte {exc.start})") from exc
    docs: list[tuple[str, Any]] = []
    try:
        whole = json.loads(text)
        if isinstance(whole, list):
            docs = [(f"{label}: item {i + 1}", d) for i, d in enumerate(whole)]
        elif isinstance(whole, dict) and kind is None and "kind" not in whole and set(whole) & set(PLURALS):
            for key, items in whole.items():
                if key not in PLURALS or not isinstance(items, list):
                    raise InputError(f"{label}: field {key!r}: expected one of {', '.join(PLURALS)} holding a list")
                docs += [(f"{label}: {key}[{i}]", {**d, "kind": PLURALS[key]} if isinstance(d, dict) else d)
                         for i, d in enumerate(items)]
        else:
            docs = [(label, whole)]
    except json.JSONDecodeError:
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                docs.append((f"{label}: line {n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(f"{label}: line {n}: not JSON ({exc.msg})") from exc
    out = []
    for where, doc in docs:
        if not isinstance(doc, dict):
            raise InputError(f"{where}: expected a JSON object")
        doc = dict(doc)
        k = doc.pop("kind", None) or kind
        if k is None:
            raise InputError(f"{where}: field 'kind' missing (or pass --kind)")
        out.append((where, str(k), doc))
    if not out:
        raise InputError(f"{label}: no items")
    return out


# Free-text fields people and sellers write, at any depth (a group's `links[*].evidence`
# too); a sample ID pasted into one must not reach a report or export in the clear, so they
# pass the same PII masking as the pipeline's. Identifiers and samples have their own rules.
_FREE_TEXT = frozenset({"title", "name", "text", "description", "evidence", "seller", "aliases",
                        "method", "partner", "market", "note"})


def _when(t: datetime) -> str:
    """A time as the case file shows it: to the minute, with its zone (stored times are UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.strftime("%Y-%m-%d %H:%M ") + (t.tzname() or "UTC")


def _masked(text: str | None) -> str | None:
    from leaktrace.pii.redact import masked_text

    return None if text is None else masked_text(text)


def _mask_free_text(value: Any, free: bool = False) -> Any:
    if isinstance(value, str):
        return _masked(value) if free else value
    if isinstance(value, list):
        return [_mask_free_text(v, free) for v in value]
    if isinstance(value, dict):
        return {k: _mask_free_text(v, free or k in _FREE_TEXT) if k not in ("identifiers", "samples") else v
                for k, v in value.items()}
    return value


@case_app.command("new")
def new(
    title: str = typer.Argument(..., help="What the case is about."),
    ref: str | None = typer.Option(None, "--ref", help="Case reference (default LT-<year>-<n>)."),
    tlp: str = typer.Option("amber", "--tlp", help="clear, green, amber, amber+strict or red."),
    description: str | None = typer.Option(None, "--description", help="A paragraph for the report."),
    json_out: bool = typer.Option(False, "--json", help="Print {ref, id, title, tlp} as JSON."),
) -> None:
    """Open a new case."""
    from leaktrace.cases.case_records import create_case

    with _session() as s:
        case = create_case(s, _masked(title) or "", ref=ref, tlp=tlp.lower(), description=_masked(description),
                           created_by=_user())
        doc = {"ref": case.ref, "id": case.id, "title": case.title, "tlp": case.tlp}
    typer.echo(json.dumps(doc, ensure_ascii=False) if json_out else doc["ref"])


@case_app.command("add")
def add(
    case_ref: str = typer.Argument(..., metavar="CASE", help="Case reference or number."),
    file: Path = typer.Argument(..., help="JSON/JSON-lines items ('-' for stdin); see docs/cases.md."),
    kind: str | None = typer.Option(None, "--kind", help="Kind of every item without its own 'kind'."),
    json_out: bool = typer.Option(False, "--json", help="Print what was added as JSON."),
) -> None:
    """Add listings, actors, groups, dumps, attributions, captures, wallets or events (all or nothing)."""
    from leaktrace.cases.case_records import add_event, add_item, get_case

    items = _read_items(file, kind)
    added: list[dict[str, Any]] = []
    with _session() as s:
        case = get_case(s, case_ref)
        for where, k, raw_doc in items:
            doc = _mask_free_text(raw_doc)
            if k == "event":
                try:
                    at = datetime.fromisoformat(str(doc.get("at")))
                except ValueError as exc:
                    raise InputError(f"{where}: field 'at': not an ISO timestamp") from exc
                if at.tzinfo is None:
                    raise InputError(f"{where}: field 'at': timestamp has no time zone")
                add_event(s, case, at, str(doc.get("text", "")), ref=doc.get("ref"))
                added.append({"kind": k, "key": None, "replaced": False})
                continue
            key, replaced = add_item(s, case, k, doc, added_by=_user(), label=where)
            added.append({"kind": k, "key": key, "replaced": replaced})
    if json_out:
        typer.echo(json.dumps({"case": case_ref, "items": added}, ensure_ascii=False))
    else:
        n_new = sum(1 for a in added if not a["replaced"])
        typer.echo(f"{case_ref}: {n_new} added, {len(added) - n_new} replaced")


@case_app.command("build")
def build(
    case_ref: str = typer.Argument(..., metavar="CASE", help="Case reference or number."),
    dump: list[Path] = typer.Option([], "--dump", help="A seized dump to add (its stored report; analysed now if it "
                                                       "never was). Repeat for several."),
    claimed_records: int | None = typer.Option(None, "--claimed-records", min=0,
                                               help="The volume sellers claimed for the dump(s)."),
    attribute: bool = typer.Option(True, "--attribute/--no-attribute",
                                   help="Attribute each dump against the registered organisations."),
    graph: bool = typer.Option(True, "--graph/--no-graph", help="Add actors, groups and wallets of the last graph build."),
    json_out: bool = typer.Option(False, "--json", help="Print what was added as JSON."),
) -> None:
    """Add to CASE what leaktrace holds: trafficking listings and their captures, the seller network, dumps."""
    from leaktrace.pipeline.case_assembly import build_case, dump_evidence

    ctx = cli_context()
    dumps = [dump_evidence(ctx, p, claimed_records=claimed_records, attribute=attribute) for p in dump]
    rep = build_case(ctx, case_ref, dumps=dumps, added_by=_user(), with_graph=graph)
    if json_out:
        typer.echo(json.dumps(rep.as_dict(), ensure_ascii=False))
        return
    parts = [f"{k}: {rep.added[k]} added, {rep.updated[k]} updated" for k in sorted(set(rep.added) | set(rep.updated))]
    typer.echo(f"{case_ref}: " + ("; ".join(parts) or "nothing to add"))
    for line in rep.notes:
        typer.echo(f"note: {line}", err=True)


@case_app.command("note")
def note(
    case_ref: str = typer.Argument(..., metavar="CASE"),
    text: str = typer.Argument(..., help="The note."),
    author: str | None = typer.Option(None, "--author", help="Default: login name."),
) -> None:
    """Add an investigator's note (it appears in the report and its timeline)."""
    from leaktrace.cases.case_records import add_note, get_case

    with _session() as s:
        add_note(s, get_case(s, case_ref), _masked(text) or "", author=author or _user())
    typer.echo(f"{case_ref}: note added")


@case_app.command("show")
def show(
    case_ref: str | None = typer.Argument(None, metavar="[CASE]", help="Omit to list all cases."),
    json_out: bool = typer.Option(False, "--json", help="The whole case content as JSON."),
) -> None:
    """List cases, or show one case's items and timeline."""
    from leaktrace.cases.case_records import get_case, list_cases, load_content

    console = Console(highlight=False)
    with _session() as s:
        if case_ref is None:
            rows = list_cases(s)
            if json_out:
                for c, n in rows:
                    typer.echo(json.dumps({"ref": c.ref, "title": c.title, "tlp": c.tlp, "status": c.status,
                                           "items": n, "updated_at": c.updated_at.isoformat()}, ensure_ascii=False))
                return
            table = Table(title="cases")
            for col in ("ref", "title", "tlp", "status", "items", "updated"):
                table.add_column(col)
            for c, n in rows:
                table.add_row(c.ref, c.title, c.tlp, c.status, str(n), _when(c.updated_at))
            console.print(table)
            return
        content = load_content(s, get_case(s, case_ref))
    if json_out:
        typer.echo(content.model_dump_json(indent=2))
        return
    info = content.info
    console.print(f"{info.ref}  {info.title}  TLP:{info.tlp.upper()}  {info.status}", markup=False)
    for name in ("listings", "actors", "groups", "dumps", "attributions", "captures", "wallets", "notes"):
        console.print(f"  {name}: {len(getattr(content, name))}", markup=False)
    for d in content.dumps:
        console.print(f"  dump {d.id}: claimed {d.claimed_records}, distinct victims {d.distinct_victims}, "
                      f"fabricated rows {d.fabricated_rows}", markup=False)
    for a in content.attributions:
        console.print(f"  victim {a.org_name} (confidence {a.confidence:.2f})", markup=False)
    from leaktrace.cases.report import timeline

    events = timeline(content)
    if events:
        console.print("  timeline (latest 10):", markup=False)
    for e in events[-10:]:
        console.print(f"    {_when(e.at)} {e.kind}: {e.text}", markup=False, soft_wrap=True)


def _content(case_ref: str) -> Any:
    from leaktrace.cases.case_records import get_case, load_content

    with _session() as s:
        return load_content(s, get_case(s, case_ref))


@case_app.command("report")
def report(
    case_ref: str = typer.Argument(..., metavar="CASE"),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    out: Path = typer.Option(Path("."), "--out", help="Directory for the report."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF (WeasyPrint)."),
    json_out: bool = typer.Option(False, "--json", help="Print {html, pdf} as JSON."),
) -> None:
    """Write the self-contained HTML report (and PDF), custody verified against the evidence store."""
    from leaktrace.cases.report import write_report

    files = write_report(_content(case_ref), out, lang=lang, pdf=pdf, store=cli_context().evidence)
    audit_export("export.download", f"case:{case_ref}", format="report", path=str(files.html),
                 pdf=str(files.pdf) if files.pdf else None)
    if json_out:
        typer.echo(json.dumps({"html": str(files.html), "pdf": str(files.pdf) if files.pdf else None}))
        return
    typer.echo(str(files.html))
    if files.pdf:
        typer.echo(str(files.pdf))


@case_app.command("export")
def export(
    case_ref: str = typer.Argument(..., metavar="CASE"),
    fmt: str = typer.Option("bundle", "--format", help="stix, misp, csv or bundle."),
    out: Path = typer.Option(Path("."), "--out", help="Directory (stix/misp/csv) or new bundle path."),
    as_zip: bool = typer.Option(False, "--zip", help="Bundle as a .zip."),
    include_dumps: bool = typer.Option(False, "--include-dumps", help="Put the seized dumps' originals in the bundle too."),
) -> None:
    """Export the case: STIX 2.1 bundle, MISP event JSON, CSV tables, or a verifiable evidence bundle."""
    from leaktrace.cases import misp, stix, tables
    from leaktrace.core.private_files import private_dir, write_private_text

    content = _content(case_ref)
    ref = content.info.ref
    if fmt == "bundle":
        from leaktrace.cases.bundle import export_bundle

        dest = out if out != Path(".") else Path(f"{ref}-bundle")
        path = export_bundle(content, dest, store=cli_context().evidence, collector=_user(),
                             include_dumps=include_dumps, as_zip=as_zip)
        audit_export("evidence.download", f"case:{ref}", format="bundle", path=str(path), dumps=include_dumps)
        typer.echo(str(path))
        return
    if fmt not in ("stix", "misp", "csv"):
        raise InputError(f"--format: {fmt!r} is not one of stix, misp, csv, bundle")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: not a directory")
    private_dir(out)
    if fmt == "csv":
        paths = tables.write_tables(content, out)
        audit_export("export.download", f"case:{ref}", format="csv", path=str(out))
        for path in paths:
            typer.echo(str(path))
        return
    text = stix.to_json(content) if fmt == "stix" else misp.to_json(content)
    path = out / f"{ref}.{fmt}.json"
    write_private_text(path, text)
    audit_export("export.download", f"case:{ref}", format=fmt, path=str(path))
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
