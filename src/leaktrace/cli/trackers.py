"""`leaktrace trackers`: watch rules from the shell (the same service functions the trackers page calls)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import shell_principal
from leaktrace.core.errors import InputError

trackers_app = typer.Typer(help="Trackers (watch rules) run on every new capture: add, edit, list, retro-hunt.",
                           no_args_is_help=True)


def _spec(file: Path | None, terms: list[str], regex: list[str], brands: list[str], yara: Path | None,
          categories: list[str], provinces: list[str], min_records: int | None, min_price: float | None,
          max_price: float | None, currency: str | None, org: str | None) -> dict[str, Any] | None:
    doc: dict[str, Any] = {}
    if file is not None:
        try:
            doc = json.loads(file.read_text("utf-8"))
        except FileNotFoundError:
            raise InputError(f"{file}: no such tracker file") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{file}: not a JSON tracker spec ({exc})") from None
        if not isinstance(doc, dict):
            raise InputError(f"{file}: expected a JSON object")
    for key, val in (("terms", terms), ("regex", regex), ("brands", brands), ("categories", categories),
                     ("provinces", provinces)):
        if val:
            doc[key] = list(doc.get(key) or []) + list(val)
    if yara is not None:
        try:
            doc["yara"] = yara.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{yara}: cannot read the YARA rules ({exc})") from None
    for key, val in (("min_records", min_records), ("min_price", min_price), ("max_price", max_price),
                     ("currency", currency), ("org", org)):
        if val is not None:
            doc[key] = val
    return doc or None


_FILE = typer.Option(None, "--file", help="A JSON spec: {terms, brands, org, regex, yara, categories, provinces, "
                                          "min_records, min_price, max_price, currency}.")
_TERM = typer.Option([], "--term", help="A term (Chinese or English), matched after intel's folding. Repeatable.")
_REGEX = typer.Option([], "--regex", help="An RE2 pattern (linear time; no backreferences). Repeatable.")
_BRAND = typer.Option([], "--brand", help="An organisation's brand name. Repeatable.")
_YARA = typer.Option(None, "--yara", help="A file of YARA rules, run with a timeout.")
_CAT = typer.Option([], "--category", help="Fire only for this intel category. Repeatable.")
_PROV = typer.Option([], "--province", help="Fire only for listings naming this province. Repeatable.")


@trackers_app.command("add")
def add_cmd(
    name: str = typer.Argument(..., help="A unique name."),
    file: Path | None = _FILE, term: list[str] = _TERM, regex: list[str] = _REGEX, brand: list[str] = _BRAND,
    yara: Path | None = _YARA, category: list[str] = _CAT, province: list[str] = _PROV,
    min_records: int | None = typer.Option(None, "--min-records"),
    min_price: float | None = typer.Option(None, "--min-price"),
    max_price: float | None = typer.Option(None, "--max-price"),
    currency: str | None = typer.Option(None, "--currency"),
    org: str | None = typer.Option(None, "--org", help="The organisation whose brands and canaries this watches."),
    priority: int = typer.Option(1, "--priority", help="0 low, 1 normal, 2 high (3 is kept for canaries)."),
    disabled: bool = typer.Option(False, "--disabled", help="Save without running it yet."),
    json_out: bool = typer.Option(False, "--json", help="Print the tracker as JSON."),
) -> None:
    """Save a tracker; it runs on every new capture from now on (retro-hunt it for the past)."""
    from leaktrace.service.trackers import create_tracker

    spec = _spec(file, term, regex, brand, yara, category, province, min_records, min_price, max_price, currency, org)
    view = create_tracker(cli_context(), shell_principal(), name, spec or {}, priority=priority, enabled=not disabled)
    _print(view, json_out)


@trackers_app.command("edit")
def edit_cmd(
    tracker_id: int = typer.Argument(...),
    name: str | None = typer.Option(None, "--name"),
    file: Path | None = _FILE, term: list[str] = _TERM, regex: list[str] = _REGEX, brand: list[str] = _BRAND,
    yara: Path | None = _YARA, category: list[str] = _CAT, province: list[str] = _PROV,
    min_records: int | None = typer.Option(None, "--min-records"),
    min_price: float | None = typer.Option(None, "--min-price"),
    max_price: float | None = typer.Option(None, "--max-price"),
    currency: str | None = typer.Option(None, "--currency"),
    org: str | None = typer.Option(None, "--org"),
    priority: int | None = typer.Option(None, "--priority"),
    enable: bool | None = typer.Option(None, "--enable/--disable"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Change a tracker; a rule given here replaces the whole rule (a new version)."""
    from leaktrace.service.trackers import update_tracker

    spec = _spec(file, term, regex, brand, yara, category, province, min_records, min_price, max_price, currency, org)
    view = update_tracker(cli_context(), shell_principal(), tracker_id, name=name, spec=spec, priority=priority,
                          enabled=enable)
    _print(view, json_out)


@trackers_app.command("list")
def list_cmd(json_out: bool = typer.Option(False, "--json", help="One JSON object per tracker.")) -> None:
    """Every tracker with its alert count."""
    from leaktrace.service.trackers import list_trackers

    for v in list_trackers(cli_context(), shell_principal()):
        _print(v, json_out)


@trackers_app.command("retrohunt")
def retrohunt_cmd(
    tracker_id: int = typer.Argument(...),
    wait: bool = typer.Option(False, "--wait", help="Run it here and now instead of leaving it to the workers."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Run a tracker over every stored capture as a background job (progress: `trackers status`)."""
    from leaktrace.service.trackers import (
        RETROHUNT_KIND,
        job_handlers,
        retrohunt_status,
        start_retrohunt,
    )
    from leaktrace.service.worker import Worker
    from leaktrace.store.repo.jobs import JobQueue

    ctx, who = cli_context(), shell_principal()
    job_id = start_retrohunt(ctx, who, tracker_id)
    if wait:
        handlers = job_handlers(ctx)
        Worker(JobQueue(ctx.sessions), {RETROHUNT_KIND: handlers[RETROHUNT_KIND]}, "cli-retrohunt").drain()
    _status(retrohunt_status(ctx, who, tracker_id), tracker_id, job_id, json_out)


@trackers_app.command("status")
def status_cmd(tracker_id: int = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """The tracker's last retro-hunt: state and progress."""
    from leaktrace.service.trackers import retrohunt_status

    view = retrohunt_status(cli_context(), shell_principal(), tracker_id)
    if view is None:
        raise InputError(f"tracker {tracker_id}: never retro-hunted")
    _status(view, tracker_id, view.id, json_out)


def _status(view: Any, tracker_id: int, job_id: int, json_out: bool) -> None:
    doc = {"tracker_id": tracker_id, "job_id": job_id, "state": view.state if view else "queued",
           "done": view.progress_done if view else 0, "total": view.progress_total if view else None,
           "result": view.result if view else None}
    if json_out:
        typer.echo(json.dumps(doc, ensure_ascii=False))
    else:
        total = doc["total"] if doc["total"] is not None else "?"
        typer.echo(f"retro-hunt job {job_id}: {doc['state']}, {doc['done']}/{total} posts"
                   + (f", {doc['result']['alerts']} alerts" if doc["result"] else ""))


def _print(view: Any, json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(view.to_json(), ensure_ascii=False))
    else:
        state = "on" if view.enabled else "off"
        typer.echo(f"{view.id}  {view.name}  v{view.version}  {state}  priority {view.priority}  "
                   f"{view.alerts} alerts  {json.dumps(view.spec, ensure_ascii=False)[:120]}")


def register(app: typer.Typer) -> None:
    app.add_typer(trackers_app, name="trackers")
