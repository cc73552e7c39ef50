"""`leaktrace demo`: the README's main command (pipeline/demo.py tells the story)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leaktrace.core.errors import LeaktraceError


def demo(
    directory: Path = typer.Argument(Path("leaktrace-demo"), help="Demo directory (world, data, report)."),
    scale: int = typer.Option(20_000, "--scale", min=1, help="Rows in the seized dump; sizes the world."),
    seed: int = typer.Option(7, "--seed", help="Same seed, same world."),
    reuse: bool = typer.Option(False, "--reuse", help="Run again in an earlier demo directory."),
    force: bool = typer.Option(False, "--force", help="Delete an earlier demo directory and start afresh."),
    port: int = typer.Option(0, "--port", min=0, max=65535, help="Market server port (0: any free port)."),
    socks_port: int = typer.Option(0, "--socks-port", min=0, max=65535, help="SOCKS5h proxy port (0: any)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write the report as PDF (WeasyPrint)."),
    lang: str = typer.Option("en", "--lang", help="Report language: en or zh."),
    json_out: bool = typer.Option(False, "--json", help="Print the figures and checks as JSON at the end."),
) -> None:
    """Run the whole story end to end on a synthetic world: crawl, classify, analyse, attribute, link, report."""
    from leaktrace.pipeline.demo import DemoOptions, console_for, run_demo

    if reuse and force:
        raise LeaktraceError("--reuse and --force exclude each other")
    opts = DemoOptions(directory=directory, scale=scale, seed=seed, reuse=reuse, force=force, port=port,
                       socks_port=socks_port, pdf=pdf, lang=lang)
    result = run_demo(opts, console_for(quiet=json_out))
    if json_out:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    if not result.all_ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
