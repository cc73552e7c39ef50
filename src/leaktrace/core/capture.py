"""What a collector hands to the ingest path: one captured document and the posts read from it.

Crawling and importing meet here so that both reach evidence and the store
by the same path (pipeline.ingest). The types live in core because
collectors build them and the pipeline takes them, and imports run one way.

`CaptureDocument` checks what it can without I/O or settings when it is
made (types, time zone, HTTP status, a file body only without a status) and
raises InputError with the same one-line messages the ingest path used;
the store's own limits (URL length, body size) are checked on ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

from leaktrace.core.errors import InputError

# What an item page is (a site profile's page rule says it; extra["kind"] carries it to the store):
# an offer, a seller's own page, or a forum or chat post.
PostKind = Literal["listing", "profile", "post"]
POST_KINDS: tuple[str, ...] = get_args(PostKind)


@dataclass(frozen=True)
class ParsedItem:
    """One post or listing as read from one document.

    `price_text` stays as the seller wrote it (`0.05 BTC`, `3元/条`): the
    pipeline parses it with intel.prices, so every collector shares one
    reading of prices. `posted_at`, when known, is timezone-aware.
    """

    site: str
    url: str
    author_handle: str | None = None
    title: str | None = None
    body: str | None = None
    price_text: str | None = None
    posted_at: datetime | None = None
    language: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Headers = tuple[tuple[str, str], ...]


def _headers(value: Iterable[tuple[str, str]], where: str, name: str) -> Headers:
    try:
        out = tuple((k, v) for k, v in value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: field {name!r}: expected (name, value) pairs") from None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in out):
        raise InputError(f"{where}: field {name!r}: header names and values must be text")
    return out


@dataclass(frozen=True, kw_only=True)
class CaptureDocument:
    """One fetched or imported document, as `Ingestor.capture` takes it.

    `source` is the source's name or id (refused on ingest without a legal
    basis and an owner). `body` is exactly the bytes received (after
    transfer decoding), or the Path of a large file that is not an HTTP
    fetch (streamed into evidence, never read whole). `status` is the HTTP
    status of a fetch (the blob becomes a WARC request/response pair) and
    None for a document kept byte for byte. `fetched_at` is timezone-aware.
    `content_type` overrides the Content-Type header; `collector` the
    ingestor's own name. `method` and `request_headers` describe the HTTP
    request; `meta` is recorded in custody with the source's name.
    """

    source: int | str
    url: str
    body: bytes | Path
    fetched_at: datetime
    status: int | None = None
    headers: Sequence[tuple[str, str]] = ()  # kept as a tuple of pairs
    content_type: str | None = None
    items: Sequence[ParsedItem] = ()  # kept as a tuple
    collector: str | None = None
    contains_pii: bool = True
    method: str = "GET"
    request_headers: Sequence[tuple[str, str]] = ()  # kept as a tuple of pairs
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.url, str):
            raise InputError(f"field 'url': expected text, got {type(self.url).__name__}")
        where = self.url[:200]
        if isinstance(self.source, bool) or not isinstance(self.source, int | str) or self.source == "":
            raise InputError(f"{where}: field 'source': expected a source name or id, got {self.source!r:.80}")
        if not isinstance(self.fetched_at, datetime):
            raise InputError(f"{where}: field 'fetched_at': expected a datetime, got {type(self.fetched_at).__name__}")
        if self.fetched_at.tzinfo is None or self.fetched_at.utcoffset() is None:
            raise InputError(f"field 'fetched_at': timestamp {self.fetched_at.isoformat()} has no time zone")
        if self.status is not None and (isinstance(self.status, bool) or not isinstance(self.status, int)
                                        or not 100 <= self.status <= 999):
            raise InputError(f"{where}: field 'status': {self.status} is not an HTTP status")
        if isinstance(self.body, Path):
            if self.status is not None:
                raise InputError(f"{where}: an HTTP capture takes its body as bytes, not a file")
        elif isinstance(self.body, bytearray | memoryview):
            object.__setattr__(self, "body", bytes(self.body))
        elif not isinstance(self.body, bytes):
            raise InputError(f"{where}: body must be bytes or a file path, got {type(self.body).__name__}")
        object.__setattr__(self, "headers", _headers(self.headers, where, "headers"))
        object.__setattr__(self, "request_headers", _headers(self.request_headers, where, "request_headers"))
        items = tuple(self.items)
        bad = next((it for it in items if not isinstance(it, ParsedItem)), None)
        if bad is not None:
            raise InputError(f"{where}: field 'items': expected ParsedItem, got {type(bad).__name__}")
        object.__setattr__(self, "items", items)
        if not isinstance(self.method, str) or not self.method.isalpha():
            raise InputError(f"{where}: field 'method': {self.method!r:.40} is not an HTTP method")
        if not isinstance(self.meta, Mapping):
            raise InputError(f"{where}: field 'meta': expected a mapping, got {type(self.meta).__name__}")
