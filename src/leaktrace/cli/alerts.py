"""`leaktrace alerts`: the alert queue, organisation notices and notification choices from the shell."""

from __future__ import annotations

import json
from typing import Any

import typer

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import shell_principal

alerts_app = typer.Typer(help="Alerts from trackers, canaries and site outages: list, acknowledge, dismiss, "
                              "escalate; notices; notifications.", no_args_is_help=True)


@alerts_app.command("list")
def list_cmd(
    state: str | None = typer.Option(None, "--state", help="new, acknowledged, dismissed or escalated."),
    kind: str | None = typer.Option(None, "--kind", help="tracker, canary or source_down."),
    tracker: int | None = typer.Option(None, "--tracker"),
    min_priority: int | None = typer.Option(None, "--min-priority", help="0 low .. 3 critical."),
    actor: str | None = typer.Option(None, "--actor", help="A seller handle."),
    limit: int = typer.Option(100, "--limit"),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per alert."),
) -> None:
    """Alerts, highest priority and newest first."""
    from leaktrace.service.alerts import list_alerts

    rows, _ = list_alerts(cli_context(), shell_principal(), state=state, kind=kind, tracker_id=tracker,
                          min_priority=min_priority, actor=actor, limit=limit)
    for a in rows:
        _print(a, json_out)


@alerts_app.command("show")
def show_cmd(alert_id: int = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    from leaktrace.service.alerts import get_alert

    _print(get_alert(cli_context(), shell_principal(), alert_id), json_out)


@alerts_app.command("ack")
def ack_cmd(alert_id: int = typer.Argument(...), json_out: bool = typer.Option(False, "--json")) -> None:
    """Acknowledge: someone is on it; notifications not yet sent are cancelled."""
    from leaktrace.service.alerts import acknowledge

    _print(acknowledge(cli_context(), shell_principal(), alert_id), json_out)


@alerts_app.command("dismiss")
def dismiss_cmd(alert_id: int = typer.Argument(...),
                reason: str = typer.Option(..., "--reason", help="Why it is not of interest (required)."),
                json_out: bool = typer.Option(False, "--json")) -> None:
    from leaktrace.service.alerts import dismiss

    _print(dismiss(cli_context(), shell_principal(), alert_id, reason), json_out)


@alerts_app.command("escalate")
def escalate_cmd(alert_id: int = typer.Argument(...),
                 case: str = typer.Option(..., "--case", help="The case to add the listing to."),
                 json_out: bool = typer.Option(False, "--json")) -> None:
    """Add the alert's listing to a case (the same case-add as the feed) and mark the alert escalated."""
    from leaktrace.service.alerts import escalate

    _print(escalate(cli_context(), shell_principal(), alert_id, case), json_out)


@alerts_app.command("notices")
def notices_cmd(
    release: int | None = typer.Option(None, "--release", help="Release this held notice to its organisation."),
    state: str | None = typer.Option(None, "--state", help="held or released."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per notice."),
) -> None:
    """Organisations' canary notices: canary id, source and time, held until a supervisor releases them."""
    from leaktrace.service.alerts import list_notices, release_notice

    ctx, who = cli_context(), shell_principal()
    views = [release_notice(ctx, who, release)] if release is not None else list_notices(ctx, who, state=state)
    for n in views:
        if json_out:
            typer.echo(json.dumps(n.to_json(), ensure_ascii=False))
        else:
            typer.echo(f"{n.id}  {n.state:8}  {n.org}  canary {n.canary_id}  on {n.source}  "
                       f"at {n.seen_at:%Y-%m-%d %H:%M:%S}Z")


@alerts_app.command("subscribe")
def subscribe_cmd(
    user: str = typer.Option(..., "--user", help="The account the notifications are for."),
    email: str | None = typer.Option(None, "--email", help="Send to this address (SMTP: setting smtp_host)."),
    webhook: str | None = typer.Option(None, "--webhook", help="POST signed JSON to this URL."),
    min_priority: int = typer.Option(0, "--min-priority", help="0 low .. 3 critical (canaries)."),
    kind: list[str] = typer.Option([], "--kind", help="tracker, canary, source_down (repeatable; default all)."),
    tracker: list[int] = typer.Option([], "--tracker", help="Only these trackers (repeatable; default all)."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Choose which alerts reach a user and where; a webhook's HMAC secret is printed once."""
    from leaktrace.core.errors import InputError
    from leaktrace.service.notify import subscribe

    if (email is None) == (webhook is None):
        raise InputError("give one of --email or --webhook")
    channel, target = ("email", email) if email is not None else ("webhook", webhook)
    view, secret = subscribe(cli_context(), shell_principal(), channel, target or "", min_priority=min_priority,
                             kinds=kind, trackers=tracker, username=user)
    doc = {**view.to_json(), "secret": secret}
    if json_out:
        typer.echo(json.dumps(doc, ensure_ascii=False))
    else:
        typer.echo(f"subscription {view.id}: {channel} {view.target} for {view.username}"
                   + (f"; webhook secret (shown once): {secret}" if secret else ""))


@alerts_app.command("deliver")
def deliver_cmd() -> None:
    """Send the notifications due now (for deployments without a running worker), requeuing any stranded."""
    from leaktrace.service.notify import NOTIFY_KIND, requeue_stranded
    from leaktrace.service.trackers import job_handlers
    from leaktrace.service.worker import Worker
    from leaktrace.store.repo.jobs import JobQueue

    ctx = cli_context()
    q = JobQueue(ctx.sessions)
    requeue_stranded(ctx, q)
    ran = Worker(q, {NOTIFY_KIND: job_handlers(ctx)[NOTIFY_KIND]}, "cli-deliver").drain()
    typer.echo(f"{ran} delivery attempts")


@alerts_app.command("share")
def share_cmd(
    alert_id: int | None = typer.Argument(None, help="A confirmed (acknowledged or escalated) alert."),
    case: str | None = typer.Option(None, "--case", help="Push this case's STIX export instead."),
    tlp: str | None = typer.Option(None, "--tlp", help="clear, green, amber, amber+strict (alerts: amber; "
                                                       "cases: the case's own)."),
) -> None:
    """Push a confirmed alert or a case to the TAXII 2.1 collection (setting taxii_url), TLP honoured."""
    from leaktrace.core.errors import InputError
    from leaktrace.service.sharing import push_alert, push_case

    if (alert_id is None) == (case is None):
        raise InputError("give an alert id or --case REF")
    ctx, who = cli_context(), shell_principal()
    got = push_case(ctx, who, case, tlp=tlp) if case is not None else push_alert(ctx, who, alert_id or 0,
                                                                                 tlp=tlp or "amber")
    typer.echo(f"pushed {got['objects']} STIX objects: TAXII status {got['status']}, {got['success']} accepted")


def _print(a: Any, json_out: bool) -> None:
    if json_out:
        typer.echo(json.dumps(a.to_json(), ensure_ascii=False))
    else:
        what = ", ".join(f"{k}={v}" for k, v in a.matched.items() if k not in ("tracker", "version"))
        typer.echo(f"{a.id}  [{a.state}] p{a.priority} {a.rule}  {a.actor or '-'}  {a.listing}  x{a.hits}  {what[:100]}")


def register(app: typer.Typer) -> None:
    app.add_typer(alerts_app, name="alerts")
