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
from leaktrace.cli.input_files import read_text_input
from leaktrace.cli.operator import audit_export
from leaktrace.core.errors import InputError

case_app = typer.Typer(help="Cases: gather findings, write the report, export to STIX/MISP/CSV or a bundle.",
                       no_args_is_help=True)
PLURALS = {"listings": "listing", "actors": "actor", "groups": "group", "dumps": "dump",
           "attributions": "attribution", "captures": "capture", "wallets": "wallet", "events": "event"}


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def _session() -> Iterator[Session]:
    with cli_context().sessions.begin() as session:
        yield session


def _recognised(doc: dict[str, Any]) -> str | None:
    from leaktrace.pipeline.case_assembly import recognise_output

    return recognise_output(doc)


def _read_items(path: Path, kind: str | None) -> list[tuple[str, str, Any]]:
    """(label, kind, document) for every item in a JSON, JSON-lines or stdin file."""
    label, text = read_text_input(path)
    docs: list[tuple[str, Any]] = []
    try:
        whole = json.loads(text)
        if isinstance(whole, list):
            docs = [(f"{label}: item {i + 1}", d) for i, d in enumerate(whole)]
        elif isinstance(whole, dict) and kind is None and "kind" not in whole and set(whole) & set(PLURALS) \
                and _recognised(whole) is None:  # one printed actor has 'wallets' but is no grouped file
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
            from leaktrace.pipeline.case_assembly import recognise_output

            k = recognise_output(doc)
        if k is None:
            raise InputError(f"{where}: field 'kind' missing (or pass --kind); leaktrace's own JSON outputs "
                             "(dump analyze, attribute, graph actors, posts list) are recognised as they are")
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
    file: Path | None = typer.Argument(None, help="Items as JSON/JSON-lines ('-' for stdin): item documents "
                                                  "(docs/cases.md) or leaktrace's own --json output of dump analyze, "
                                                  "attribute, graph actors or posts list/search."),
    kind: str | None = typer.Option(None, "--kind", help="Kind of every item without its own 'kind'."),
    listing: list[str] = typer.Option([], "--listing", help="A stored post by id (repeatable)."),
    search: str | None = typer.Option(None, "--search", help="Every stored post whose title or body holds these words."),
    actor: list[str] = typer.Option([], "--actor", help="An actor of the last graph build, with its wallets (repeatable)."),
    group: list[str] = typer.Option([], "--group", help="A group of the last graph build, with its members (repeatable)."),
    wallet: list[str] = typer.Option([], "--wallet", help="A wallet address of the last graph build (repeatable)."),
    evidence: list[str] = typer.Option([], "--evidence", help="An evidence item by SHA-256: a capture or a seized "
                                                              "file (repeatable)."),
    json_out: bool = typer.Option(False, "--json", help="Print what was added as JSON."),
) -> None:
    """Add listings, actors, groups, dumps, attributions, captures, wallets or events (all or nothing)."""
    from leaktrace.cases.case_records import add_event, add_item, get_case
    from leaktrace.pipeline.case_assembly import Selection, output_items, selected_items

    sel = Selection(listings=list(listing), search=search, actors=list(actor), groups=list(group),
                    wallets=list(wallet), evidence=list(evidence))
    if file is None and not sel:
        raise typer.BadParameter("give a FILE of items, or --listing, --search, --actor, --group, --wallet or "
                                 "--evidence", param_hint="FILE")
    raw = _read_items(file, kind) if file is not None else []
    ctx = cli_context()
    added: list[dict[str, Any]] = []
    with ctx.sessions.begin() as s:
        case = get_case(s, case_ref)
        items, notes = output_items(s, case.id, raw, sel)
        items += [(f"{k} {d.get('id') or d.get('address') or d.get('sha256')}", k, d)
                  for k, d in selected_items(ctx, s, sel)]
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
    for line in notes:
        typer.echo(f"note: {line}", err=True)
    if json_out:
        typer.echo(json.dumps({"case": case_ref, "items": added, "notes": notes}, ensure_ascii=False))
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


@case_app.command("tlp")
def tlp_cmd(
    case_ref: str = typer.Argument(..., metavar="CASE"),
    item: str = typer.Argument(..., metavar="ITEM", help="The item's number (as the console lists it) or KIND:KEY "
                                                        "(e.g. listing:post-12)."),
    level: str = typer.Argument(..., metavar="TLP", help="clear, green, amber, amber+strict or red; 'case' to "
                                                        "drop the item's own marking (it then has the case's)."),
) -> None:
    """Mark one item of a case with its own TLP (audited), which the console and partner copies then follow."""
    from leaktrace.cli.operator import shell_principal
    from leaktrace.service.tlp import set_item_tlp

    done = set_item_tlp(cli_context(), shell_principal(), case_ref, item,
                        None if level.strip().lower() == "case" else level)
    typer.echo(f"{done['case']}: item {done['item']} ({done['kind']} {done['key']}) is TLP:{done['tlp'].upper()}"
               + ("" if done["own"] else " (the case's marking)"))


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
    from leaktrace.pipeline.disclosure import case_copy

    content = case_copy(cli_context(), content, redact_suspects=False, every_item=True)  # victims masked
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


_TLP_HELP = "Mark the copy clear, green, amber, amber+strict or red; items marked stricter are left out (default: the case's TLP)."
_REDACT_HELP = "Mask suspects' identifiers too, for partner-facing copies (default: only in a TLP:CLEAR copy)."


def _tlp(tlp: str | None) -> Any:
    """The copy's --tlp, checked (None: the case's own marking)."""
    from leaktrace.cases.case_records import TLP_LEVELS

    if tlp is not None and tlp.lower() not in TLP_LEVELS:
        raise InputError(f"--tlp: {tlp!r} is not one of {', '.join(TLP_LEVELS)}")
    return tlp.lower() if tlp else None


STEP_TEXT = {"custody": "verifying custody", "html": "writing HTML", "pdf_layout": "laying out the PDF",
             "pdf_write": "writing the PDF"}


@case_app.command("report")
def report(
    case_ref: str = typer.Argument(..., metavar="CASE"),
    lang: str = typer.Option("zh", "--lang", help="zh or en."),
    out: Path = typer.Option(Path("."), "--out", help="Directory for the report."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF (WeasyPrint)."),
    json_out: bool = typer.Option(False, "--json", help="Print {html, pdf} as JSON."),
    tlp: str | None = typer.Option(None, "--tlp", help=_TLP_HELP),
    redact_suspects: bool | None = typer.Option(None, "--redact-suspects/--no-redact-suspects", help=_REDACT_HELP),
) -> None:
    """Write the self-contained HTML report (and PDF), custody verified against the evidence store."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from leaktrace.cases.report import REPORT_STEPS
    from leaktrace.pipeline.case_exports import write_case_report

    steps = REPORT_STEPS if pdf else REPORT_STEPS[:2]
    cols = (TextColumn("report: {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True, disable=json_out) as bar:
        task = bar.add_task("reading the case", total=len(steps))

        def step(name: str) -> None:
            bar.update(task, completed=steps.index(name), description=STEP_TEXT.get(name, name))

        files = write_case_report(cli_context(), case_ref, out, lang=lang, pdf=pdf, tlp=_tlp(tlp),
                                  redact_suspects=redact_suspects, progress=step)
        bar.update(task, completed=len(steps))
    audit_export("export.download", f"case:{case_ref}", format="report", path=str(files.html),
                 pdf=str(files.pdf) if files.pdf else None, tlp=_tlp(tlp), redacted=redact_suspects)
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
    tlp: str | None = typer.Option(None, "--tlp", help=_TLP_HELP),
    redact_suspects: bool | None = typer.Option(None, "--redact-suspects/--no-redact-suspects", help=_REDACT_HELP),
) -> None:
    """Export the case: STIX 2.1 bundle, MISP event JSON, CSV tables, or a verifiable evidence bundle."""
    from leaktrace.pipeline.case_exports import export_case

    if fmt == "bundle" and out == Path("."):
        out = Path(f"{case_ref}-bundle")
    paths = export_case(cli_context(), case_ref, fmt, out, collector=_user(), tlp=_tlp(tlp),
                        redact_suspects=redact_suspects, as_zip=as_zip, include_dumps=include_dumps)
    # A bundle carries the captures themselves: an evidence download, not only an export.
    audit_export("evidence.download" if fmt == "bundle" else "export.download", f"case:{case_ref}", format=fmt,
                 path=str(paths[0] if fmt != "csv" else out), dumps=include_dumps if fmt == "bundle" else None,
                 tlp=_tlp(tlp), redacted=redact_suspects)
    for path in paths:
        typer.echo(str(path))


@case_app.command("signoff")
def signoff(
    case_ref: str = typer.Argument(..., metavar="CASE"),
    note: str | None = typer.Option(None, "--note", help="Why it is signed off (kept in the audit log)."),
) -> None:
    """Sign the case off as its supervisor (refused to the case's author); recorded in the audit log and the report."""
    from leaktrace.cli.operator import shell_principal
    from leaktrace.service.case_work import sign_off

    at = sign_off(cli_context(), shell_principal(), case_ref, note=note)
    typer.echo(f"{case_ref}: signed off by {shell_principal().username} at {_when(at)}")


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
