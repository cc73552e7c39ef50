"""What a crawler page or an importer hands on: one post or listing as parsed, before the store.

Crawling and importing meet here so that both reach evidence and the store
by the same path; the pipeline turns a ParsedItem into a store sighting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
