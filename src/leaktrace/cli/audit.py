"""`leaktrace audit`: read, check and export the console's audit log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import shell_principal
from leaktrace.core.errors import IntegrityError

audit_app = typer.Typer(help="The audit log: who logged in, unmasked, searched, exported and changed accounts.",
                        no_args_is_help=True)

_ACTOR = typer.Option(None, "--actor", help="Only this account (e.g. ana, shell:root, unknown).")
_ACTION = typer.Option(None, "--action", help="Only this action; a trailing * matches a prefix (login.*).")
_SINCE = typer.Option(None, "--since", help="From this ISO date or time (UTC unless it says otherwise).")
_UNTIL = typer.Option(None, "--until", help="Before this ISO date or time.")


@audit_app.command("show")
def show_cmd(
    actor: str | None = _ACTOR, action: str | None = _ACTION, since: str | None = _SINCE, until: str | None = _UNTIL,
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many entries, newest first."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per entry."),
) -> None:
    """The newest entries matching the filters."""
    from leaktrace.service.audit import query

    entries = query(cli_context(), actor=actor, action=action, since=since, until=until, limit=limit)
    if json_out:
        for e in entries:
            typer.echo(json.dumps(e.to_json(), ensure_ascii=False, sort_keys=True))
        return
    table = Table(title="audit log")
    for col in ("seq", "time", "actor", "client", "action", "target", "reason"):
        table.add_column(col, overflow="fold")
    for e in entries:
        table.add_row(str(e.seq), e.time[:19].replace("T", " "), e.actor, e.client, e.action, e.target, e.reason or "")
    Console().print(table)


@audit_app.command("verify")
def verify_cmd(json_out: bool = typer.Option(False, "--json", help="Print the verdict as JSON.")) -> None:
    """Check the whole hash chain, every signature and the signed head; exit 4 at the first broken entry."""
    from leaktrace.service.audit import verify

    verdict = verify(cli_context())
    if json_out:
        typer.echo(json.dumps(verdict.to_json()))
    if not verdict.ok:
        raise IntegrityError(f"audit log: entry {verdict.first_bad_seq}: {verdict.problem}")
    if not json_out:
        head = f"; head {verdict.entries}:{verdict.head}" if verdict.head else ""
        typer.echo(f"ok: {verdict.entries} audit entries, chain and signatures verified{head}")


@audit_app.command("export")
def export_cmd(
    out: Path | None = typer.Option(None, "-o", "--out", help="Write here (0600, whole or not at all); default stdout."),
    actor: str | None = _ACTOR, action: str | None = _ACTION, since: str | None = _SINCE, until: str | None = _UNTIL,
) -> None:
    """Matching entries, oldest first, as JSON lines with their hashes and signatures (the export is audited)."""
    from leaktrace.core.private_files import write_private_text
    from leaktrace.service import audit

    ctx = cli_context()
    buf = io.StringIO()
    n = audit.export(ctx, buf, actor=actor, action=action, since=since, until=until)
    filters = {k: v for k, v in (("actor", actor), ("action", action), ("since", since), ("until", until)) if v}
    audit.record(ctx, shell_principal(), "audit.export", f"file:{out.name}" if out else "stdout",
                 detail={"entries": n, **filters})
    if out is None:
        typer.echo(buf.getvalue(), nl=False)
        return
    write_private_text(out, buf.getvalue())
    typer.echo(f"wrote {n} entries to {out}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
