"""`leaktrace config show`: the settings in force, and where each came from."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from leaktrace.core.settings import describe_settings, get_settings

config_app = typer.Typer(help="Show the effective settings (secrets redacted).", no_args_is_help=True)


@config_app.command("show")
def show(json_out: bool = typer.Option(False, "--json", help="One JSON object per setting.")) -> None:
    """Every setting, its value, and whether it came from the default, the TOML file or the environment."""
    rows = describe_settings(get_settings())
    if json_out:
        for row in rows:
            typer.echo(json.dumps(asdict(row), ensure_ascii=False))
        return
    table = Table("setting", "value", "from", "environment variable", "what it does")
    for row in rows:
        value = row.value if isinstance(row.value, str) else json.dumps(row.value, ensure_ascii=False)
        table.add_row(row.name, escape(value), row.source, row.env, escape(row.help))
    Console(soft_wrap=False, width=200).print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
