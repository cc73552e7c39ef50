"""`leaktrace sources`: sources under online inspection (the same service functions as the console page).

add (register and schedule), list (last run, pages, new captures, errors,
next run), pause, resume, run (now), accept or reject a proposed mirror,
history (a listing's versions as diffs).
"""

from __future__ import annotations

from pathlib import Path

import typer

from leaktrace.cli.context import cli_context
from leaktrace.cli.operator import shell_principal

sources_app = typer.Typer(help="Sources under online inspection: add, list, pause, resume, run now, accept "
                               "or reject proposed mirrors, listing history.", no_args_is_help=True)


def _when(t: object) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t is not None else "-"  # type: ignore[attr-defined]


@sources_app.command("add")
def add_cmd(
    name: str = typer.Argument(..., help="Source name (letters, digits, '.', '_', '-')."),
    profile: str | None = typer.Option(None, "--profile", help="Site profile (name or YAML) of a crawled source."),
    urls: list[str] = typer.Option([], "--url", help="Start URL (repeat); its host is in scope."),
    inbox: Path | None = typer.Option(None, "--inbox", help="Folder where Telegram exports are dropped "
                                      "(makes a telegram_inbox source)."),
    interval: int | None = typer.Option(None, "--interval", min=1, help="Seconds between runs."),
    cron: str | None = typer.Option(None, "--cron", help="Five-field cron expression in UTC instead of --interval."),
    legal_basis: str | None = typer.Option(None, "--legal-basis", help="Legal basis (needed for a new source)."),
    owner: str | None = typer.Option(None, "--owner", help="Person answerable (needed for a new source)."),
    proxy: str | None = typer.Option(None, "--proxy", help="socks5h://HOST:PORT (default: Tor on 127.0.0.1:9050)."),
    no_proxy: bool = typer.Option(False, "--no-proxy", help="Connect directly (clear-web forums, paste sites)."),
    no_isolate: bool = typer.Option(False, "--no-isolate", help="Share Tor circuits with other sources."),
    delay: float | None = typer.Option(None, "--delay", min=0, help="Seconds between requests to one host."),
    concurrency: int | None = typer.Option(None, "--concurrency", min=1, max=64, help="Requests in flight per host."),
    max_pages: int | None = typer.Option(None, "--max-pages", min=1, help="Stop a run after this many pages."),
    username: str | None = typer.Option(None, "--username", help="Login name for the site."),
    password_env: str | None = typer.Option(None, "--password-env",
                                            help="Environment variable holding the password, read by the worker."),
    down_after: int | None = typer.Option(None, "--down-after", min=1,
                                          help="Seconds a source may fail before a source_down alert (3600)."),
    screenshots: bool | None = typer.Option(None, "--screenshots/--no-screenshots",
                                            help="Queue a rendering of each listing/seller page a run captures."),
) -> None:
    """Register a source (or change its schedule) and put it under inspection; the first run is due now."""
    from leaktrace.service.sources import add

    kind = "telegram_inbox" if inbox is not None else "crawl"
    view = add(cli_context(), shell_principal(), name, source_kind="chat_export" if inbox else "market",
               legal_basis=legal_basis, owner=owner, **{
                   "kind": kind, "profile": profile, "start_urls": list(urls) or None,
                   "inbox": str(inbox.resolve()) if inbox else None, "interval_s": interval, "cron": cron,
                   "proxy": proxy, "no_proxy": no_proxy or None, "isolate": False if no_isolate else None,
                   "delay_s": delay, "concurrency": concurrency, "max_pages": max_pages, "username": username,
                   "password_env": password_env, "down_after_s": down_after, "screenshots": screenshots})
    typer.echo(f"source {view.name}: {view.state}, {view.schedule}, next run {_when(view.next_run_at)}")


@sources_app.command("list")
def list_cmd(
    state: list[str] = typer.Option([], "--state", help="Only these states (active, paused, proposed, rejected)."),
    json_out: bool = typer.Option(False, "--json", help="One JSON object per source (schema source-view)."),
) -> None:
    """Each source: state, schedule, last run (status, pages, new captures, errors), next run."""
    import json

    from leaktrace.service.sources import sources

    rows = sources(cli_context(), shell_principal(), list(state) or None)
    if json_out:
        for v in rows:
            typer.echo(json.dumps(v.as_dict(), ensure_ascii=False))
        return
    if not rows:
        typer.echo("no sources under inspection; add one with `leaktrace sources add`")
        return
    for v in rows:
        line = (f"{v.name}  {v.state}  {v.schedule}  last {_when(v.last_run_at)} {v.last_status or '-'}: "
                f"{v.pages} pages, {v.new_captures} new captures, {v.errors} errors; next {_when(v.next_run_at)}"
                f"{'; screenshots' if v.screenshots else ''}")
        if v.proposed_from:
            line += f"  (mirror of {v.proposed_from}: {v.start_urls[0] if v.start_urls else '-'})"
        if v.last_error:
            line += f"\n    error: {v.last_error[:300]}"
        typer.echo(line)


def _act(name: str, action: str, legal_basis: str | None = None, owner: str | None = None) -> None:
    from leaktrace.service.sources import act

    v = act(cli_context(), shell_principal(), name, action, legal_basis=legal_basis, owner=owner)
    typer.echo(f"source {v.name}: {v.state}; next run {_when(v.next_run_at)}")


@sources_app.command("pause")
def pause_cmd(name: str = typer.Argument(...)) -> None:
    """Stop scheduling runs of the source (a run in progress finishes)."""
    _act(name, "pause")


@sources_app.command("resume")
def resume_cmd(name: str = typer.Argument(...)) -> None:
    """Schedule the source again; a run that fell due while paused runs now."""
    _act(name, "resume")


@sources_app.command("run")
def run_cmd(name: str = typer.Argument(...)) -> None:
    """Make the source due now (the scheduler queues its run within a second)."""
    _act(name, "run")


@sources_app.command("accept")
def accept_cmd(
    name: str = typer.Argument(..., help="A proposed mirror (see `sources list --state proposed`)."),
    legal_basis: str | None = typer.Option(None, "--legal-basis", help="Default: the parent source's."),
    owner: str | None = typer.Option(None, "--owner", help="Default: the parent source's."),
) -> None:
    """Accept a proposed mirror: it gets a legal basis and owner and is crawled from now on."""
    _act(name, "accept", legal_basis, owner)


@sources_app.command("reject")
def reject_cmd(name: str = typer.Argument(...)) -> None:
    """Reject a proposed mirror: it is never crawled and not proposed again."""
    _act(name, "reject")


@sources_app.command("history")
def history_cmd(post_id: int = typer.Argument(..., help="Listing (post) id.")) -> None:
    """Every version of a listing: when seen, what changed (old -> new), the capture holding it."""
    from leaktrace.service.sources import history

    post, versions = history(cli_context(), shell_principal(), post_id)
    typer.echo(f"listing {post.id} {post.url}")
    for v in versions:
        diff = "; ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in sorted(v.changes.items()))
        typer.echo(f"  v{v.n} {_when(v.seen_at)} {v.kind} capture {v.capture_id or '-'}  {diff}")


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")
