"""The pictures a listing page carries, fetched by the crawler itself at ingest, under limits.

A seller's sample pictures are evidence like the page: they are fetched
with the page's own fetcher (same SOCKS5h proxy, cookies, host scope and
politeness), before the capture is committed, and handed to the sink with
it. Decoding and OCR come later, in the queued "ocr" stage: here a picture
is only bytes under a size limit. A picture that cannot be fetched (too
large, off-site, not an image) is a recorded problem, never a lost capture.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

from selectolax.lexbor import LexborHTMLParser

from leaktrace.collect.fetch import FetchedPage, Fetcher, FetchError

PICTURE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"})
MAX_PICTURES_PER_PAGE = 16
MAX_PICTURE_BYTES = 16 << 20  # above any sample picture a seller shows; a 50 MB GIF is refused and recorded


@dataclass(frozen=True)
class PictureFetch:
    """One picture of a page: its bytes (`page`) or why there are none (`problem`)."""

    url: str
    page: FetchedPage | None = None
    problem: str | None = None


def picture_urls(tree: LexborHTMLParser, base_url: str, limit: int = MAX_PICTURES_PER_PAGE) -> list[str]:
    """Absolute URLs of the page's <img> pictures, in page order, without repeats or data: URIs."""
    out: dict[str, None] = {}
    for node in tree.css("img"):
        src = (node.attributes.get("src") or "").strip()
        if not src or src.startswith(("data:", "javascript:")):
            continue
        out.setdefault(urldefrag(urljoin(base_url, src))[0], None)
        if len(out) >= limit:
            break
    return list(out)


async def fetch_pictures(fetcher: Fetcher, urls: list[str]) -> list[PictureFetch]:
    """Fetch each picture (in parallel, politeness is the fetcher's); each failure is recorded."""

    async def one(url: str) -> PictureFetch:
        if not fetcher.in_scope(url):
            return PictureFetch(url, problem="outside the configured hosts (not fetched)")
        try:
            page = await fetcher.fetch(url, content_types=PICTURE_TYPES)
        except FetchError as exc:
            return PictureFetch(url, problem=exc.reason[:300])
        if len(page.body) > MAX_PICTURE_BYTES:
            return PictureFetch(url, problem=f"picture of {len(page.body):,} bytes exceeds {MAX_PICTURE_BYTES:,}")
        return PictureFetch(url, page=page)

    return list(await asyncio.gather(*(one(u) for u in urls)))
