"""`leaktrace scan`: PII in text, as JSON lines (the stable contract) or a masked table."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from leaktrace.core.errors import ConfigError
from leaktrace.core.settings import get_settings
from leaktrace.core.textio import open_text
from leaktrace.pii.registry import default_registry
from leaktrace.pii.scanner import Scanner


def scan(
    file: str = typer.Argument("-", help="Text file to scan, or - for standard input."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per hit (the stable contract)."),
    types: str | None = typer.Option(None, "--types", help="Comma-separated PII types to look for (default: all enabled)."),
    encoding: str | None = typer.Option(None, "--encoding", help="Input encoding; default: detect UTF-8, GB18030/GBK or UTF-16."),
    errors: str = typer.Option("strict", "--errors", help="On undecodable bytes: strict (stop with an error) or replace."),
    valid_only: bool = typer.Option(False, "--valid-only", help="Drop near-misses (valid=false hits)."),
    min_score: float = typer.Option(0.0, "--min-score", min=0.0, max=1.0, help="Drop hits scoring below this."),
    list_types: bool = typer.Option(False, "--list-types", help="List the enabled detectors and exit."),
) -> None:
    """Find personal data (IDs, mobiles, bank cards, e-mails, names, addresses ...) in text.

    Output never contains a raw value: only masked forms. Exit codes: 0 done
    (with or without hits), 2 unreadable input, 3 bad configuration.
    """
    if errors not in ("strict", "replace"):
        raise ConfigError("--errors must be 'strict' or 'replace'")
    registry = default_registry(get_settings())
    if list_types:
        for d in registry:
            typer.echo(d.type)
        return
    if types:
        registry = registry.select(t.strip() for t in types.split(",") if t.strip())
    scanner = Scanner(registry, min_score=min_score, include_invalid=not valid_only)
    stream = open_text(file if file == "-" else Path(file), encoding, errors)
    hits = scanner.scan_stream(stream, get_settings().scan_chunk_chars)
    if json_out:
        out = sys.stdout
        for h in hits:
            out.write(json.dumps(h.contract(), ensure_ascii=False) + "\n")
        out.flush()
    else:
        _print_table(hits, stream.label, stream.encoding)
    if stream.empty:
        Console(stderr=True).print(f"{stream.label}: empty input, nothing to scan", markup=False)


def _print_table(hits, label: str, encoding: str) -> None:  # type: ignore[no-untyped-def]
    console = Console()
    table = Table(title=f"PII in {label} ({encoding})", show_lines=False)
    for col in ("type", "start", "end", "masked", "valid", "score", "attributes"):
        table.add_column(col, overflow="fold")
    n = 0
    for h in hits:
        n += 1
        attrs = ", ".join(f"{k}={v}" for k, v in h.attrs.items())
        table.add_row(h.type, str(h.start), str(h.end), h.text_masked, "yes" if h.valid else "no", f"{h.score:.2f}", attrs)
    console.print(table)
    console.print(f"{n} hit(s)")


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)
