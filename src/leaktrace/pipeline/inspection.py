"""One scheduled run of one source: the crawl (or inbox import) a worker does for a "crawl_run" job.

The same path as `leaktrace crawl --watch` and `leaktrace import telegram`
(run_crawl / run_import: evidence, custody, store, intel on each new or
changed post, a "track" job per post version); this module only turns a
stored schedule into their options, judges the outcome (ok, site down,
proxy down), records it on the schedule, proposes mirror addresses, and
asks for the graph to be rebuilt when something changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from leaktrace.collect.fetch import host_key
from leaktrace.collect.login import Credentials
from leaktrace.collect.profile import load_profile
from leaktrace.collect.proxy import check_proxy, resolve_proxy
from leaktrace.core.errors import ConfigError, LeaktraceError
from leaktrace.pipeline.context import Context
from leaktrace.store.models import Source, SourceSchedule
from leaktrace.store.repo import Frontier
from leaktrace.store.repo.jobs import JobQueue
from leaktrace.store.repo.schedules import RunOutcome, propose_mirror, record_run
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)
RUN_KIND = "crawl_run"
DOWN_KIND = "source_down"
GRAPH_KIND = "graph_build"
COLLECTOR = "leaktrace-inspection"
INBOX_DONE = "imported"
PROBE_TIMEOUT_S = 30.0


@dataclass
class RunReport:
    """What a run did, as the job's result and the console's last-run line."""

    source: str
    status: str
    pages: int = 0
    new_captures: int = 0
    new_posts: int = 0
    changed_posts: int = 0
    errors: int = 0
    error: str | None = None
    mirrors: list[str] = field(default_factory=list)
    down_alert: bool = False

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def isolated_proxy(proxy: str | None, source: Source, isolate: bool) -> str | None:
    """Tor stream isolation per source: a SOCKS username/password of its own (IsolateSOCKSAuth).

    Stable per source, so one site keeps its circuit across runs while no two
    sources share one. A proxy URL that already names a user is left as given.
    """
    if proxy is None or not isolate:
        return proxy
    parts = urlsplit(proxy)
    if parts.username:
        return proxy
    token = hashlib.blake2b(f"leaktrace-source|{source.name}".encode(), digest_size=8).hexdigest()
    return urlunsplit((parts.scheme, f"src{source.id}:{token}@{parts.hostname}:{parts.port}", parts.path, "", ""))


def _credentials(sched: SourceSchedule) -> dict[str, Credentials]:
    if not sched.username:
        return {}
    password = os.environ.get(sched.password_env or "", "") if sched.password_env else ""
    if not password:
        raise ConfigError(f"source login {sched.username!r}: environment variable "
                          f"{sched.password_env or '(none given)'} with the password is not set for the worker")
    return {host_key(u): Credentials(sched.username, password) for u in sched.start_urls}


def _load(ctx: Context, source_id: int) -> tuple[Source, SourceSchedule]:
    with ctx.sessions() as s:
        src, sched = s.get(Source, source_id), s.get(SourceSchedule, source_id)
        if src is None or sched is None:
            raise ConfigError(f"source {source_id}: no longer under inspection")
        s.expunge_all()
    return src, sched


def _proxy_down(exc: LeaktraceError) -> bool:
    msg = str(exc)
    return msg.startswith("proxy ") and ("not reachable" in msg or "does not answer" in msg)


def run_source(ctx: Context, source_id: int, *, heartbeat: Callable[[int], object] | None = None) -> RunReport:
    """Run the source once, record the outcome on its schedule, queue follow-up work; never raises for a
    site or proxy that is down (that is an outcome, with back-off), only for a broken store."""
    src, sched = _load(ctx, source_id)
    if sched.state in ("paused", "rejected"):  # paused after its run was queued: the run is dropped
        return RunReport(src.name, "skipped", error=f"source {sched.state}")
    started = utcnow()
    try:
        report = _inbox(ctx, src, sched) if sched.kind == "telegram_inbox" else _crawl(ctx, src, sched, heartbeat)
    except ConfigError as exc:
        report = RunReport(src.name, "proxy_down" if _proxy_down(exc) else "failed", errors=1, error=str(exc))
    except (LeaktraceError, OSError) as exc:
        report = RunReport(src.name, "failed", errors=1, error=f"{type(exc).__name__}: {exc}")
    outcome = RunOutcome(report.status, report.pages, report.new_captures, report.errors, report.error)
    with ctx.sessions.begin() as s:
        row, alert = record_run(s, source_id, started, outcome)
        down_since = row.down_since
        for host in report.mirrors:
            name = propose_mirror(s, source_id, host)
            if name:
                log.info("source %s: proposed mirror %s as %s", src.name, host, name)
    queue = JobQueue(ctx.sessions)
    if alert and down_since is not None:
        report.down_alert = True
        # One per outage; service.trackers raises the site-down alert from it.
        queue.enqueue(DOWN_KIND, {"source_id": source_id, "since": down_since.isoformat(),
                                  "status": report.status},
                      key=f"source:{source_id}:down:{down_since.isoformat()}")
    if report.new_posts or report.changed_posts:
        queue.enqueue(GRAPH_KIND, {}, key="store", again=True)  # coalesces: one rebuild waits at a time
    return report


def probe(urls: list[str], proxy: str | None, timeout_s: float) -> str | None:
    """Why the site looks down (no answer, or 5xx from every start URL), or None when one answers."""
    why = None
    with httpx.Client(proxy=proxy, trust_env=False, follow_redirects=False, timeout=timeout_s) as client:
        for url in urls:
            try:
                resp = client.get(url)
            except httpx.HTTPError as exc:
                why = f"{host_key(url)}: no answer ({type(exc).__name__})"
                continue
            if resp.status_code < 500:
                return None
            why = f"{host_key(url)}: HTTP {resp.status_code}"
    return why


def _crawl(ctx: Context, src: Source, sched: SourceSchedule,
           heartbeat: Callable[[int], object] | None) -> RunReport:
    from leaktrace.pipeline.crawl import CrawlOptions, run_crawl

    frontier = Frontier(ctx.sessions)
    counts = frontier.counts(src.id)
    if not counts.get("claimed"):  # a run that died left claims: resume it (run_crawl settles them) instead
        frontier.requeue_round(src.id, waiting=True)
    proxy = isolated_proxy(resolve_proxy(sched.proxy, sched.no_proxy), src, sched.isolate)
    profile = load_profile(sched.profile or "")
    if proxy:
        check_proxy(proxy)  # ConfigError "proxy ... not reachable": the run's status is proxy_down
    down = probe(list(sched.start_urls), proxy, min(profile.limits.timeout_s, PROBE_TIMEOUT_S))
    if down is not None:  # one request says the site is down: no round of failing retries on every URL
        return RunReport(src.name, "site_down", errors=1, error=down)
    options = CrawlOptions(
        profile=profile, source=src.name, start_urls=list(sched.start_urls),
        proxy=proxy, no_proxy=sched.no_proxy, credentials=_credentials(sched), concurrency=sched.concurrency,
        delay_s=sched.delay_s, max_pages=sched.max_pages, collector=COLLECTOR, find_mirrors=True,
        verify_proxy=False,  # checked above
        screenshots=bool(sched.screenshots),  # queued as render jobs: never run inline, never delay an alert
    )
    on_page = (lambda stats: heartbeat(stats.fetched)) if heartbeat is not None else None  # type: ignore[attr-defined]
    rep = run_crawl(options, ctx, on_page=on_page)
    st = rep.stats
    status = "site_down" if st.fetched == 0 and st.failed > 0 else "ok"
    error = f"{st.failed} pages failed, none fetched" if status == "site_down" else None
    return RunReport(src.name, status, st.fetched, st.new_captures, st.new_posts, st.changed_posts, st.failed,
                     error, rep.mirrors)


def _inbox(ctx: Context, src: Source, sched: SourceSchedule) -> RunReport:
    """Telegram Desktop exports dropped into the inbox folder: each imported once, then moved aside."""
    from leaktrace.collect.importers.telegram import iter_export
    from leaktrace.pipeline.importing import run_import
    from leaktrace.store.repo import require_legal_basis

    require_legal_basis(src)
    inbox = Path(sched.inbox or "")
    if not inbox.is_dir():
        return RunReport(src.name, "failed", errors=1, error=f"inbox {inbox}: no such folder")
    done = inbox / INBOX_DONE
    out = RunReport(src.name, "ok")
    for path in sorted(p for p in inbox.glob("*.json") if p.is_file()):
        try:
            rep = run_import(ctx, iter_export(path, site="telegram"), source=src.name, collector=COLLECTOR)
        except LeaktraceError as exc:
            out.errors += 1
            out.error = f"{path.name}: {exc}"
            continue
        out.pages += 1
        if rep.error:
            out.errors += 1
            out.error = f"{path.name}: {rep.error}"
            continue  # left in the inbox: a person sees it was not taken
        out.new_captures += rep.captures_new
        out.new_posts += rep.posts.get("new", 0)
        out.changed_posts += rep.posts.get("changed", 0)
        done.mkdir(exist_ok=True)
        path.replace(done / path.name)
    if out.errors and not out.pages:
        out.status = "failed"
    return out


def rebuild_graph(ctx: Context) -> dict[str, object]:
    """The "graph_build" job: the graph snapshot rebuilt from the store, as `leaktrace graph build` does."""
    from leaktrace.graph.build import build_graph, save_snapshot

    with ctx.sessions() as s:
        result = build_graph(s, ctx.hasher)
    save_snapshot(result, ctx.data_dir)
    return {"actors": result.counts.actors, "accounts": result.counts.accounts}
