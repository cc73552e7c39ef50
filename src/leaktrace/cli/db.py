"""`leaktrace db`: bring the database schema up to date and say which revision it is at."""

from __future__ import annotations

import json

import typer

from leaktrace.cli.context import cli_context
from leaktrace.store.engine import describe
from leaktrace.store.migrate import check, current, head, upgrade

db_app = typer.Typer(help="Create or upgrade the database schema (SQLite by default, PostgreSQL by URL).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_cmd(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)."),
    json_out: bool = typer.Option(False, "--json", help="Print {database, before, after} as JSON."),
) -> None:
    """Apply the migrations shipped with this version; safe to run repeatedly."""
    engine = cli_context(migrate=False).engine
    try:
        before, after = upgrade(engine, revision)
    finally:
        engine.dispose()
    if json_out:
        typer.echo(json.dumps({"database": describe(engine), "before": before, "after": after}))
    elif before == after:
        typer.echo(f"{describe(engine)}: already at {after}")
    else:
        typer.echo(f"{describe(engine)}: upgraded {before or '<empty>'} -> {after}")


@db_app.command("current")
def current_cmd(
    json_out: bool = typer.Option(False, "--json", help="Print {database, current, head, up_to_date, drift} as JSON."),
) -> None:
    """Print the revision the database is at (and whether it is the newest)."""
    engine = cli_context(migrate=False).engine
    try:
        rev = current(engine)
        drift = [repr(d) for d in check(engine)] if rev is not None and rev == head() else []
    finally:
        engine.dispose()
    newest = head()
    if json_out:
        typer.echo(json.dumps({
            "database": describe(engine), "current": rev, "head": newest,
            "up_to_date": rev == newest and not drift, "drift": drift,
        }))
        return
    typer.echo(rev or "<empty>")
    if rev != newest:
        typer.echo(f"newest is {newest}: run 'leaktrace db upgrade'", err=True)
    for d in drift:
        typer.echo(f"schema differs from models: {d}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
