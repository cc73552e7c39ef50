"""`leaktrace health`, `backup`, `restore`, `retention`: keeping a deployment running and recoverable."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import shell_principal
from leaktrace.core.errors import IntegrityError

retention_app = typer.Typer(help="How long each source's captures are kept when no case holds them.",
                            no_args_is_help=True)


def backup_cmd(
    out: Path = typer.Argument(..., help="A new folder for the backup (or, with --verify, an existing backup)."),
    verify: bool = typer.Option(False, "--verify", help="Only check an existing backup against its manifest."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Back up the store, evidence blobs, custody and audit logs; the copy is read back and verified."""
    from leaktrace.service.backup import backup, verify_backup

    if verify:
        check = verify_backup(out)
        doc = {"path": str(out), "verified": check.verified, "revision": check.manifest.get("revision"),
               "problems": check.problems}
        typer.echo(json.dumps(doc, ensure_ascii=False) if json_out else
                   (f"{out}: verified" if check.verified else f"{out}: {len(check.problems)} problem(s): "
                    + "; ".join(check.problems[:5])))
        if not check.verified:
            raise IntegrityError(f"{out}: backup does not match its manifest: {check.problems[0]}")
        return
    rep = backup(cli_context(), shell_principal(), out)
    if json_out:
        typer.echo(json.dumps(rep.to_json(), ensure_ascii=False))
    else:
        typer.echo(f"{out}: {sum(rep.tables.values())} rows in {len(rep.tables)} tables, {rep.files} files "
                   f"({rep.bytes} bytes); {'verified' if rep.verified else 'NOT verified: ' + rep.problems[0]}")
    if not rep.verified:
        raise IntegrityError(f"{out}: the backup read back does not match its manifest: {rep.problems[0]}")


def restore_cmd(
    src: Path = typer.Argument(..., help="A backup folder written by `leaktrace backup`."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Restore a backup into an empty store and data directory, then verify the custody and audit chains."""
    from leaktrace.service.backup import restore

    rep = restore(cli_context(), shell_principal(), src)
    if json_out:
        typer.echo(json.dumps(rep.to_json(), ensure_ascii=False))
    else:
        typer.echo(f"restored {sum(rep.tables.values())} rows and {rep.files} files; custody entries "
                   f"{rep.custody_entries}, audit entries {rep.audit_entries}; "
                   + ("verified" if rep.verified else "PROBLEMS: " + "; ".join(rep.problems[:5])))
    if not rep.verified:
        raise IntegrityError(f"{src}: restored, but verification found {len(rep.problems)} problem(s)")


def health_cmd(json_out: bool = typer.Option(False, "--json")) -> None:
    """The same checks as the console's /healthz; exit 1 when degraded."""
    from leaktrace.core.errors import LeaktraceError
    from leaktrace.service.ops import health

    doc = health(cli_context())
    typer.echo(json.dumps(doc) if json_out else f"{doc['status']}: " + ", ".join(f"{k} {v}" for k, v in
                                                                                 doc["checks"].items()))
    if doc["status"] != "ok":
        raise LeaktraceError("health: degraded")


@retention_app.command("set")
def retention_set(
    source: str = typer.Argument(..., help="The source's name."),
    days: int | None = typer.Option(None, "--days", help="Keep captures this many days."),
    forever: bool = typer.Option(False, "--forever", help="Remove the rule: keep everything (the default)."),
) -> None:
    from leaktrace.core.errors import InputError
    from leaktrace.service.retention import set_rule

    if (days is None) == (not forever):
        raise InputError("give one of --days N or --forever")
    set_rule(cli_context(), shell_principal(), source, None if forever else days)
    typer.echo(f"{source}: " + ("kept forever" if forever else f"captures kept {days} days unless in a case"))


@retention_app.command("list")
def retention_list() -> None:
    from leaktrace.service.retention import rules

    for name, days in sorted(rules(cli_context()).items()):
        typer.echo(f"{name}\t{days} days")


@retention_app.command("run")
def retention_run(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what would go; delete nothing."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Expire captures past their source's rule (cases hold theirs); each deletion goes into the custody log."""
    from leaktrace.service.retention import run

    rep = run(cli_context(), shell_principal(), dry_run=dry_run)
    if json_out:
        typer.echo(json.dumps(rep.to_json(), ensure_ascii=False))
    else:
        verb = "would expire" if dry_run else "expired"
        typer.echo(f"{verb} {rep.expired_captures} captures ({rep.expired_blobs} blobs, {rep.bytes} bytes); "
                   f"{rep.held} held by cases")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
    app.command("health")(health_cmd)
    app.add_typer(retention_app, name="retention")
