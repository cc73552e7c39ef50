"""A case as CSV tables: entities, identifiers, listings and per-province counts.

Every row carries its item's TLP (its own marking, else the case's) in a
`tlp` column, so a table cut out of the set keeps its marking. Identifier
rows say whose the identifier is (`role`: suspect, victim, unknown); the
`value` column holds what `cases.disclosure` left in clear (a seller's QQ,
Telegram or wallet), empty where only the masked form and keyed hash go. Cells that a spreadsheet would run as a formula
(leading = + - @, tab, CR) are prefixed with an apostrophe: names and titles
come from hostile pages. Dump figures are per province, never per victim.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from leaktrace.cases import provinces
from leaktrace.cases.model import CaseContent, Ident

TABLES = ("entities", "identifiers", "listings", "provinces")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    if text.startswith(_FORMULA) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()


def _ident_row(tlp: str, kind: str, owner: str, i: Ident) -> list[Any]:
    return [kind, owner, i.type, i.value or "", i.masked, i.hash or "", i.role, tlp]


def build_tables(content: CaseContent) -> dict[str, str]:
    """Table name -> CSV text."""
    c = content

    def tlp(item: Any) -> str:
        return str(item.tlp or c.info.tlp)

    entities: list[list[Any]] = []
    for g in c.groups:
        entities.append(["group", g.id, g.name, "", "", "", "; ".join(g.members), g.confidence, tlp(g)])
    for a in c.actors:
        entities.append(["actor", a.id, a.name, a.role, a.group, a.province_code, "; ".join(a.aliases), a.confidence,
                         tlp(a)])
    for att in c.attributions:
        entities.append(["victim_org", att.org_id or att.id, att.org_name, "victim", "", "", att.partner or "",
                         att.confidence, tlp(att)])
    idents: list[list[Any]] = []
    for g in c.groups:
        idents += [_ident_row(tlp(g), "group", g.id, i) for i in g.shared]
    for a in c.actors:
        idents += [_ident_row(tlp(a), "actor", a.id, i) for i in a.identifiers]
    for listing in c.listings:
        idents += [_ident_row(tlp(listing), "listing", listing.id, i) for i in listing.identifiers]
    for w in c.wallets:
        shown = w.address if "*" not in w.address else ""
        idents.append(["wallet", "; ".join(w.actors), w.chain or "wallet", shown, w.address, "", "suspect", tlp(w)])
    listings = [
        [x.id, x.market, x.title, x.seller, x.category, x.claimed_records,
         x.price.amount if x.price else None, x.price.currency if x.price else None, x.sold,
         x.first_seen.isoformat() if x.first_seen else None, x.url, tlp(x)]
        for x in c.listings
    ]
    prov = [
        [d.id, code, provinces.name(code, "zh"), provinces.name(code, "en"), n, tlp(d)]
        for d in c.dumps
        for code, n in sorted(d.by_province.items())
    ]
    return {
        "entities": _csv(["kind", "id", "name", "role", "group", "province_code", "aliases_or_members", "confidence", "tlp"], entities),
        "identifiers": _csv(["owner_kind", "owner_id", "type", "value", "masked", "keyed_hash", "role", "tlp"],
                            idents),
        "listings": _csv(["id", "market", "title", "seller", "category", "claimed_records", "price", "currency", "sold", "first_seen", "url", "tlp"], listings),
        "provinces": _csv(["dump_id", "province_code", "province_zh", "province_en", "distinct_victims", "tlp"], prov),
    }


def write_tables(content: CaseContent, out_dir: Path) -> list[Path]:
    from leaktrace.core.private_files import private_dir, write_private_text

    private_dir(out_dir)
    paths = []
    for name, text in build_tables(content).items():
        path = out_dir / f"{content.info.ref}.{name}.csv"
        write_private_text(path, text)
        paths.append(path)
    return paths
