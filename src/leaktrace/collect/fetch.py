"""One polite, bounded HTTP fetch: redirects by hand, limits on size and type, retries.

Everything a hostile server can do to a crawler is decided here: a body
larger than the limit is abandoned as soon as the limit is passed (whatever
Content-Length claimed), compressed bodies are inflated with a cap on output
so a gzip bomb never reaches memory, redirects are followed one by one and
each target is checked against the configured hosts (a loop or a hop off the
site stops the fetch), and 429/503/timeouts are retried with backoff that
honours Retry-After. Nothing is executed: pages are bytes to store and parse.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from leaktrace.collect.politeness import HostGate
from leaktrace.collect.profile import Limits

USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 300.0
_DROP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class FetchError(Exception):
    """A fetch that produced no page; `permanent` ones are not worth retrying."""

    def __init__(self, url: str, reason: str, *, permanent: bool) -> None:
        super().__init__(f"{url[:200]}: {reason}")
        self.url = url
        self.reason = reason
        self.permanent = permanent


class LoginRequired(Exception):
    """The site sent us to its login page: the session expired or was never made."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


@dataclass(frozen=True)
class FetchedPage:
    """A page as received: final URL, status, headers (transfer encodings removed) and body."""

    url: str
    requested_url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    fetched_at: datetime
    content_type: str
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    redirects: tuple[str, ...] = ()
    content_encoding: str | None = None


def host_key(url: str) -> str:
    """Lower-case host (with port when not the scheme's default): the unit of politeness and scope."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port
    except ValueError:
        return ""
    return host if port in (None, default) else f"{host}:{port}"


def _inflater(encoding: str, url: str) -> zlib._Decompress | None:  # type: ignore[name-defined]
    enc = encoding.strip().lower()
    if enc in ("", "identity"):
        return None
    if enc in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if enc == "deflate":
        return zlib.decompressobj()
    raise FetchError(url, f"unsupported Content-Encoding {encoding[:40]!r}", permanent=True)


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("retry-after", "").strip()
    try:
        return min(MAX_RETRY_AFTER_S, max(0.0, float(raw))) if raw else None
    except ValueError:
        return None


class Fetcher:
    """GETs pages of the configured hosts through one shared client (proxy and cookies live there)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        limits: Limits,
        allowed_hosts: frozenset[str],
        gate: HostGate,
        *,
        login_prefix: str | None = None,
        on_transport_failure: Callable[[str], Awaitable[None]] | None = None,
        backoff_base_s: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.limits = limits
        self.allowed_hosts = allowed_hosts
        self.gate = gate
        self.login_prefix = login_prefix
        self.on_transport_failure = on_transport_failure
        self.backoff_base_s = backoff_base_s
        self._sleep = sleep

    def in_scope(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and host_key(url) in self.allowed_hosts

    async def fetch(self, url: str, *, content_types: frozenset[str] | None = None) -> FetchedPage:
        """The page at `url` after redirects and retries; FetchError or LoginRequired otherwise.

        `content_types` replaces the profile's list (a screenshot's images and style sheets).
        """
        attempt = 0
        while True:
            try:
                return await self._follow(url, content_types)
            except _Retryable as exc:
                attempt += 1
                if attempt > self.limits.retries:
                    raise FetchError(url, f"{exc.reason} (gave up after {attempt} attempts)",
                                     permanent=False) from None
                if exc.transport and self.on_transport_failure is not None:
                    await self.on_transport_failure(host_key(url))
                wait = self.backoff_base_s * 2 ** (attempt - 1) * (0.75 + random.random() / 2)
                await self._sleep(min(MAX_RETRY_AFTER_S, max(wait, exc.retry_after or 0.0)))

    async def _follow(self, url: str, content_types: frozenset[str] | None = None) -> FetchedPage:
        seen: list[str] = []
        current = url
        while True:
            if not self.in_scope(current):
                raise FetchError(url, f"{current[:200]} is outside the configured hosts", permanent=True)
            if current in seen:
                raise FetchError(url, f"redirect loop at {current[:200]}", permanent=True)
            if len(seen) > self.limits.max_redirects:
                raise FetchError(url, f"more than {self.limits.max_redirects} redirects", permanent=True)
            seen.append(current)
            step = await self._one(current, content_types)
            if isinstance(step, FetchedPage):
                return FetchedPage(**{**step.__dict__, "requested_url": url, "redirects": tuple(seen[:-1])})
            target = urljoin(current, step)
            path = urlsplit(target).path
            if self.login_prefix and path.startswith(self.login_prefix) and host_key(target) == host_key(url):
                raise LoginRequired(host_key(url))
            current = target

    async def _one(self, url: str, content_types: frozenset[str] | None = None) -> FetchedPage | str:
        """One request: a page, or the Location of a redirect."""
        req_headers = [("User-Agent", USER_AGENT), ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"),
                       ("Accept-Encoding", "gzip, deflate")]
        async with self.gate.slot(host_key(url)):
            try:
                async with asyncio.timeout(self.limits.timeout_s * 2):
                    async with self.client.stream("GET", url, headers=req_headers) as resp:
                        return await self._read(url, resp, req_headers, content_types)
            except TimeoutError:
                raise _Retryable(f"no complete answer within {self.limits.timeout_s * 2:.0f} s",
                                 transport=True) from None
            except httpx.TimeoutException:
                raise _Retryable("timed out", transport=True) from None
            except httpx.TransportError as exc:
                raise _Retryable(f"transport error ({type(exc).__name__}: {str(exc)[:120]})",
                                 transport=True) from None

    async def _read(self, url: str, resp: httpx.Response, req_headers: list[tuple[str, str]],
                    content_types: frozenset[str] | None = None) -> FetchedPage | str:
        status = resp.status_code
        if status in REDIRECTS:
            location = resp.headers.get("location")
            if not location:
                raise FetchError(url, f"HTTP {status} without Location", permanent=True)
            return location
        if status in RETRY_STATUS:
            raise _Retryable(f"HTTP {status}", retry_after=_retry_after(resp))
        if status != 200:
            raise FetchError(url, f"HTTP {status}", permanent=True)
        ctype = resp.headers.get("content-type", "")
        mime = ctype.split(";", 1)[0].strip().lower()
        if mime and mime not in (self.limits.content_types if content_types is None else content_types):
            raise FetchError(url, f"content type {mime[:80]!r} is not collected", permanent=True)
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise FetchError(url, f"Content-Length {declared} exceeds the limit of {self.limits.max_bytes} bytes",
                             permanent=True)
        encoding = resp.headers.get("content-encoding", "")
        body = await self._body(url, resp, encoding)
        headers = [(k, v) for k, v in resp.headers.multi_items() if k.lower() not in _DROP_HEADERS]
        return FetchedPage(url=url, requested_url=url, status=status, headers=headers, body=body,
                           fetched_at=datetime.now(UTC), content_type=ctype, request_headers=req_headers,
                           content_encoding=encoding or None)

    async def _body(self, url: str, resp: httpx.Response, encoding: str) -> bytes:
        limit = self.limits.max_bytes
        inflater = _inflater(encoding, url)
        out = bytearray()
        raw_total = 0
        async for chunk in resp.aiter_raw():
            raw_total += len(chunk)
            if inflater is None:
                out += chunk
            else:
                try:
                    out += inflater.decompress(chunk, limit + 1 - len(out))
                except zlib.error as exc:
                    raise FetchError(url, f"corrupt {encoding} body ({exc})", permanent=True) from None
                if inflater.unconsumed_tail or (len(out) > (1 << 20) and len(out) > self.limits.max_ratio * raw_total):
                    raise FetchError(url, f"decompression bomb: {raw_total} compressed bytes inflate past "
                                     f"{len(out)} bytes", permanent=True)
            if len(out) > limit:
                raise FetchError(url, f"body exceeds the limit of {limit} bytes", permanent=True)
        if inflater is not None:
            out += inflater.flush()
            if len(out) > limit:
                raise FetchError(url, f"body exceeds the limit of {limit} bytes", permanent=True)
        return bytes(out)


class _Retryable(Exception):
    def __init__(self, reason: str, *, retry_after: float | None = None, transport: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.transport = transport
