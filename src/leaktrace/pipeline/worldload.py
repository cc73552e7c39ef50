"""Fill the store from a generated world's `social/` folder, standing in for crawler and importers.

Tests, the benchmark and demos need posts, captures and identifiers in the
store before any crawler exists; this writes exactly what the crawler and
intel stages would write (a capture per page with the SHA-256 of its bytes,
a post, intel facts, identifiers as keyed hash + masked form) through the
store repositories. It reads the files `leaktrace simulate` writes, never
the truth. It lives in `pipeline` because it joins two stages (intel and
the store); the graph itself reads the store alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.core.hashing import KeyedHasher
from leaktrace.store.repo import (
    PostSighting,
    add_source,
    attach_identifier,
    record_capture,
    record_intel,
    upsert_post,
)
from leaktrace.store.sequences import reset_sequences

LOADER_VERSION = "worldload-1"
SAMPLE_TYPE = "sample_row"


@dataclass(frozen=True)
class Page:
    """One page as a crawler would have fetched it."""

    site: str
    url: str
    author: str
    title: str
    body: str
    posted_at: datetime | None
    sample: list[str]
    sold: int | None
    raw: bytes
    pictures: tuple[str, ...] = ()  # perceptual hashes of the listing's pictures (intel facts `pictures`)


def _utc(text: str) -> datetime:
    fmt = "%Y-%m-%d %H:%M" if len(text) == 16 else "%Y-%m-%d"
    return datetime.strptime(text, fmt).replace(tzinfo=UTC)


def _flatten(text: Any) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(t if isinstance(t, str) else str(t.get("text", "")) for t in text)
    return ""


def _picture_hashes(social: Path, names: list[str]) -> tuple[str, ...]:
    """Perceptual hashes of a listing's pictures (what the image stage records); unreadable ones are left out."""
    from leaktrace.images.decode import decode
    from leaktrace.images.phash import perceptual_hash

    out = []
    for name in names:
        path = social / "images" / Path(str(name)).name
        dec = decode(path.read_bytes()) if path.is_file() else None
        if dec is not None and dec.image is not None:
            out.append(perceptual_hash(dec.image))
    return tuple(out)


def iter_pages(social: Path) -> Iterator[Page]:
    """Listings, vendor profiles and chat messages of one `social/` folder, in file order."""
    markets = {m["id"]: m for m in json.loads((social / "markets.json").read_text("utf-8"))}
    for line in (social / "listings.jsonl").read_text("utf-8").splitlines():
        x = json.loads(line)
        onion = markets[x["market"]]["onion"]
        yield Page(x["market"], f"http://{onion}/listing/{x['id']}", x["seller"], x["title"], x["body"],
                   _utc(x["posted"]), list(x.get("sample") or []), x.get("sold"), line.encode("utf-8"),
                   _picture_hashes(social, x.get("images") or []))
    for line in (social / "vendors.jsonl").read_text("utf-8").splitlines():
        v = json.loads(line)
        onion = markets[v["market"]]["onion"]
        body = v["bio"] + ("\n" + v["pgp"] if v.get("pgp") else "")
        yield Page(v["market"], f"http://{onion}/vendor/{v['handle']}", v["handle"], "vendor profile", body,
                   None, [], None, line.encode("utf-8"))
    tg_path = social / "telegram" / "result.json"
    if tg_path.is_file():
        export = json.loads(tg_path.read_text("utf-8"))
        for msg in export.get("messages", []):
            if msg.get("type") != "message" or not _flatten(msg.get("text")):
                continue
            text = _flatten(msg["text"])
            lines = text.split("\n")
            sample = [ln for ln in lines if ln.startswith("姓名:")]
            posted = datetime.fromtimestamp(int(msg["date_unixtime"]), tz=UTC)
            yield Page("telegram", f"tg://chat/{export.get('id')}/{msg['id']}", str(msg["from_id"]), lines[0],
                       "\n".join(ln for ln in lines[1:] if ln not in sample), posted, sample, None,
                       json.dumps(msg, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def load_world(session: Session, social: Path, hasher: KeyedHasher, *, fast: bool = True,
               limit: int | None = None) -> int:
    """Write the pages of `social/` into the store; returns the number of posts written.

    `fast` writes with one multi-row INSERT per table (about ten times quicker,
    which a 100-world benchmark needs) and stores exactly what the repository
    path (`fast=False`, one repository call per row) stores; a test keeps the
    two equal. Either way the store must be empty of these sites beforehand.
    """
    if not (social / "listings.jsonl").is_file():
        raise InputError(f"{social}: no listings.jsonl here (expected a simulate OUTDIR/social folder)")
    pages = list(iter_pages(social))[:limit]
    return _load_fast(session, pages, hasher) if fast else _load_repo(session, pages, hasher)


def _load_repo(session: Session, pages: list[Page], hasher: KeyedHasher) -> int:
    from leaktrace.intel.extract import analyse_post  # the stand-in for the intel stage

    sources: dict[str, int] = {}
    n = 0
    for page in pages:
        if page.site not in sources:
            sources[page.site] = add_source(session, page.site, "market", legal_basis="synthetic world",
                                            owner="tests").id
        fetched = page.posted_at or datetime(2025, 1, 1, tzinfo=UTC)
        cap = record_capture(session, hashlib.sha256(page.raw).hexdigest(), page.url, fetched, 200,
                             sources[page.site])
        analysis = analyse_post(page.title, page.body)
        facts = analysis.facts
        price = facts.price
        post = upsert_post(session, PostSighting(
            site=page.site, url=page.url, author_handle=page.author, title=page.title, body=page.body,
            posted_at=page.posted_at, price_amount=price.amount if price else None,
            price_currency=price.currency if price else None, volume_records=facts.records,
        ), seen_at=fetched, source_id=sources[page.site], capture_id=cap.id)
        contract = facts.contract()
        if page.sold is not None:
            contract["sold"] = page.sold
        if page.pictures:
            contract["pictures"] = list(page.pictures)
        trafficking = _trafficking(facts.records, page)
        record_intel(session, post.post_id, LOADER_VERSION, trafficking=trafficking,
                     score=1.0 if page.sample else 0.5, facts=contract)
        for ident in analysis.identifiers:
            attach_identifier(session, post.post_id, ident.type, ident.value, hasher, role="contact",
                              person="suspect" if trafficking else "unknown")
        for row in page.sample:
            attach_identifier(session, post.post_id, SAMPLE_TYPE, row.strip(), hasher, role="sample")
        n += 1
    session.flush()
    return n


def _trafficking(records: int | None, page: Page) -> bool:
    return records is not None or bool(page.sample)


def _load_fast(session: Session, pages: list[Page], hasher: KeyedHasher) -> int:
    """The same rows as `_load_repo`, written with executemany INSERTs."""
    from sqlalchemy import func, insert, select

    from leaktrace.core.disclosure import Origin, Role, kept_in_store
    from leaktrace.core.masking import mask
    from leaktrace.core.normalize import normalize
    from leaktrace.intel.extract import analyse_post
    from leaktrace.store.models import (
        Capture,
        Identifier,
        IntelResult,
        Post,
        PostIdentifier,
        url_key,
    )

    now = datetime.now(UTC)
    site_names = sorted({p.site for p in pages})
    src_id: dict[str, int] = {}
    for name in site_names:
        src_id[name] = add_source(session, name, "market", legal_basis="synthetic world", owner="tests").id
    base_cap = (session.scalar(select(func.max(Capture.id))) or 0) + 1
    base_post = (session.scalar(select(func.max(Post.id))) or 0) + 1
    base_ident = (session.scalar(select(func.max(Identifier.id))) or 0) + 1
    known = {(t, h): i for i, t, h in session.execute(select(Identifier.id, Identifier.type, Identifier.value_hash))}
    caps, posts, intel, idents, links = [], [], [], [], {}
    new: dict[int, dict[str, Any]] = {}
    for n, page in enumerate(pages):
        fetched = page.posted_at or datetime(2025, 1, 1, tzinfo=UTC)
        cid, pid = base_cap + n, base_post + n
        caps.append({"id": cid, "source_id": src_id[page.site], "url": page.url, "url_key": url_key(page.url),
                     "sha256": hashlib.sha256(page.raw).hexdigest(), "fetched_at": fetched, "status": 200,
                     "content_type": None, "size": None, "recorded_at": now})
        analysis = analyse_post(page.title, page.body)
        facts = analysis.facts
        price = facts.price
        posts.append({"id": pid, "site": page.site, "url": page.url, "url_key": url_key(page.url),
                      "source_id": src_id[page.site], "capture_id": cid, "author_handle": page.author,
                      "title": page.title, "body": page.body, "language": None, "posted_at": page.posted_at,
                      "price_amount": round(float(price.amount), 8) if price else None,
                      "price_currency": price.currency if price else None, "volume_records": facts.records,
                      "status": None, "first_seen_at": fetched, "last_seen_at": fetched})
        contract = facts.contract()
        if page.sold is not None:
            contract["sold"] = page.sold
        if page.pictures:
            contract["pictures"] = list(page.pictures)
        trafficking = _trafficking(facts.records, page)
        person: Role = "suspect" if trafficking else "unknown"
        intel.append({"post_id": pid, "model_version": LOADER_VERSION, "trafficking": trafficking,
                      "score": 1.0 if page.sample else 0.5, "categories": [], "facts": contract, "created_at": now})
        found: list[tuple[str, str, Origin]] = [(i.type, i.value, "contact") for i in analysis.identifiers]
        found += [(SAMPLE_TYPE, row.strip(), "sample") for row in page.sample]
        for id_type, value, role in found:
            norm = normalize(id_type, value)
            digest = hasher.hash_normalised(id_type, norm)
            iid = known.get((id_type, digest))
            if iid is None:
                iid = known[(id_type, digest)] = base_ident + len(idents)
                new[iid] = {"id": iid, "type": id_type, "value_hash": digest, "value_masked": mask(norm)[:200],
                            "value_norm": None, "first_seen_at": now}
                idents.append(new[iid])
            if iid in new and new[iid]["value_norm"] is None and kept_in_store(id_type, person, role):
                new[iid]["value_norm"] = norm  # a seller's own contact, as attach_identifier keeps it
            links[(pid, iid, role)] = 1
    for table, rows in ((Capture, caps), (Post, posts), (IntelResult, intel), (Identifier, idents)):
        if rows:
            session.execute(insert(table), rows)
    if links:
        session.execute(insert(PostIdentifier), [{"post_id": p, "identifier_id": i, "role": r, "count": c}
                                                 for (p, i, r), c in links.items()])
    session.flush()
    reset_sequences(session, [t.__table__ for t in (Capture, Post, IntelResult, Identifier)])
    return len(pages)
