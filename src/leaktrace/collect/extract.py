"""Reading a fetched page with its profile: which links lead on, and what the item says.

selectolax (lexbor) parses whatever a broken forum emits without raising and
without running anything; a selector that matches nothing gives None, never
an error, so a changed layout shows up as empty fields, not a crashed crawl.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from selectolax.lexbor import LexborHTMLParser, LexborNode

from leaktrace.collect.items import ParsedItem
from leaktrace.collect.profile import ItemSelectors, PageRule

MAX_FIELD_CHARS = 200_000
MAX_LINKS_PER_PAGE = 5000


NON_TEXT_TAGS = ["script", "style", "noscript", "template", "iframe", "object", "embed"]


def parse_html(text: str) -> LexborHTMLParser:
    """A parsed tree without script, style and embedded objects: they are never run and never text."""
    tree = LexborHTMLParser(text)
    tree.strip_tags(NON_TEXT_TAGS)
    return tree


def _text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    # <br> separates lines in post bodies; keep them as newlines.
    for br in node.css("br"):
        br.replace_with("\n")
    value = node.text(separator="", strip=False).strip()
    return value[:MAX_FIELD_CHARS] or None


def _first(tree: LexborHTMLParser, selector: str | None) -> LexborNode | None:
    if not selector:
        return None
    return tree.css_first(selector)


def links(tree: LexborHTMLParser, rule: PageRule, base_url: str) -> list[str]:
    """Absolute URLs (fragment removed) of the links the rule follows, in page order, without repeats."""
    out: dict[str, None] = {}
    for selector in rule.follow:
        for node in tree.css(selector):
            href = (node.attributes.get("href") or "").strip()
            if not href or href.startswith(("javascript:", "mailto:", "data:")):
                continue
            out.setdefault(urldefrag(urljoin(base_url, href))[0], None)
            if len(out) >= MAX_LINKS_PER_PAGE:
                return list(out)
    return list(out)


def parse_posted(value: str | None, sel: ItemSelectors) -> datetime | None:
    """A posted time in one of the profile's formats (or ISO 8601), made timezone-aware."""
    if not value:
        return None
    value = value.strip()[:64]
    try:
        zone: ZoneInfo | type[UTC] = ZoneInfo(sel.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    parsed: datetime | None = None
    for fmt in sel.posted_formats:
        try:
            parsed = datetime.strptime(value, fmt)
            break
        except ValueError:
            continue
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _int(value: str | None) -> int | None:
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    return int(digits[:18]) if digits else None


def item(tree: LexborHTMLParser, rule: PageRule, url: str, site: str, language: str | None) -> ParsedItem | None:
    """The post or listing on an item page; None when the page has none of the item's fields."""
    sel = rule.item
    if sel is None:
        return None
    title = _text(_first(tree, sel.title))
    body = _text(_first(tree, sel.body))
    if title is None and body is None:
        return None
    seller = _text(_first(tree, sel.seller))
    extra: dict[str, object] = {"page": rule.name, "kind": rule.item_kind}
    sold = _int(_text(_first(tree, sel.sold)))
    if sold is not None:
        extra["sold"] = sold
    sample = _text(_first(tree, sel.sample)) if sel.sample else None
    if sample:
        extra["sample"] = sample[:20000]
    status = _text(_first(tree, sel.status))
    if status:
        extra["status"] = status[:32]
    return ParsedItem(
        site=site,
        url=url,
        author_handle=seller[:255] if seller else None,
        title=title,
        body=body,
        price_text=(_text(_first(tree, sel.price)) or None),
        posted_at=parse_posted(_text(_first(tree, sel.posted)), sel),
        language=language,
        extra=extra,
    )
