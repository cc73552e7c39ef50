"""The crawl loop: claim a URL from the persistent frontier, fetch it politely, hand it on, follow links.

collect knows nothing of the store: the frontier and the capture sink are
protocols that the pipeline fills with the store's Frontier and the one
ingest path. Frontier transactions run on one thread, captures on a small
pool (sealing and fsyncs release the GIL), fetches overlap on the event loop.

Order per page, chosen so a `kill -9` anywhere loses nothing and duplicates
nothing: fetch -> enqueue the page's links (idempotent) -> capture (evidence,
custody, store rows, committed together by the sink) -> mark the URL done.
A rerun finds a URL claimed by a dead crawler; if its capture is recorded it
is only marked done, otherwise it is fetched again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from leaktrace.collect import extract
from leaktrace.collect.decode import decode_page
from leaktrace.collect.fetch import FetchedPage, Fetcher, FetchError, LoginRequired, host_key
from leaktrace.collect.items import ParsedItem
from leaktrace.collect.login import LoginManager
from leaktrace.collect.pictures import PictureFetch, fetch_pictures, picture_urls
from leaktrace.collect.profile import Profile
from leaktrace.collect.tor import NewnymTrigger
from leaktrace.core.errors import ConfigError, LeaktraceError

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClaimLike(Protocol):
    id: int
    url: str
    depth: int


class FrontierPort(Protocol):
    """What the crawler needs of a frontier (store.repo.Frontier is one)."""

    def enqueue(self, source_id: int, urls: Iterable[str], depth: int = 0) -> int: ...
    def claim(self, worker: str, limit: int = 1, *, source_id: int | None = None,
              host: str | None = None) -> Sequence[ClaimLike]: ...
    def complete(self, item_id: int, worker: str, capture_id: int | None = None) -> bool: ...
    def fail(self, item_id: int, worker: str, error: str) -> str | None: ...
    def give_up(self, item_id: int, worker: str, error: str) -> None: ...
    def release(self, item_ids: Sequence[int], worker: str) -> None: ...


@dataclass(frozen=True)
class SinkResult:
    """What the sink did with one page."""

    capture_id: int | None
    created: bool
    new_posts: int = 0
    changed_posts: int = 0
    sha256: str | None = None  # the capture's evidence blob (a screenshot names it)


class CaptureSink(Protocol):
    """Takes a fetched page (and its item) into evidence and the store, committed before it returns."""

    def capture(self, page: FetchedPage, item: ParsedItem | None, *, render: bool = False,
                pictures: Sequence[PictureFetch] = ()) -> SinkResult:
        """`render`: queue a rendering of the page (its custody entry says so); `pictures`: sealed with it."""
        ...

    def gone(self, url: str, site: str) -> bool:
        """An item page now answers 404/410: mark a known listing removed; True when it changed."""
        ...


@dataclass
class CrawlStats:
    """Counters for progress display and the final report."""

    fetched: int = 0
    captured: int = 0
    new_captures: int = 0
    items: int = 0
    new_posts: int = 0
    changed_posts: int = 0
    enqueued: int = 0
    failed: int = 0
    bytes: int = 0
    logins: int = 0
    pictures: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k != "skipped"}, "skipped": dict(self.skipped)}


def _path_query(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _reason_kind(reason: str) -> str:
    for key in ("redirect loop", "outside the configured hosts", "decompression bomb", "exceeds the limit",
                "content type", "HTTP 4", "redirects", "Content-Encoding", "corrupt"):
        if key in reason:
            return key
    return "other"


class Crawler:
    """Crawls one source with one profile until the frontier has nothing due (or max_pages)."""

    def __init__(
        self,
        profile: Profile,
        *,
        source_id: int,
        frontier: FrontierPort,
        sink: CaptureSink,
        fetcher: Fetcher,
        logins: LoginManager,
        worker_id: str,
        newnym: NewnymTrigger | None = None,
        max_pages: int | None = None,
        on_page: Callable[[CrawlStats], None] | None = None,
        sink_threads: int = 3,
        screenshots: bool = False,
        pictures: bool = True,
    ) -> None:
        self.profile = profile
        self.source_id = source_id
        self.frontier = frontier
        self.sink = sink
        self.fetcher = fetcher
        self.logins = logins
        self.worker_id = worker_id
        self.newnym = newnym
        self.max_pages = max_pages if max_pages is not None else profile.limits.max_pages
        self.on_page = on_page
        self.screenshots = screenshots
        self.pictures = pictures
        self.stats = CrawlStats()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crawl-frontier")
        # Captures overlap: sealing and fsyncs release the GIL; the sink must be thread-safe.
        self._sinkpool = ThreadPoolExecutor(max_workers=max(1, sink_threads), thread_name_prefix="crawl-sink")
        self._cond = asyncio.Condition()
        self._busy = 0
        self._finished = False
        self._fatal: BaseException | None = None
        self._pending: deque[ClaimLike] = deque()
        self._claim_lock = asyncio.Lock()
        self._batch = 1
        self._known: set[str] = set()  # URLs this run already handed to the frontier
        self._bases: dict[str, str] = {}  # host -> scheme://netloc/ of its start URL

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, lambda: fn(*args, **kwargs))

    async def _capture(self, page: FetchedPage, item: ParsedItem | None, render: bool,
                       pictures: list[PictureFetch]) -> SinkResult:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._sinkpool, lambda: self.sink.capture(page, item, render=render, pictures=pictures))

    async def seed(self, start_urls: Iterable[str]) -> int:
        urls = [u for u in start_urls if self.fetcher.in_scope(u)]
        for u in urls:
            parts = urlsplit(u)
            self._bases.setdefault(host_key(u), f"{parts.scheme}://{parts.netloc}/")
        added = await self._db(self.frontier.enqueue, self.source_id, urls, 0)
        self.stats.enqueued += added
        return added

    async def run(self, workers: int) -> CrawlStats:
        """Run `workers` fetchers until nothing is due; ConfigError (bad login etc.) stops the crawl."""
        try:
            if self.profile.login is not None:
                for host in sorted(self.fetcher.allowed_hosts):
                    if host in self.logins.credentials:
                        await self.logins.ensure(self._bases.get(host, f"http://{host}/"))
            self._batch = max(1, workers)
            tasks = [asyncio.create_task(self._worker()) for _ in range(max(1, workers))]
            await asyncio.gather(*tasks)
            if self._fatal is not None:
                raise self._fatal
        finally:
            if self._pending:  # claimed in a batch but not started (page limit, fatal error)
                ids = [c.id for c in self._pending]
                self._pending.clear()
                await self._db(self.frontier.release, ids, self.worker_id)
            self.stats.logins = self.logins.logins
            self._sinkpool.shutdown(wait=True)
            self._writer.shutdown(wait=True)
        return self.stats

    def _limit_reached(self) -> bool:
        return self.max_pages is not None and self.stats.fetched + self._busy >= self.max_pages

    async def _worker(self) -> None:
        while not self._finished:
            if self._limit_reached():
                if self._busy == 0:
                    return
                async with self._cond:
                    await self._cond.wait()
                continue
            self._busy += 1
            try:
                claim = await self._next_claim()
            except BaseException:
                self._busy -= 1
                raise
            if claim is None:
                self._busy -= 1
                async with self._cond:
                    if self._busy == 0:
                        self._finished = True
                        self._cond.notify_all()
                        return
                    await self._cond.wait()
                continue
            try:
                await self._process(claim)
            except (ConfigError, LeaktraceError) as exc:
                if isinstance(exc, ConfigError):
                    self._fatal = exc
                    self._finished = True
                else:
                    raise
            finally:
                self._busy -= 1
                async with self._cond:
                    self._cond.notify_all()

    async def _next_claim(self) -> ClaimLike | None:
        """One claim from a local batch; one frontier transaction leases up to `workers` URLs."""
        async with self._claim_lock:
            if not self._pending:
                limit = self._batch
                if self.max_pages is not None:
                    limit = max(1, min(limit, self.max_pages - self.stats.fetched - self._busy + 1))
                self._pending.extend(await self._db(self.frontier.claim, self.worker_id, limit,
                                                    source_id=self.source_id))
            return self._pending.popleft() if self._pending else None

    async def _fetch(self, url: str) -> FetchedPage:
        host = host_key(url)
        for _ in range(2):
            seen = self.logins.generation.get(host, 0)
            try:
                page = await self.fetcher.fetch(url)
                if self.newnym is not None:
                    self.newnym.success(host)
                return page
            except LoginRequired:
                await self.logins.ensure(url, seen)
        raise FetchError(url, "still sent to the login page after logging in again", permanent=False)

    async def _process(self, claim: ClaimLike) -> None:
        url = claim.url
        rule = self.profile.rule_for(_path_query(url))
        if rule is None or not self.fetcher.in_scope(url):
            self.stats.skipped["not in profile or scope"] += 1
            await self._db(self.frontier.give_up, claim.id, self.worker_id, "not in the profile's pages or hosts")
            return
        try:
            page = await self._fetch(url)
        except FetchError as exc:
            self.stats.failed += 1
            log.warning("skipped %s", exc)
            if exc.permanent and rule.item is not None and exc.reason in ("HTTP 404", "HTTP 410"):
                removed = await self._db(self.sink.gone, url, host_key(url))
                self.stats.changed_posts += int(removed)  # not `+= await`: that loses concurrent updates
            if exc.permanent:
                self.stats.skipped[_reason_kind(exc.reason)] += 1
                await self._db(self.frontier.give_up, claim.id, self.worker_id, exc.reason)
            else:
                await self._db(self.frontier.fail, claim.id, self.worker_id, exc.reason)
            return
        self.stats.fetched += 1
        self.stats.bytes += len(page.body)
        text, _enc = decode_page(page.body, page.content_type, url)
        tree = extract.parse_html(text)
        children: list[str] = []
        if claim.depth < self.profile.limits.max_depth:
            children = [u for u in extract.links(tree, rule, page.url)
                        if self.fetcher.in_scope(u) and self.profile.rule_for(_path_query(u)) is not None]
        parsed = extract.item(tree, rule, url, host_key(url), self.profile.language)
        children = [u for u in children if u not in self._known]
        # Pagination (a link to a page of the same kind) stays at this depth: a category of 400
        # pages is one level deep, not 400; max_pages and the frontier's uniqueness bound it.
        same = [u for u in children if self.profile.rule_for(_path_query(u)) is rule]
        deeper = [u for u in children if self.profile.rule_for(_path_query(u)) is not rule]
        for urls, depth in ((same, claim.depth), (deeper, claim.depth + 1)):
            if urls:
                added = await self._db(self.frontier.enqueue, self.source_id, urls, depth)
                self._known.update(urls)
                self.stats.enqueued += added
        pictures: list[PictureFetch] = []
        if self.pictures and parsed is not None:  # a listing's pictures are evidence with it
            pictures = await fetch_pictures(self.fetcher, picture_urls(tree, page.url))
            self.stats.pictures += len(pictures)
        render = self.screenshots and self.profile.render.renders(rule)
        try:
            result = await self._capture(page, parsed, render, pictures)
        except ConfigError:
            raise
        except LeaktraceError as exc:
            self.stats.skipped["refused by ingest"] += 1
            await self._db(self.frontier.give_up, claim.id, self.worker_id, f"ingest: {exc}")
            return
        self.stats.captured += 1
        self.stats.new_captures += int(result.created)
        self.stats.items += int(parsed is not None)
        self.stats.new_posts += result.new_posts
        self.stats.changed_posts += result.changed_posts
        await self._db(self.frontier.complete, claim.id, self.worker_id, result.capture_id)
        if self.on_page is not None:
            self.on_page(self.stats)
