"""`leaktrace evidence`: take files into evidence, verify custody, export originals with provenance."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import audit_export
from leaktrace.core.errors import IntegrityError

evidence_app = typer.Typer(
    help="Evidence: encrypted content-addressed blobs and a signed custody chain.",
    no_args_is_help=True,
)
PROGRESS_MIN_BYTES = 64 << 20


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@evidence_app.command("add")
def add(
    file: Path = typer.Argument(..., help="File to take into evidence (e.g. a seized dump)."),
    source_url: str | None = typer.Option(None, "--source-url", help="Where it came from."),
    collector: str | None = typer.Option(None, "--collector", help="Who takes it in (default: login name)."),
    media_type: str = typer.Option("application/octet-stream", "--media-type", help="MIME type to record."),
    json_out: bool = typer.Option(False, "--json", help="Print the custody entry as JSON."),
) -> None:
    """Hash, compress and encrypt FILE into the store, and record its intake in custody."""
    store = cli_context().evidence
    size = file.stat().st_size if file.is_file() else 0
    kwargs = {
        "source_url": source_url,
        "collector": collector or _user(),
        "media_type": media_type,
        "contains_pii": True,
    }
    if size >= PROGRESS_MIN_BYTES and not json_out:
        columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=Console(stderr=True)) as bar:
            task = bar.add_task("intake", total=size)
            ref = store.put_file(file, progress=lambda n: bar.advance(task, n), **kwargs)
    else:
        ref = store.put_file(file, **kwargs)
    if json_out:
        typer.echo(json.dumps({"sha256": ref.sha256, "size": ref.size, "new": ref.new, "entry": ref.entry.to_json()}, ensure_ascii=False))
    else:
        note = "stored" if ref.new else "already stored; intake recorded"
        typer.echo(f"{ref.sha256}  {ref.size} bytes  {note} (custody entry {ref.entry.seq})")


@evidence_app.command("verify")
def verify(
    json_out: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
    no_blobs: bool = typer.Option(False, "--chain-only", help="Check the custody chain only, not blob contents."),
    expect_head: list[str] = typer.Option(
        [],
        "--expect-head",
        help="Outside anchor the log must reach and match: SEQ:HASH, a custody head, a provenance record "
        "or a case bundle (repeatable).",
    ),
) -> None:
    """Check every blob against its hash and the whole signed chain; exit 4 at the first break."""
    from leaktrace.evidence.anchor import load_anchor

    anchors = [load_anchor(a) for a in expect_head]
    report = cli_context().evidence.verify(check_blobs=not no_blobs, anchors=anchors)
    if json_out:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for w in report.warnings:
        err.print(f"leaktrace: warning: {w.describe()}", markup=False)
    if report.first is not None:
        more = f" ({len(report.problems) - 1} more problem(s))" if len(report.problems) > 1 else ""
        raise IntegrityError(report.first.describe() + more)
    if not json_out:
        anchored = ""
        if report.anchor is not None:
            anchored = f"; matches outside anchor entry {report.anchor.seq} ({report.anchor.source})"
        typer.echo(f"ok: {report.entries} custody entries, {report.blobs_checked} blobs verified{anchored}")


@evidence_app.command("export")
def export(
    sha256: str = typer.Argument(..., help="The blob's SHA-256."),
    out: Path = typer.Option(Path("."), "--out", help="Directory for the file and its provenance record."),
    collector: str | None = typer.Option(None, "--collector", help="Who exports it (default: login name)."),
) -> None:
    """Write the original bytes and a provenance record (custody entries, public key)."""
    from leaktrace.evidence.export import export

    result = export(cli_context().evidence, sha256, out, collector=collector or _user())
    audit_export("evidence.download", f"evidence:{sha256}", path=str(result.original))
    typer.echo(str(result.original))
    typer.echo(str(result.provenance))


@evidence_app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="One JSON object per blob.")) -> None:
    """Blobs in the store, from the custody log."""
    rows = cli_context().evidence.summaries()
    if json_out:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title="evidence")
    for col in ("sha256", "size", "type", "intake", "source", "entries"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["sha256"], str(r["size"]), r["media_type"] or "", r["intake_time"], r["source_url"] or "", str(r["entries"]))
    Console().print(table)


@evidence_app.command("verify-bundle")
def verify_bundle_cmd(
    bundle: Path = typer.Argument(..., help="An exported case bundle: folder or .zip."),
    expect_key: str | None = typer.Option(None, "--expect-key", help="Custody key fingerprint the bundle must be signed with."),
    json_out: bool = typer.Option(False, "--json", help="Print the full report as JSON."),
) -> None:
    """Check a case bundle without the platform: manifest signature, file and blob hashes, custody chain."""
    from leaktrace.evidence.bundle import verify_bundle

    report = verify_bundle(bundle, expect_key=expect_key)
    if json_out:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for w in report.warnings:
        err.print(f"leaktrace: warning: {w}", markup=False)
    if not report.ok:
        for p in report.problems[1:]:
            err.print(f"leaktrace: problem: {p}", markup=False)
        more = f" ({len(report.problems) - 1} more problem(s))" if len(report.problems) > 1 else ""
        raise IntegrityError(f"{bundle}: {report.problems[0]}{more}")
    if not json_out:
        omitted = f" ({report.custody_omitted} of other evidence by hash only)" if report.custody_omitted else ""
        typer.echo(
            f"ok: case {report.case}: {report.files_checked} files, {report.blobs_checked} evidence blobs, "
            f"{report.custody_entries} custody entries{omitted}; signed by {report.key_fingerprint}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(evidence_app, name="evidence")
