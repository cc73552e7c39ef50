"""Saved HTML pages: decode them right, find the page's own URL, read posts out of them.

Pages saved from Chinese markets often carry no charset at all, or a header
that disagrees with the bytes. The order here is what a browser would do,
made strict where guessing would corrupt text: byte-order mark, a declared
charset (HTTP header, then `<meta>`) that actually decodes, then the
UTF-8/GB18030 sniff of core.textio. Malformed markup is left to lexbor,
which repairs it the way browsers do; only binary data is refused.

With a site profile (collect/profile.py, YAML) the page's item selectors
are applied by collect.extract, exactly as the crawler applies them; without one a generic reading takes the `<title>` (or first
`<h1>`) as title and the text of the main content as body.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from leaktrace.collect.importers.base import (
    Attachment,
    Document,
    Skipped,
    attachment,
    file_url,
    mtime,
    read_file,
)
from leaktrace.collect.items import ParsedItem
from leaktrace.core.errors import InputError
from leaktrace.core.textio import canonical_encoding, sniff_encoding

if TYPE_CHECKING:
    from leaktrace.collect.profile import Profile

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
MAX_HTML_BYTES = 16 << 20
MAX_TEXT_CHARS = 1 << 20
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d{1,5}\)\s*(\S{1,8192}?)\s*-->", re.IGNORECASE)
_BLOCKS = "p,div,li,tr,h1,h2,h3,h4,h5,h6,pre,table,ul,ol,section,article,blockquote,dd,dt"
_DROP = "script,style,noscript,template,iframe,object,embed,svg"
_MAIN = ("main", "article", "#content", ".content", "#main", ".post", "body")
_CHROME = "nav,header,footer,aside"  # not form: some forums wrap every post in one


def charset_of(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type value, if any."""
    if not content_type:
        return None
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", content_type, re.IGNORECASE)
    return m.group(1) if m else None


def _try(data: bytes, name: str | None) -> tuple[str, str] | None:
    if not name:
        return None
    try:
        enc = canonical_encoding(name.decode("ascii") if isinstance(name, bytes) else name)
        return data.decode(enc), enc
    except (InputError, UnicodeDecodeError, LookupError, UnicodeEncodeError):
        return None


def decode_html(data: bytes, label: str, declared: str | None = None) -> tuple[str, str]:
    """(text, encoding): BOM, a declared charset that decodes, `<meta charset>`, then the sniff.

    Only a page that no rule decodes cleanly is decoded with replacement
    characters (the markup still parses); binary data is an InputError.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, "replace"), enc
    found = _try(data, declared)
    if found:
        return found
    m = _META_CHARSET.search(data[:4096])
    found = _try(data, m.group(1).decode("ascii")) if m else None
    if found:
        return found
    sniffed = sniff_encoding(data[:65536], label)
    try:
        return data.decode(sniffed.encoding), sniffed.encoding
    except UnicodeDecodeError:
        # The head sniffed clean but a later byte is broken: keep the page, mark the damage.
        return data.decode(sniffed.encoding, "replace"), sniffed.encoding


def page_url(text: str, tree: LexborHTMLParser) -> str | None:
    """The URL a saved page came from: browser 'saved from' marker, canonical link, og:url, base."""
    m = _SAVED_FROM.search(text[:4096])
    candidates = [m.group(1)] if m else []
    for sel, attr in (('link[rel="canonical"]', "href"), ('meta[property="og:url"]', "content"), ("base", "href")):
        node = tree.css_first(sel)
        if node is not None:
            candidates.append(node.attributes.get(attr) or "")
    for cand in candidates:
        cand = cand.strip()
        parts = urlsplit(cand)
        if parts.scheme in ("http", "https") and parts.netloc and len(cand) <= 8192:
            return cand
    return None


def _clean(text: str | None, limit: int = MAX_TEXT_CHARS) -> str | None:
    if not text:
        return None
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out = "\n".join(line for line in lines if line)
    return out[:limit] or None


def node_text(node: LexborNode | None) -> str | None:
    """Readable text of a node: line breaks at <br> and block ends, whitespace collapsed."""
    if node is None:
        return None
    for br in node.css("br"):
        br.replace_with("\n")
    for block in node.css(_BLOCKS):
        block.insert_after("\n")
    return _clean(node.text(separator=""))


def parse(text: str) -> LexborHTMLParser:
    tree = LexborHTMLParser(text)
    for node in tree.css(_DROP):
        node.decompose()
    return tree


def generic_item(tree: LexborHTMLParser, site: str, url: str) -> ParsedItem | None:
    """Title and main text of any page; None when the page has neither."""
    title_node = tree.css_first("title") or tree.css_first("h1")
    title = _clean(title_node.text(), 2000) if title_node is not None else None
    body = None
    for sel in _MAIN:
        node = tree.css_first(sel)
        if node is not None:
            for chrome in node.css(_CHROME):
                chrome.decompose()
            body = node_text(node)
            if body:
                break
    if not title and not body:
        return None
    lang = (tree.css_first("html").attributes.get("lang") if tree.css_first("html") else None) or None
    return ParsedItem(site=site, url=url, title=title, body=body, language=(lang or "")[:16] or None)


def profile_item(tree: LexborHTMLParser, profile: Profile, site: str, url: str) -> ParsedItem | None:
    """The item a profile's page rule reads from this page (collect.extract, as the crawler reads it).

    The page rule is chosen by the URL's path when the page's URL is known;
    otherwise (a page saved without its URL) the first rule with item
    selectors whose title selector finds something.
    """
    from leaktrace.collect import extract

    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        rule = profile.rule_for((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        rules = [rule] if rule is not None else []
    else:
        rules = [r for r in profile.pages if r.item is not None and r.item.title and tree.css_first(r.item.title)]
    for rule in rules:
        found = extract.item(tree, rule, url, site, profile.language)
        if found is not None:
            return replace(found, extra={**found.extra, "profile": profile.name})
    return None


def read_page(
    data: bytes, *, where: str, site: str, url: str | None, declared_type: str | None = None,
    profile: Profile | None = None,
) -> tuple[str, ParsedItem | None, str]:
    """(url, item, encoding) for one page; the URL found in the page wins over `url` when `url` is None."""
    text, encoding = decode_html(data, where, charset_of(declared_type))
    tree = parse(text)
    found = url or page_url(text, tree) or ""
    item = None
    if profile is not None:
        item = profile_item(tree, profile, site, found)
    if item is None:
        item = generic_item(tree, site, found)
    return found, item, encoding


MAX_PICTURES_PER_PAGE = 16


def local_pictures(data: bytes, where: str, page_dir: PurePosixPath, root: Path,
                   item_url: str | None) -> tuple[Attachment, ...]:
    """The page's pictures saved beside it (`<img src>` relative paths; a browser's `page_files/`)."""
    text, _ = decode_html(data, where)
    out: dict[str, Attachment] = {}
    for node in parse(text).css("img"):
        src = (node.attributes.get("src") or "").strip()
        parts = urlsplit(src)
        if not src or parts.scheme or parts.netloc or src.startswith("/"):
            continue  # on the web, not in the folder: not fetched by an import
        name = (page_dir / unquote(parts.path)).as_posix()
        out.setdefault(name, attachment(root, name, item_url))
        if len(out) >= MAX_PICTURES_PER_PAGE:
            break
    return tuple(out.values())


def iter_folder(
    folder: Path, *, site: str, profile: Profile | None = None, max_bytes: int = MAX_HTML_BYTES
) -> Iterator[Document | Skipped]:
    """Every saved page below `folder` (symlinks are not followed), in path order."""
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder (give a folder of saved .html pages)")
    paths: list[Path] = []
    others = 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in files:
            p = Path(root) / name
            if p.suffix.lower() in HTML_SUFFIXES and not p.is_symlink():
                paths.append(p)
            else:
                others += 1
    paths.sort()
    for path in paths:
        rel = PurePosixPath(path.relative_to(folder).as_posix())
        where = str(path)
        try:
            data = read_file(path, max_bytes)
            if not data.strip():
                yield Skipped(where, "empty file")
                continue
            url, item, encoding = read_page(data, where=where, site=site, url=None, profile=profile)
        except InputError as exc:
            yield Skipped(where, str(exc).removeprefix(f"{where}: "))
            continue
        url = url or file_url(rel)
        if item is not None and not item.url:
            item = replace(item, url=url)
        yield Document(
            url=url, body=data, fetched_at=mtime(path), where=where,
            content_type=f"text/html; charset={encoding}", items=(item,) if item else (),
            meta={"imported_from": str(rel), "fetched_at_is": "file modification time"},
            attachments=local_pictures(data, where, rel.parent, folder, item.url if item else None),
        )
    if others:
        yield Skipped(str(folder), f"{others} other file(s) without an HTML suffix left out")
