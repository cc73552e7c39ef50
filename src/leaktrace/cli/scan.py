"""`leaktrace scan`: PII in text, as JSON lines (the stable contract) or a masked table."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.core.errors import ConfigError, InputError
from leaktrace.core.textio import open_text
from leaktrace.core.types import PiiHit
from leaktrace.pii.redact import masked_attrs
from leaktrace.pii.scanner import Scanner
from leaktrace.pipeline.context import Context

TABLE_ROWS = 1000


def scan(
    file: str = typer.Argument("-", help="Text file to scan, or - for standard input."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per hit (the stable contract)."),
    types: str | None = typer.Option(None, "--types", help="Comma-separated PII types to look for (default: all enabled)."),
    encoding: str | None = typer.Option(None, "--encoding", help="Input encoding; default: detect UTF-8, GB18030/GBK or UTF-16."),
    errors: str = typer.Option("strict", "--errors", help="On undecodable bytes: strict (stop with an error) or replace."),
    valid_only: bool = typer.Option(False, "--valid-only", help="Drop near-misses (valid=false hits)."),
    min_score: float = typer.Option(0.0, "--min-score", min=0.0, max=1.0, help="Drop hits scoring below this."),
    list_types: bool = typer.Option(False, "--list-types", help="List the enabled detectors and exit."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write JSON lines here (atomically: complete or absent) instead of standard output."),
    max_rows: int = typer.Option(TABLE_ROWS, "--max-rows", min=0, help="Table mode: show at most this many hits (all are counted)."),
    detail: bool = typer.Option(False, "--detail", help="Add the side fields that can rebuild a value (an ID's birth_date "
                                "and district); the use is recorded in the audit log (leaktrace audit show)."),
) -> None:
    """Find personal data (IDs, mobiles, bank cards, e-mails, names, addresses ...) in text.

    Output never contains a raw value: only masked forms, and no side field
    that rebuilds one (birth date, district) unless --detail. Exit codes: 0 done
    (with or without hits), 2 unreadable input, 3 bad configuration.
    JSON lines on standard output stream as they are found, so a run that
    stops on bad input mid-file has printed the hits before it (exit 2 says
    so); `--output` writes all or nothing.
    """
    if errors not in ("strict", "replace"):
        raise ConfigError("--errors must be 'strict' or 'replace'")
    ctx = cli_context()
    registry = ctx.registry
    if list_types:
        for d in registry:
            typer.echo(d.type)
        return
    if types:
        registry = registry.select(t.strip() for t in types.split(",") if t.strip())
    scanner = Scanner(registry, min_score=min_score, include_invalid=not valid_only)
    stream = open_text(file if file == "-" else Path(file), encoding, errors)
    if detail:
        _audit(ctx, "<stdin>" if file == "-" else str(Path(file).resolve()))
    hits = scanner.scan_stream(stream, ctx.settings.scan_chunk_chars)
    if not detail:
        hits = (_masked(h) for h in hits)
    if output is not None:
        _write_atomic(output, hits)
    elif json_out:
        _write_json(hits, sys.stdout)
        sys.stdout.flush()
    else:
        _print_table(hits, stream.label, stream.encoding, max_rows)
    if stream.empty:
        Console(stderr=True, soft_wrap=True, highlight=False).print(f"{stream.label}: empty input, nothing to scan", markup=False)



def _masked(h: PiiHit) -> PiiHit:
    attrs = masked_attrs(h.attrs)
    return h if attrs is h.attrs else h.model_copy(update={"attrs": attrs})


def _audit(ctx: Context, file: str) -> None:
    """An entry in the signed audit log (docs/console.md): who, when, which file; never a value found.

    Only `--detail` opens the database; a plain scan never does.
    """
    from leaktrace.cli.operator import shell_principal
    from leaktrace.service import audit

    audit.record(ctx, shell_principal(), "scan.detail", f"file:{file}"[:500])


def _write_json(hits: Iterable[PiiHit], out: TextIO) -> int:
    n = 0
    for h in hits:
        out.write(json.dumps(h.contract(), ensure_ascii=False) + "\n")
        n += 1
    return n


def _write_atomic(path: Path, hits: Iterable[PiiHit]) -> None:
    """JSON lines to a temp file beside `path`, renamed into place only when the scan finished."""
    target = path.resolve()
    if target.is_dir():
        raise InputError(f"{path}: --output is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write output ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            _write_json(hits, fh)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_table(hits: Iterable[PiiHit], label: str, encoding: str, max_rows: int) -> None:
    console = Console()
    table = Table(title=f"PII in {label} ({encoding})", show_lines=False)
    for col in ("type", "start", "end", "masked", "valid", "score", "attributes"):
        table.add_column(col, overflow="fold")
    n = 0
    for h in hits:
        n += 1
        if n > max_rows:
            continue  # counted, not kept: the table stays small on huge inputs
        attrs = ", ".join(f"{k}={v}" for k, v in h.attrs.items())
        table.add_row(h.type, str(h.start), str(h.end), h.text_masked, "yes" if h.valid else "no", f"{h.score:.2f}", attrs)
    console.print(table)
    more = f" ({n - max_rows} not shown; use --json)" if n > max_rows else ""
    console.print(f"{n} hit(s){more}")


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
