"""Crawl orchestration: source and proxy checks, the store frontier, the ingest path, resume, watch rounds.

`run_crawl` is one crawl of one source with one profile until nothing is due;
`watch` repeats it on a schedule, re-queueing every known URL each round so
new and changed listings become ListingSnapshots (via upsert_post) and
watch-list matches go to a webhook.

Resume after `kill -9`: URLs still claimed by a crawler process that no
longer exists are settled first (`recover_orphans`): marked done when their
capture was recorded, recorded from evidence when the blob and custody
entry were written but the database rows were not, otherwise re-queued.
So a rerun neither refetches what is stored nor writes a capture twice.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaktrace.collect import extract
from leaktrace.collect.captcha import CaptchaHook
from leaktrace.collect.crawler import Crawler, CrawlStats, SinkResult
from leaktrace.collect.decode import decode_page
from leaktrace.collect.fetch import FetchedPage, Fetcher, host_key
from leaktrace.collect.items import ParsedItem
from leaktrace.collect.login import Credentials, LoginManager
from leaktrace.collect.pictures import PictureFetch
from leaktrace.collect.politeness import HostGate
from leaktrace.collect.profile import Profile
from leaktrace.collect.proxy import check_proxy, resolve_proxy
from leaktrace.collect.tor import NewnymTrigger, stem_newnym
from leaktrace.collect.watch import Alert, Webhook, matching_terms
from leaktrace.core.capture import CaptureDocument
from leaktrace.core.errors import ConfigError, InputError, LeaktraceError
from leaktrace.evidence.custody import CustodyEntry
from leaktrace.evidence.warc import response_record
from leaktrace.pipeline.context import Context, open_context
from leaktrace.pipeline.ingest import Ingestor, header_value, queue_tracking, sighting
from leaktrace.pipeline.media import (
    CaptureRef,
    PictureIn,
    queue_media,
    render_key,
    render_payload,
    rendering_meta,
    store_pictures,
)
from leaktrace.pipeline.sources import provisional_source
from leaktrace.store.models import Capture, Post, Source, url_key
from leaktrace.store.repo import (
    Frontier,
    PostSighting,
    get_source,
    latest_capture_since,
    record_capture,
    require_legal_basis,
    upsert_post,
)
from leaktrace.store.types import utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=30)  # longer than any page's retries; dead local crawlers are found by pid
REMOVED = "removed"
_DIGITS = re.compile(r"\d{6,}")
_ONION_BYTES = re.compile(rb"(?<![a-zA-Z2-7])[a-zA-Z2-7]{56}\.onion(?![a-zA-Z0-9])")


def worker_id() -> str:
    """host:pid:random; lets a rerun tell the claims of dead crawlers on this machine from live ones."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def _dead(claimed_by: str | None) -> bool:
    if not claimed_by:
        return False
    parts = claimed_by.split(":")
    if len(parts) != 3 or parts[0] != socket.gethostname()[:40] or not parts[1].isdigit():
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _mask_digits(text: str | None) -> str | None:
    """A title fit to leave the system in a webhook: every PII value masked, digit runs too."""
    if text is None:
        return None
    from leaktrace.pii.redact import masked_text

    text = masked_text(text[:2000])
    return _DIGITS.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 4) + m.group(0)[-2:], text)[:200]


def _with_volume(item: ParsedItem | None) -> ParsedItem | None:
    """Add the claimed record count (intel.volumes) so watch mode tracks volume changes."""
    if item is None or "volume_records" in item.extra:
        return item
    from leaktrace.intel.volumes import claimed_records

    volume = claimed_records(f"{item.title or ''}\n{(item.body or '')[:5000]}")
    if volume is None:
        return item
    return ParsedItem(**{**item.__dict__, "extra": {**item.extra, "volume_records": volume}})


def _picture_in(p: PictureFetch) -> PictureIn:
    if p.page is None:
        return PictureIn(p.url, None, problem=p.problem)
    return PictureIn(p.page.url, p.page.body, p.page.content_type.split(";", 1)[0].strip()[:100] or None)


class IngestSink:
    """The crawler's CaptureSink over pipeline.ingest: a session per sink thread, committed per page."""

    def __init__(self, ctx: Context, source: Source, collector: str, terms: list[str],
                 analyse: bool = False, render_spec: dict[str, Any] | None = None) -> None:
        self.ctx = ctx
        self.render_spec = render_spec or {}
        self.media: dict[str, int] = {"pictures": 0, "pictures_failed": 0, "ocr_queued": 0, "render_queued": 0}
        self.analyse = analyse
        self._intel: Any = None  # (hasher, model, lexicon, model version), read once per crawl
        self.collector = collector
        self.source = source
        self.terms = terms
        self.alerts: list[Alert] = []
        self.mirrors: set[str] = set()  # onion hosts named on navigation pages (filled when find_mirrors)
        self.find_mirrors: frozenset[str] | None = None  # the crawl's own hosts, when mirrors are looked for
        self._local = threading.local()
        self._sessions: list[Session] = []
        self._lock = threading.Lock()

    def _ingestor(self) -> tuple[Session, Ingestor]:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            session = self.ctx.sessions()
            pair = (session, Ingestor(session, evidence=self.ctx.evidence,
                                      collector=self.collector))
            pair[1].source(self.source)  # known by id from here on, checked once
            self._local.pair = pair
            with self._lock:
                self._sessions.append(session)
        return pair

    def capture(self, page: FetchedPage, item: ParsedItem | None, *, render: bool = False,
                pictures: Sequence[PictureFetch] = ()) -> SinkResult:
        """The page, its pictures (sealed with it) and, after the commit, its queued OCR and rendering."""
        item = _with_volume(item)
        if self.find_mirrors is not None and item is None:
            self._note_mirrors(page.body)
        meta: dict[str, Any] = {"requested_url": page.requested_url}
        job_key = render_key() if render else None
        if job_key is not None:
            meta.update(rendering_meta(job_key))
        if page.redirects:
            meta["redirects"] = list(page.redirects)
        if page.content_encoding:
            meta["content_encoding"] = page.content_encoding
        session, ingestor = self._ingestor()
        try:
            res = ingestor.capture(CaptureDocument(
                source=self.source.id, url=page.url, body=page.body, fetched_at=page.fetched_at, status=page.status,
                headers=page.headers, content_type=page.content_type, items=(item,) if item else (),
                request_headers=page.request_headers, meta=meta,
            ))
            ocr: list[int] = []
            cap = CaptureRef(res.capture_id, res.sha256, res.entry_hash, res.entry_seq)
            if res.created and pictures:
                ocr = store_pictures(session, self.ctx.evidence, cap, [_picture_in(p) for p in pictures],
                                     collector=self.collector, post_id=res.posts[0].post_id if res.posts else None)
            session.commit()
            if res.created and (ocr or job_key):
                queue_media(self.ctx.sessions, ocr=ocr, render_job_key=job_key,
                            render=render_payload(cap, self.render_spec) if job_key else None)
                with self._lock:
                    self.media["pictures"] += len(ocr)
                    self.media["pictures_failed"] += len(pictures) - len(ocr)
                    self.media["ocr_queued"] += len(ocr)
                    self.media["render_queued"] += int(job_key is not None)
            if self.analyse and item is not None:
                self._analyse(session, item, res.posts)
        except BaseException:
            session.rollback()
            raise
        new = sum(p.state == "new" for p in res.posts)
        changed = sum(p.state == "changed" for p in res.posts)
        if self.terms and item is not None:
            for post in res.posts:
                hits = matching_terms(self.terms, item.title, item.body) if post.state != "unchanged" else []
                if hits:
                    s = sighting(item)
                    self.alerts.append(Alert(tuple(hits), post.state, item.site, item.url, post.post_id,
                                             res.capture_id, post.changed, _mask_digits(item.title),
                                             s.price_amount, s.price_currency))
        return SinkResult(res.capture_id, res.created, new, changed, res.sha256)

    def _note_mirrors(self, body: bytes) -> None:
        """v3 onion names on a navigation page (home, category) that are not the crawl's own hosts.

        Only pages without an item: a listing body naming another market is
        a lead, not a mirror. Checksums must hold, so a typo is never proposed.
        """
        from leaktrace.intel.onion import onion_version

        own = self.find_mirrors or frozenset()
        for m in _ONION_BYTES.finditer(body[:2_000_000]):
            host = m.group(0).decode("ascii").lower()
            if host not in own and onion_version(host[:-6]) == 3:
                with self._lock:
                    self.mirrors.add(host)

    def _analyse(self, session: Session, item: ParsedItem, posts: Any) -> None:
        """The intel stage on each new or changed post, while the page's extras (sold, sample) are at hand."""
        from leaktrace.pipeline.intel_stage import analyse_item, model_version

        if self._intel is None:
            model = self.ctx.intel_model()
            self._intel = (self.ctx.hasher, model, self.ctx.lexicon(), model_version(model))
        hasher, model, lexicon, version = self._intel
        todo = [p for p in posts if p.state != "unchanged"]
        if not todo:
            return
        # Identifiers are shared rows: one writer at a time in this process, and a retry when
        # another process's transaction deadlocks with ours (PostgreSQL picks a victim).
        from sqlalchemy.exc import OperationalError

        with self._lock:
            for attempt in range(3):
                try:
                    for post in todo:
                        analyse_item(session, post.post_id, item.title, item.body, hasher, extra=item.extra,
                                     version=version, model=model, lexicon=lexicon)
                    session.commit()
                    return
                except OperationalError:
                    session.rollback()
                    if attempt == 2:
                        raise
                    time.sleep(0.05 * (attempt + 1))

    def gone(self, url: str, site: str) -> bool:
        """A listing that answers 404/410 is recorded as removed (a status change), never created."""
        session, _ = self._ingestor()
        try:
            post = session.scalar(select(Post).where(Post.site == site, Post.url_key == url_key(url)))
            if post is None or post.status == REMOVED:
                return False
            res = upsert_post(session, PostSighting(site=site, url=url, status=REMOVED), seen_at=utcnow(),
                              source_id=self.source.id)
            queue_tracking(session, res.post_id, None)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        return True

    def close(self) -> None:
        for session in self._sessions:
            session.close()


@dataclass
class CrawlOptions:
    """Everything one crawl needs; the CLI fills it from flags, tests directly."""

    profile: Profile
    source: str
    start_urls: list[str]
    proxy: str | None = None
    no_proxy: bool = False
    credentials: dict[str, Credentials] = field(default_factory=dict)
    concurrency: int | None = None
    delay_s: float | None = None
    max_pages: int | None = None
    collector: str = "leaktrace-crawler"
    tor_control_port: int | None = None
    tor_password: str | None = None
    captcha: CaptchaHook | None = None
    terms: list[str] = field(default_factory=list)
    webhook: str | None = None
    legal_basis: str | None = None  # with owner: register the source when it is new (undone if the run fails)
    owner: str | None = None
    backoff_s: float = 0.5
    verify_proxy: bool = True
    analyse: bool = True  # run the intel stage on each new or changed post as it arrives
    screenshots: bool = False  # queue a rendering of each listing/seller page (a "render" job)
    pictures: bool = True  # fetch and seal each listing's pictures at ingest, queue their OCR
    media_workers: int = 2  # threads that run the queued render/OCR jobs when the CLI drains them
    find_mirrors: bool = False  # note onion names on navigation pages (scheduled runs propose them as sources)


@dataclass
class CrawlReport:
    source: str
    round: int
    seconds: float
    stats: CrawlStats
    frontier: dict[str, int]
    recovered: dict[str, int]
    alerts: list[Alert] = field(default_factory=list)
    media: dict[str, Any] | None = None  # pictures sealed, OCR and render jobs queued (never run inline)
    mirrors: list[str] = field(default_factory=list)

    @property
    def pages_per_s(self) -> float:
        return self.stats.fetched / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "round": self.round, "seconds": round(self.seconds, 3),
                "pages_per_s": round(self.pages_per_s, 2), **self.stats.as_dict(), "frontier": self.frontier,
                "recovered": self.recovered, "alerts": len(self.alerts),
                **({"media": self.media} if self.media is not None else {})}


def _hosts(start_urls: list[str]) -> frozenset[str]:
    hosts = set()
    for url in start_urls:
        if not url.startswith(("http://", "https://")) or not host_key(url):
            raise InputError(f"start URL {url[:200]!r}: give an absolute http(s) URL with a host")
        hosts.add(host_key(url))
    if not hosts:
        raise InputError("no start URL given")
    return frozenset(hosts)


class _CustodyIndex:
    """The custody log as resume needs it, read once: this crawler's capture entries of the source, per URL."""

    def __init__(self, entries: Iterable[CustodyEntry], source: str, collector: str) -> None:
        self.by_url: dict[str, list[CustodyEntry]] = {}
        for e in entries:
            if e.action == "capture" and e.source_url and e.collector == collector \
                    and e.meta.get("source") == source:
                self.by_url.setdefault(e.source_url, []).append(e)

    def capture_since(self, url: str, since: datetime) -> CustodyEntry | None:
        """The newest capture entry of `url` written at or after `since`."""
        return next((e for e in reversed(self.by_url.get(url, [])) if _at(e.time) >= since), None)


def recover_orphans(ctx: Context, frontier: Frontier, source: Source, profile: Profile,
                    collector: str) -> dict[str, int]:
    """Settle URLs left claimed by crawlers on this machine that were killed (see module docstring).

    The custody log is read at most once, however many URLs were orphaned.
    """
    out = {"completed": 0, "recorded_from_evidence": 0, "requeued": 0}
    orphans = [c for c in frontier.held(source.id) if _dead(c.claimed_by)]
    if not orphans:
        return out
    custody: _CustodyIndex | None = None
    for item in orphans:
        since = item.due_since  # a claim starts after the URL became due: nothing older is this claim's
        how = "completed"
        with ctx.sessions() as s:
            cap_id = latest_capture_since(s, source.id, item.url_key, since)
        if cap_id is None:
            if custody is None:
                custody = _CustodyIndex(ctx.evidence.entries(), source.name, collector)
            entry = custody.capture_since(item.url, since)
            if entry is not None and entry.sha256:
                cap_id = _record_from_evidence(ctx, source, profile, item.url, entry.sha256, entry.meta)
                how = "recorded_from_evidence"
        state = frontier.settle(item.id, item.claimed_by, cap_id)
        if state == "done":
            out[how] += 1
        elif state == "queued":
            out["requeued"] += 1
    return out


def _at(stamp: str) -> datetime:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def _record_from_evidence(ctx: Context, source: Source, profile: Profile, url: str, sha: str,
                          entry_meta: dict[str, Any]) -> int | None:
    """Store rows for a blob whose custody entry was written just before the crawler died.

    `entry_meta` is that capture entry's meta (from the index resume built
    once, never the log read again): it says when the page was fetched.
    """
    try:
        data = ctx.evidence.read_bytes(sha, max_bytes=256 << 20)
        rec = response_record(data, f"blob {sha}")
    except LeaktraceError:
        return None
    if rec is None:
        return None
    try:
        fetched_at = datetime.fromisoformat(str(entry_meta.get("fetched_at", "")).replace("Z", "+00:00"))
    except ValueError:
        return None
    ctype = header_value(rec.http_headers, "Content-Type")
    text, _ = decode_page(rec.body, ctype, url)
    rule = profile.rule_for(_pq(url))
    parsed = _with_volume(extract.item(extract.parse_html(text), rule, url, host_key(url), profile.language)) \
        if rule else None
    with ctx.sessions.begin() as s:
        cap = record_capture(s, sha, url, fetched_at, rec.status, source.id, content_type=(ctype or "")[:200] or None,
                             size=len(rec.body))
        if parsed is not None:
            res = upsert_post(s, sighting(parsed), seen_at=fetched_at, source_id=source.id, capture_id=cap.id)
            if res.state != "unchanged":
                queue_tracking(s, res.post_id, cap.id)
    return cap.id


def _pq(url: str) -> str:
    from urllib.parse import urlsplit

    p = urlsplit(url)
    return (p.path or "/") + (f"?{p.query}" if p.query else "")


def _load_source(ctx: Context, name: str) -> Source:
    with ctx.sessions() as s:
        src = get_source(s, name)
        require_legal_basis(src)
        s.expunge(src)
    return src


def run_crawl(options: CrawlOptions, ctx: Context | None = None, *, round_no: int = 1,
              on_page: Callable[[CrawlStats], None] | None = None,
              transport: httpx.AsyncBaseTransport | None = None) -> CrawlReport:
    """One crawl of one source until nothing is due (see module docstring)."""
    if ctx is None:
        with open_context() as opened:
            return run_crawl(options, opened, round_no=round_no, on_page=on_page, transport=transport)
    proxy = resolve_proxy(options.proxy, options.no_proxy)
    hosts = _hosts(options.start_urls)
    with _registered(ctx, options):
        return _run_crawl(options, ctx, proxy, hosts, round_no, on_page, transport)


def _registered(ctx: Context, options: CrawlOptions) -> AbstractContextManager[bool]:
    """The source, registered for this run when it is new and CrawlOptions carry a legal basis and owner."""
    return provisional_source(ctx.sessions, options.source, kind=options.profile.kind,
                              base_url=options.start_urls[0] if options.start_urls else None,
                              legal_basis=options.legal_basis, owner=options.owner)


def idle_reason(report: CrawlReport, last_capture: datetime | None) -> str | None:
    """Why a crawl fetched nothing, in one line (None when it fetched something or has work left).

    A crawl fetches each URL once; a second run of a finished crawl finds
    every page done. Said plainly, with the way to fetch them again, so an
    empty run does not read as a broken site or proxy.
    """
    if report.stats.fetched or report.frontier.get("queued") or report.frontier.get("claimed"):
        return None
    done, failed = report.frontier.get("done", 0), report.frontier.get("failed", 0)
    if not done and not failed:
        return "0 new pages: nothing in scope was found from the start URL(s); check --url and the profile"
    when = f" (last {last_capture.astimezone(UTC):%Y-%m-%d %H:%M %Z})" if last_capture else ""
    gave_up = f", {failed} given up after retries" if failed else ""
    return (f"0 new pages: all {done} pages of source {report.source!r} were captured before{when}{gave_up}; "
            "a crawl fetches each page once: use --watch to fetch them again and record changes "
            "(--watch --rounds 1 --interval 0 for one pass now)")


def explain_idle(ctx: Context, report: CrawlReport) -> str | None:
    """`idle_reason` with the source's newest capture looked up: what the CLI (and a console) print."""
    if report.stats.fetched:
        return None
    with ctx.sessions() as s:
        last = s.scalar(select(func.max(Capture.fetched_at)).join(Source, Source.id == Capture.source_id)
                        .where(Source.name == report.source))
    return idle_reason(report, last)


def _run_crawl(options: CrawlOptions, ctx: Context, proxy: str | None, hosts: frozenset[str], round_no: int,
               on_page: Callable[[CrawlStats], None] | None,
               transport: httpx.AsyncBaseTransport | None) -> CrawlReport:
    source = _load_source(ctx, options.source)
    if proxy and options.verify_proxy and transport is None:
        check_proxy(proxy)
    profile = options.profile
    frontier = Frontier(ctx.sessions, lease=LEASE)
    recovered = recover_orphans(ctx, frontier, source, profile, options.collector)
    seeds = list(dict.fromkeys([*options.start_urls,
                                *(urljoin(f"http://{h}/", p) for u in options.start_urls
                                  for h in [host_key(u)] for p in profile.start_paths)]))
    sink = IngestSink(ctx, source, options.collector, options.terms, analyse=options.analyse,
                      render_spec=profile.render.model_dump(mode="json"))
    if options.find_mirrors:
        sink.find_mirrors = hosts
    started = time.monotonic()
    try:
        stats = asyncio.run(_crawl(options, profile, hosts, proxy, frontier, sink, source, seeds, on_page, transport))
    finally:
        sink.close()
    report = CrawlReport(options.source, round_no, time.monotonic() - started, stats,
                         frontier.counts(source.id), recovered, sink.alerts, dict(sink.media),
                         sorted(sink.mirrors))
    if options.webhook and sink.alerts:
        Webhook(options.webhook).send(sink.alerts, source=options.source, round_no=round_no)
    return report


async def _crawl(options: CrawlOptions, profile: Profile, hosts: frozenset[str], proxy: str | None,
                 frontier: Frontier, sink: IngestSink, source: Source, seeds: list[str],
                 on_page: Callable[[CrawlStats], None] | None,
                 transport: httpx.AsyncBaseTransport | None) -> CrawlStats:
    per_host = options.concurrency or profile.politeness.concurrency
    delay = profile.politeness.delay_s if options.delay_s is None else options.delay_s
    limits = profile.limits
    client = httpx.AsyncClient(
        proxy=proxy if transport is None else None, transport=transport, trust_env=False, follow_redirects=False,
        timeout=httpx.Timeout(limits.timeout_s, connect=min(limits.timeout_s, 60.0)),
        limits=httpx.Limits(max_connections=per_host * len(hosts) + 2, max_keepalive_connections=per_host * len(hosts)),
    )
    newnym = (NewnymTrigger(stem_newnym(options.tor_control_port, options.tor_password))
              if options.tor_control_port else None)
    login_prefix = profile.login.login_path_prefix if profile.login else None
    async with client:
        fetcher = Fetcher(client, limits, hosts, HostGate(per_host, delay), login_prefix=login_prefix,
                          on_transport_failure=newnym.failure if newnym else None, backoff_base_s=options.backoff_s)
        logins = LoginManager(profile.login, fetcher, options.credentials, options.captcha)
        crawler = Crawler(profile, source_id=source.id, frontier=frontier, sink=sink, fetcher=fetcher,
                          logins=logins, worker_id=worker_id(), newnym=newnym, max_pages=options.max_pages,
                          on_page=on_page, screenshots=options.screenshots, pictures=options.pictures)
        await crawler.seed(seeds)
        return await crawler.run(per_host * len(hosts))


def watch(options: CrawlOptions, *, interval_s: float, rounds: int | None = None,
          on_round: Callable[[CrawlReport], None] | None = None,
          sleep: Callable[[float], None] = time.sleep, ctx: Context | None = None) -> list[CrawlReport]:
    """Recrawl every `interval_s` seconds (`rounds` times, or until interrupted)."""
    if interval_s < 0:
        raise ConfigError("--interval must be >= 0 seconds")
    if ctx is None:
        with open_context() as opened:
            return watch(options, interval_s=interval_s, rounds=rounds, on_round=on_round, sleep=sleep, ctx=opened)
    with _registered(ctx, options):
        return _watch(options, interval_s, rounds, on_round, sleep, ctx)


def _watch(options: CrawlOptions, interval_s: float, rounds: int | None,
           on_round: Callable[[CrawlReport], None] | None, sleep: Callable[[float], None],
           ctx: Context) -> list[CrawlReport]:
    reports: list[CrawlReport] = []
    source = _load_source(ctx, options.source)
    frontier = Frontier(ctx.sessions, lease=LEASE)
    n = 0
    while rounds is None or n < rounds:
        n += 1
        pending = frontier.counts(source.id)
        if n > 1 or not (pending.get("queued") or pending.get("claimed")):
            frontier.requeue_round(source.id)  # (a first round with work left resumes it instead)
        report = run_crawl(options, ctx, round_no=n)
        reports.append(report)
        if on_round is not None:
            on_round(report)
        if rounds is None or n < rounds:
            sleep(interval_s)
    return reports
