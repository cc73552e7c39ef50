"""Canaries in captured pages: keyed hashes of the identifiers a page shows, looked up in the registry.

Organisations register canary rows as keyed tags only (attribution.canaries);
this finds the mobiles, e-mails, ID numbers and order-id-shaped tokens in a
page, normalises each as its kind's canonical form, hashes it with the
deployment key, and asks the registry's tag table. No canary value is ever
held in clear here, and a hit names the canary (organisation, partner copy,
record number, kind), not the page's text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from leaktrace.attribution.registry import Registry
from leaktrace.core.hashing import KeyedHasher
from leaktrace.core.normalize import normalize
from leaktrace.core.text_fold import match_form

log = logging.getLogger(__name__)
MAX_CANDIDATES = 20_000
# An order id a canary carries: an organisation's prefix and digits (attribution.canaries.generate).
_ORDER_TOKEN = re.compile(r"(?<![0-9A-Za-z])[A-Za-z0-9][A-Za-z0-9_\-]{7,39}(?![0-9A-Za-z])")
_PII_KINDS = ("cn_mobile", "email", "cn_id")


@dataclass(frozen=True)
class CanaryHit:
    org: str
    partner: str
    record: int
    kind: str

    @property
    def canary_id(self) -> str:
        """What the organisation is told: which planted row of which partner copy, never its value."""
        return f"{self.partner}#{self.record}"


_cache: dict[Path, tuple[float, dict[bytes, list[tuple[str, str, int, str]]], str]] = {}


def _tags(data_dir: Path) -> tuple[dict[bytes, list[tuple[str, str, int, str]]], str]:
    reg = Registry(data_dir)
    path = reg.canary_file
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}, ""
    got = _cache.get(path)
    if got is None or got[0] != mtime:
        tags, kid = reg.canary_tags()
        _cache[path] = got = (mtime, tags, kid)
    return got[1], got[2]


def candidates(text: str) -> set[tuple[str, str]]:
    """(kind, normalised value) of every identifier in `text` a canary could be."""
    from leaktrace.pii.redact import pii_hits

    folded = match_form(text) if not text.isascii() else text
    out = {(h.type, normalize(h.type, h.value)) for h in pii_hits(folded) if h.type in _PII_KINDS}
    for m in _ORDER_TOKEN.finditer(folded):
        tok = m.group()
        if any(c.isdigit() for c in tok):
            out.add(("order_id", normalize("order_id", tok)))
        if len(out) >= MAX_CANDIDATES:
            break
    return out


def canary_hits(data_dir: Path, hasher: KeyedHasher, text: str) -> list[CanaryHit]:
    """Every registered canary whose identifier appears in `text` (empty when none are registered)."""
    tags, kid = _tags(data_dir)
    if not tags or not text:
        return []
    if kid and kid != hasher.kid:
        log.warning("canary tags were made under key %s, the active key is %s: not checked", kid, hasher.kid)
        return []
    hits: set[CanaryHit] = set()
    for kind, value in candidates(text):
        for org, partner, record, tkind in tags.get(hasher.digest(kind, value), ()):
            if tkind == kind:
                hits.add(CanaryHit(org, partner, int(record), kind))
    return sorted(hits, key=lambda h: (h.org, h.partner, h.record, h.kind))
