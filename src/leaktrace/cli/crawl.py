"""`leaktrace crawl PROFILE --url URL ...`: crawl (or watch) a site through a SOCKS5h proxy.

Thin over pipeline.crawl: flags become CrawlOptions, a Rich line shows
progress on stderr, the report goes to stdout (JSON with --json). The
password comes from --password-env (an environment variable) or a hidden
prompt, never from the command line, so it stays out of shell history.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from pathlib import Path

import typer
from rich.console import Console

from leaktrace.cli.context import cli_context
from leaktrace.collect.captcha import CaptchaChallenge
from leaktrace.collect.fetch import host_key
from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import load_profile
from leaktrace.collect.watch import load_terms
from leaktrace.core.errors import ConfigError
from leaktrace.core.private_files import private_dir
from leaktrace.pipeline.crawl import CrawlOptions, CrawlReport, explain_idle, run_crawl, watch

err = Console(stderr=True, highlight=False)


async def _prompt_captcha(ch: CaptchaChallenge) -> str | None:
    """Save the CAPTCHA image in the data directory and ask on the terminal (the crawl waits)."""
    where = ""
    if ch.image:
        folder = cli_context().data_dir / "captcha"
        private_dir(folder)  # mkstemp makes the file itself 0600
        suffix = ".png" if (ch.image_type or "").endswith("png") else ".img"
        fd, name = tempfile.mkstemp(dir=folder, prefix="captcha-", suffix=suffix)
        with os.fdopen(fd, "wb") as fh:
            fh.write(ch.image)
        where = f" (image saved to {name})"
    err.print(f"login to {ch.host} needs a CAPTCHA{where}", markup=False)
    answer = await asyncio.to_thread(typer.prompt, "CAPTCHA answer (empty to give up)", default="",
                                     show_default=False, err=True)
    return answer.strip() or None


def _drain(options: CrawlOptions, report: CrawlReport) -> dict | None:
    """Run the render/OCR jobs this crawl queued (no service needed), after the crawl: never during it."""
    media = report.media or {}
    if not (media.get("ocr_queued") or media.get("render_queued")):
        return None
    from leaktrace.collect.proxy import resolve_proxy
    from leaktrace.pipeline.render_runtime import RenderRuntime
    from leaktrace.service.media import drain_media

    ctx = cli_context()
    runtime = None
    if media.get("render_queued"):
        runtime = RenderRuntime(ctx.evidence, proxy=resolve_proxy(options.proxy, options.no_proxy),
                                hosts=frozenset(host_key(u) for u in options.start_urls),
                                limits=options.profile.limits.model_copy(
                                    update={"timeout_s": min(options.profile.limits.timeout_s,
                                                             options.profile.render.timeout_s)}))
    try:
        with err.status("rendering and reading pictures (queued jobs)"):
            done = drain_media(ctx, runtime, workers=options.media_workers)
    finally:
        if runtime is not None:
            runtime.close()
    return {**done.as_dict(), "render_per_s": round(done.rate("render"), 3), "ocr_per_s": round(done.rate("ocr"), 3)}


def _print(report: CrawlReport, json_out: bool, drained: dict | None = None) -> None:
    if json_out:
        typer.echo(json.dumps({**report.as_dict(), **({"media_drain": drained} if drained else {})},
                              ensure_ascii=False))
        return
    s = report.stats
    typer.echo(f"round {report.round}: {s.fetched} pages in {report.seconds:.1f} s ({report.pages_per_s:.1f}/s), "
               f"{s.new_captures} new captures, {s.new_posts} new and {s.changed_posts} changed listings, "
               f"{s.failed} failed, {len(report.alerts)} alerts")
    typer.echo(f"frontier: {json.dumps(report.frontier)}" + (f"  recovered: {json.dumps(report.recovered)}"
                                                               if any(report.recovered.values()) else ""))
    if s.skipped:
        typer.echo(f"skipped: {json.dumps(dict(s.skipped), ensure_ascii=False)}")
    if report.media and any(report.media.values()):
        m = report.media
        typer.echo(f"pictures: {m['pictures']} sealed, {m['pictures_failed']} not got (recorded); queued: "
                   f"{m['ocr_queued']} OCR, {m['render_queued']} renderings")
    if drained:
        for kind, states in drained["jobs"].items():
            typer.echo(f"{kind} jobs: {json.dumps(states)} in {drained['seconds']:.1f} s "
                       f"({drained[f'{kind}_per_s']:.2f}/s); failures are recorded in custody and on the listing")


def crawl(
    profile: str = typer.Argument(None, help="Profile name (generic-forum, simulated-market) or YAML file."),
    profile_opt: str | None = typer.Option(None, "--profile", help="Same as the PROFILE argument."),
    urls: list[str] = typer.Option([], "--url", help="Start URL; its host is in scope (repeat for several)."),
    source: str = typer.Option(..., "--source", help="Source name in the store (needs legal basis and owner)."),
    legal_basis: str | None = typer.Option(None, "--legal-basis", help="Register a new source with this basis."),
    owner: str | None = typer.Option(None, "--owner", help="Person answerable for a new source."),
    proxy: str | None = typer.Option(None, "--proxy", help="socks5h://HOST:PORT (default: Tor, socks5h://127.0.0.1:9050)."),
    no_proxy: bool = typer.Option(False, "--no-proxy", help="Connect directly, on purpose (tests, clearnet)."),
    username: str | None = typer.Option(None, "--username", help="Login name for the site(s)."),
    password_env: str | None = typer.Option(None, "--password-env", help="Environment variable with the password."),
    concurrency: int | None = typer.Option(None, "--concurrency", min=1, max=64, help="Requests in flight per host."),
    delay: float | None = typer.Option(None, "--delay", min=0, help="Seconds between requests to one host."),
    max_pages: int | None = typer.Option(None, "--max-pages", min=1, help="Stop after this many pages."),
    tor_control_port: int | None = typer.Option(None, "--tor-control-port", help="Ask Tor for NEWNYM on failures."),
    tor_password_env: str | None = typer.Option(None, "--tor-password-env", help="Env variable: control password."),
    watch_mode: bool = typer.Option(False, "--watch", help="Recrawl on a schedule; record changes, send alerts."),
    interval: float = typer.Option(3600.0, "--interval", help="Seconds between watch rounds."),
    rounds: int | None = typer.Option(None, "--rounds", min=1, help="Watch rounds (default: until Ctrl-C)."),
    terms: list[str] = typer.Option([], "--watch-term", help="Alert when a new/changed listing names this."),
    watch_list: Path | None = typer.Option(None, "--watch-list", help="File of watch-list terms, one a line."),
    webhook: str | None = typer.Option(None, "--webhook", help="URL that receives alerts as JSON POSTs."),
    collector: str = typer.Option("leaktrace-crawler", "--collector", help="Collector name in custody."),
    json_out: bool = typer.Option(False, "--json", help="Print each round's report as one JSON line."),
    screenshots: bool = typer.Option(False, "--screenshots", help="Also render listing/seller pages in headless "
                                     "Chromium (queued; all its requests go through the crawler and the proxy)."),
    no_pictures: bool = typer.Option(False, "--no-pictures", help="Do not fetch the pictures of listing pages."),
    media_workers: int = typer.Option(2, "--media-workers", min=1, max=16,
                                      help="Threads running the queued render/OCR jobs after the crawl."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log skipped pages and retries."),
) -> None:
    """Crawl a site described by PROFILE from --url through a SOCKS5h proxy into evidence and the store."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")
    ref = profile_opt or profile
    if not ref:
        raise ConfigError("give a PROFILE (name or YAML file) or --profile")
    if not urls:
        raise ConfigError("give at least one --url to start from")
    prof = load_profile(ref)
    creds: dict[str, Credentials] = {}
    if username:
        password = os.environ.get(password_env, "") if password_env else ""
        if password_env and not password:
            raise ConfigError(f"--password-env {password_env}: the variable is not set")
        if not password:
            password = typer.prompt(f"password for {username}", hide_input=True, err=True)
        creds = {host_key(u): Credentials(username, password) for u in urls}
    options = CrawlOptions(
        legal_basis=legal_basis, owner=owner,  # a new source is registered by the crawl, undone if it fails
        profile=prof, source=source, start_urls=urls, proxy=proxy, no_proxy=no_proxy, credentials=creds,
        concurrency=concurrency, delay_s=delay, max_pages=max_pages, collector=collector,
        tor_control_port=tor_control_port,
        tor_password=os.environ.get(tor_password_env) if tor_password_env else None,
        captcha=_prompt_captcha, terms=load_terms(terms, watch_list), webhook=webhook, screenshots=screenshots,
        pictures=not no_pictures, media_workers=media_workers,
    )
    ctx = cli_context()
    if watch_mode:
        watch(options, interval_s=interval, rounds=rounds, ctx=ctx,
              on_round=lambda r: _print(r, json_out, _drain(options, r)))
        return
    with err.status("crawling") as status:
        def on_page(stats: object) -> None:
            s = stats  # CrawlStats
            status.update(f"crawling: {s.fetched} pages, {s.new_captures} new captures, "  # type: ignore[attr-defined]
                          f"{s.failed} failed")  # type: ignore[attr-defined]

        report = run_crawl(options, ctx, on_page=on_page if not json_out else None)
    _print(report, json_out, _drain(options, report))
    idle = None if json_out else explain_idle(ctx, report)
    if idle:
        typer.echo(idle)


def register(app: typer.Typer) -> None:
    app.command("crawl")(crawl)



def main(argv: list[str] | None = None) -> int:
    """`python -m leaktrace.cli.crawl ...`: the crawl command alone, without importing every stage.

    Same arguments and exit codes as `leaktrace crawl`; used where start-up
    time matters (cron-driven watch rounds, the resume test).
    """
    import sys

    from leaktrace.core.errors import LeaktraceError

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(crawl)
    try:
        app(args=argv if argv is not None else sys.argv[1:], standalone_mode=False)
    except LeaktraceError as exc:
        err.print(f"leaktrace: error: {exc}", markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("leaktrace: interrupted", markup=False)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
