"""Reading what the graph needs out of the store: accounts, their posts and identifiers.

A few bulk SELECTs, grouped in Python by account (`site:handle`), so a
million posts are read in one pass instead of one query per account. The
graph never writes these tables; it sees only keyed hashes and masked forms
of personal identifiers, as the store keeps them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leaktrace.store.models import Capture, Identifier, IntelResult, Post, PostIdentifier, Source

MAX_TEXT_CHARS = 4000  # per post, for stylometry: a hostile 10 MB post must not dominate


@dataclass
class IdentRec:
    """A distinct identifier: type, keyed hash, masked form, the clear value only when the store keeps it."""

    id: int
    type: str
    value_hash: str
    masked: str
    clear: str | None


@dataclass
class PostRec:
    id: int
    account: str
    posted_at: datetime | None
    text: str
    capture_sha256: str | None
    price_amount: float | None
    price_currency: str | None
    volume: int | None
    trafficking: bool
    sold: int | None
    regions: list[str]
    price_per_record: bool = False
    pictures: list[str] = field(default_factory=list)  # perceptual hashes (hex) of the pictures the post shows


@dataclass
class AccountRec:
    """One seller account on one source, with what its posts carry.

    `site` is the name of the source the posts were collected under (what an
    investigator registered and types: `market-a`); `host` is where they were
    found (an onion host, `telegram`), kept as a property of the account.
    """

    key: str
    site: str
    handle: str
    host: str = ""
    posts: list[PostRec] = field(default_factory=list)
    # identifier id -> capture sha256s of the posts that carry it (None: post without capture)
    identifiers: dict[int, set[str | None]] = field(default_factory=lambda: defaultdict(set))
    samples: dict[int, set[str | None]] = field(default_factory=lambda: defaultdict(set))

    @property
    def first_seen(self) -> datetime | None:
        dates = [p.posted_at for p in self.posts if p.posted_at is not None]
        return min(dates) if dates else None

    @property
    def last_seen(self) -> datetime | None:
        dates = [p.posted_at for p in self.posts if p.posted_at is not None]
        return max(dates) if dates else None


@dataclass
class Corpus:
    accounts: dict[str, AccountRec]
    identifiers: dict[int, IdentRec]
    skipped_posts: int = 0  # posts without an author handle: nobody to attribute them to


MAX_PICTURES_PER_POST = 20
_HEX = re.compile(r"[0-9a-f]{16,512}")


def _pictures(value: Any) -> list[str]:
    """The perceptual hashes an intel result records (`facts.pictures`), hex only, a few per post."""
    if not isinstance(value, list):
        return []
    return [v for v in value if isinstance(v, str) and _HEX.fullmatch(v)][:MAX_PICTURES_PER_POST]


def account_key(site: str, handle: str) -> str:
    """`source:handle`: the name accounts go by in the graph, its commands, reports and exports."""
    return f"{site}:{handle}"


def load_corpus(session: Session, sample_types: frozenset[str] = frozenset({"sample_row"})) -> Corpus:
    """Every post with an author, grouped into accounts, with identifiers and capture hashes."""
    latest = (select(IntelResult.post_id, func.max(IntelResult.id).label("rid"))
              .group_by(IntelResult.post_id).subquery())
    intel: dict[int, tuple[bool, dict[str, Any]]] = {
        pid: (bool(t), dict(f or {}))
        for pid, t, f in session.execute(
            select(IntelResult.post_id, IntelResult.trafficking, IntelResult.facts)
            .join(latest, IntelResult.id == latest.c.rid))
    }
    accounts: dict[str, AccountRec] = {}
    post_account: dict[int, tuple[AccountRec, PostRec]] = {}
    skipped = 0
    rows = session.execute(
        select(Post.id, Post.site, Post.author_handle, Post.title, Post.body, Post.posted_at, Post.price_amount,
               Post.price_currency, Post.volume_records, Capture.sha256, Source.name)
        .outerjoin(Capture, Capture.id == Post.capture_id)
        .outerjoin(Source, Source.id == Post.source_id).order_by(Post.id))
    for pid, host, handle, title, body, posted, amount, currency, volume, sha, source in rows:
        if not handle or not handle.strip():
            skipped += 1
            continue
        site = source or host  # a post without a source (older rows) keeps its host as the namespace
        key = account_key(site, handle.strip())
        acc = accounts.get(key)
        if acc is None:
            acc = accounts[key] = AccountRec(key, site, handle.strip(), host)
        traff, facts = intel.get(pid, (volume is not None, {}))
        sold = facts.get("sold")
        text = ((title or "") + "\n" + (body or ""))[:MAX_TEXT_CHARS]
        rec = PostRec(pid, key, posted, text, sha, amount, currency, volume, traff,
                      int(sold) if isinstance(sold, int | float) and sold >= 0 else None,
                      [str(r) for r in facts.get("regions") or []][:50],
                      bool(isinstance(facts.get("price"), dict) and facts["price"].get("per")),
                      _pictures(facts.get("pictures")))
        acc.posts.append(rec)
        post_account[pid] = (acc, rec)
    idents: dict[int, IdentRec] = {}
    for iid, typ, vh, vm, vn in session.execute(
            select(Identifier.id, Identifier.type, Identifier.value_hash, Identifier.value_masked,
                   Identifier.value_norm)):
        idents[iid] = IdentRec(iid, typ, vh, vm, vn)
    for pid, iid, role in session.execute(select(PostIdentifier.post_id, PostIdentifier.identifier_id,
                                                 PostIdentifier.role)):
        hit = post_account.get(pid)
        ident = idents.get(iid)
        if hit is None or ident is None:
            continue
        acc, rec = hit
        # A value shown inside sample rows (a victim's phone) is supply the post offers, not its author's own.
        target = acc.samples if ident.type in sample_types or role == "sample" else acc.identifiers
        target[iid].add(rec.capture_sha256)
    return Corpus(accounts, idents, skipped)
