"""`leaktrace dump analyze PATH`: the DumpReport of a seized dump, as JSON or a table."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.core.dump_types import DumpReport

dump_app = typer.Typer(help="Seized dumps: analyse rows, persons, padding, provinces, novelty.", no_args_is_help=True)


@dump_app.command("analyze")
def analyze(
    path: Path = typer.Argument(..., help="The dump file (CSV/TSV/TXT, JSONL, MySQL dump, XLSX, .gz, .zip)."),
    engine: str | None = typer.Option(None, "--engine", help="Analysis engine: duckdb or spark (default: setting dump_engine)."),
    spark_master: str | None = typer.Option(None, "--spark-master",
                                            help="Spark master URL or Spark Connect sc://host:port (default local[2])."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    encoding: str | None = typer.Option(None, "--encoding", help="Text encoding (default: detected)."),
    role: list[str] = typer.Option([], "--role", help="Force a column role: COLUMN=ROLE (name or 1-based index)."),
    memory_limit: str | None = typer.Option(None, "--memory-limit", help="Engine memory cap, e.g. 3GB."),
    force: bool = typer.Option(False, "--force", help="Recompute even when a finished report exists."),
    record_hashes: bool = typer.Option(False, "--record-hashes",
                                       help="Also write records.parquet (a keyed hash per distinct row)."),
) -> None:
    """Analyse PATH: rows, malformed rows, roles, persons, validity, duplicates, padding, places, novelty."""
    from leaktrace.dumps.analyze import analyze_dump

    ctx = cli_context()
    opts = ctx.dump_options(engine=engine, encoding=encoding, roles=list(role), force=force, spark_master=spark_master,
                            memory_limit=memory_limit, progress=not json_out, record_hashes=record_hashes or None)
    report = analyze_dump(path, opts, data_dir=ctx.data_dir, keys=ctx.get_keyring)
    if json_out:
        typer.echo(json.dumps(report.model_dump(mode="json", by_alias=True), ensure_ascii=False))
    else:
        print_report(report, Console(highlight=False))


def _t(title: str, *cols: str) -> Table:
    t = Table(title=title, title_justify="left")
    for c in cols:
        t.add_column(c, justify="right" if c in ("rows", "persons", "valid", "invalid", "value") else "left")
    return t


def print_report(r: DumpReport, console: Console) -> None:
    """Readable tables; every value escaped (column names come from the hostile file)."""
    from rich.markup import escape

    s = _t(f"{escape(r.path)}  ({r.format}, {r.encoding})", "figure", "value")
    pad = r.padding
    for k, v in (
        ("rows", f"{r.rows:,}"), ("malformed rows", f"{r.malformed.rows:,}"),
        ("distinct rows / duplicates", f"{r.distinct_rows:,} / {r.duplicate_rows:,}"),
        (f"distinct persons (by {r.distinct_persons_by})", f"{r.distinct_persons:,}"),
        ("distinct valid mobiles", f"{r.distinct_valid_mobiles:,}"),
        ("padding estimate [low, high]", f"{pad.estimate:,} [{pad.low:,}, {pad.high:,}]" if pad else "n/a"),
        ("order time range", f"{r.order_time_min} .. {r.order_time_max}"),
        ("persons seen in earlier dumps", f"{r.novelty.persons_seen_before:,} of {r.novelty.persons_seen_before + r.novelty.persons_new:,} ({r.novelty.earlier_dumps} dumps)"),
        ("seconds", f"{r.seconds}"),
    ):
        s.add_row(k, v)
    console.print(s)
    c = _t("columns", "column", "role", "confidence")
    for col in r.columns:
        c.add_row(escape(col.name), col.role, f"{col.confidence:.2f} ({col.source})")
    console.print(c)
    v = _t("validity", "role", "valid", "invalid", "why invalid")
    for role, x in r.validity.items():
        v.add_row(role, f"{x.valid:,}", f"{x.invalid:,}", ", ".join(f"{k} {n:,}" for k, n in sorted(x.invalid_by_reason.items())))
    console.print(v)
    p = _t("persons per province", "province", "persons", "value")
    mob = {m.code: m.persons for m in r.provinces_by_mobile}
    for row in r.provinces_by_id:
        p.add_row(f"{row.code} {row.name or ''}", f"{row.persons:,}", f"mobile {mob.get(row.code, 0):,}")
    console.print(p)
    if r.malformed.rows or r.malformed.skipped:
        m = _t("not analysed", "what", "value")
        for k, n in r.malformed.by_problem.items():
            m.add_row(k, f"{n:,}")
        for note in r.malformed.skipped:
            m.add_row("skipped", escape(note))
        for smp in r.malformed.samples:
            m.add_row(f"line {smp.line}: {smp.problem}", escape(smp.text_masked))
        console.print(m)


def register(app: typer.Typer) -> None:
    app.add_typer(dump_app, name="dump")
