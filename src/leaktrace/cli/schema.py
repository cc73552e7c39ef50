"""`leaktrace schema list|show|check`: the JSON Schemas of leaktrace's file formats and `--json` outputs.

A user without the source tree gets every schema from the installed
package, and can check a file they wrote (case items, canaries) or a
command's saved output before handing it on. docs/formats.md lists them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from leaktrace.cli.input_files import read_text_input
from leaktrace.core import schemas
from leaktrace.core.errors import InputError

schema_app = typer.Typer(help="JSON Schemas of the file formats and --json outputs (docs/formats.md).",
                         no_args_is_help=True)


@schema_app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="One JSON object per schema.")) -> None:
    """Every shipped schema: name, title and what it describes."""
    from rich.console import Console
    from rich.table import Column, Table

    table = Table(Column("name", no_wrap=True), Column("title", no_wrap=True), Column("describes", overflow="fold"))
    for name in schemas.names():
        doc = schemas.load(name)
        if json_out:
            typer.echo(json.dumps({"name": name, "id": doc["$id"], "title": doc["title"],
                                   "description": doc["description"]}, ensure_ascii=False))
        else:
            table.add_row(name, doc["title"], doc["description"])
    if not json_out:
        Console(highlight=False, soft_wrap=False).print(table)


@schema_app.command("show")
def show_cmd(name: str = typer.Argument(..., help="Schema name (see 'leaktrace schema list').")) -> None:
    """Print one schema (JSON, draft 2020-12), as shipped."""
    typer.echo(schemas.text(name), nl=False)


def _documents(path: Path) -> list[tuple[str, Any]]:
    """(where, document): the whole file when it is one JSON value, else one per non-empty line."""
    label, text = read_text_input(path)
    try:
        return [(label, json.loads(text))]
    except json.JSONDecodeError:
        pass
    docs = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                docs.append((f"{label}: line {n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InputError(f"{label}: line {n}: not JSON ({exc.msg})") from exc
    if not docs:
        raise InputError(f"{label}: empty")
    return docs


@schema_app.command("check")
def check_cmd(
    name: str = typer.Argument(..., help="Schema name (see 'leaktrace schema list')."),
    file: Path = typer.Argument(..., help="JSON or JSON-lines file ('-' for stdin); each line is checked alone."),
) -> None:
    """Check a file against a schema; the first problem is one line naming the line and field (exit 2)."""
    import jsonschema

    validator = schemas.validator(name)
    docs = _documents(file)
    for where, doc in docs:
        error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
        if error is not None:
            raise InputError(f"{where}: {error.json_path}: {error.message[:300]} (schema {name})")
    typer.echo(f"{docs[0][0].split(': line')[0]}: {len(docs)} document(s) match {name}")


def register(app: typer.Typer) -> None:
    app.add_typer(schema_app, name="schema")
