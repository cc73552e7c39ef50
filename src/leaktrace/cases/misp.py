"""A case as a MISP event (JSON), built with pymisp's object templates.

Wallets become `coin-address`, PGP keys `pgp-meta`, Telegram handles
`telegram-account`, market onions `tor-hiddenservice`; the sellers are
`threat-actor` attributes with their aliases, the victim organisation a
`target-org`. A suspect's own contacts travel in clear (`phone-number`,
`email`, `jabber-id`, and QQ/WeChat/Tox/Session as `text` named by app);
any contact `cases.disclosure` left masked (a victim's, a redacted copy's)
is only a masked form and keyed hash, as text. The event and every
attribute carry the copy's TLP tag. Dumps are summarised as counts only.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlsplit

from pymisp import MISPEvent, MISPObject

from leaktrace.cases.model import WALLET_TYPES, CaseContent, Ident
from leaktrace.core.disclosure import CONTACT_TYPES
from leaktrace.core.masking import MASK_CHAR

_NS = uuid.UUID("6b1d0c3e-6a0e-4d55-9a55-1eaf7ace0002")
_SYMBOLS = {"btc": "BTC", "btc_address": "BTC", "eth": "ETH", "eth_address": "ETH", "xmr": "XMR",
            "xmr_address": "XMR", "trx": "TRX", "trx_address": "TRX", "usdt": "USDT", "usdt_trc20": "USDT",
            "usdt_erc20": "USDT", "usdt_address": "USDT"}

# A suspect's contact in clear as MISP's own attribute types; other apps become `text`.
_CONTACT_ATTRIBUTES = {"cn_mobile": "phone-number", "phone": "phone-number", "email": "email",
                       "jabber": "jabber-id"}


class _Event:
    def __init__(self, content: CaseContent) -> None:
        self.c = content
        self.tag = f"tlp:{content.info.tlp}"
        self.ev = MISPEvent()
        self.seen: set[tuple[str, str]] = set()

    def _tag_object(self, obj: MISPObject) -> MISPObject:
        for attr in obj.attributes:
            attr.add_tag(self.tag)
        obj.uuid = str(uuid.uuid5(_NS, obj.name + "/" + "/".join(str(a.value) for a in obj.attributes)))
        self.ev.add_object(obj)
        return obj

    def attribute(self, kind: str, value: str, *, category: str | None = None, comment: str = "") -> None:
        if (kind, value) in self.seen:
            return
        self.seen.add((kind, value))
        kw: dict[str, Any] = {"comment": comment} if comment else {}
        if category:
            kw["category"] = category
        attr = self.ev.add_attribute(kind, value, to_ids=False, **kw)
        attr.add_tag(self.tag)
        attr.uuid = str(uuid.uuid5(_NS, f"{kind}/{value}"))

    def ident(self, ident: Ident, comment: str = "") -> None:
        key = (ident.type, ident.value or ident.hash or ident.masked)
        if key in self.seen:
            return
        self.seen.add(key)
        if ident.type in WALLET_TYPES and ident.value:
            obj = MISPObject("coin-address")
            symbol = _SYMBOLS.get(ident.type)
            if symbol == "BTC":
                obj.add_attribute("address", ident.value)
            elif symbol == "XMR":
                obj.add_attribute("address-xmr", ident.value)
            else:
                obj.add_attribute("address-crypto", ident.value)
            if symbol:
                obj.add_attribute("symbol", symbol)
            if comment:
                obj.comment = comment
            self._tag_object(obj)
        elif ident.type in ("pgp", "pgp_fingerprint") and ident.value:
            obj = MISPObject("pgp-meta")
            obj.add_attribute("key-id", ident.value)
            if comment:
                obj.comment = comment
            self._tag_object(obj)
        elif ident.type == "telegram" and ident.value:
            obj = MISPObject("telegram-account")
            obj.add_attribute("username", ident.value.lstrip("@"))
            if comment:
                obj.comment = comment
            self._tag_object(obj)
        elif ident.type == "onion" and ident.value:
            self.onion(ident.value, comment)
        elif ident.value and ident.type in _CONTACT_ATTRIBUTES:
            self.seen.discard(key)
            self.attribute(_CONTACT_ATTRIBUTES[ident.type], ident.value, category="Attribution",
                           comment=comment or "seller's contact")
        elif ident.value and ident.type in CONTACT_TYPES:
            self.seen.discard(key)
            self.attribute("text", f"{ident.type}: {ident.value}", category="Attribution",
                           comment=comment or "seller's contact")
        elif ident.value is None:
            text = f"{ident.type}: {ident.masked}" + (f" (keyed hash {ident.hash})" if ident.hash else "")
            self.seen.discard(key)
            self.attribute("text", text, category="Attribution", comment=comment or "contact, masked")

    def onion(self, host: str, title: str = "") -> None:
        if ("onion", host) in self.seen and title == "":
            return
        self.seen.add(("onion", host))
        obj = MISPObject("tor-hiddenservice")
        obj.add_attribute("address", host)
        if title:
            obj.add_attribute("title", title)
        self._tag_object(obj)

    def build(self) -> MISPEvent:
        c = self.c
        ev = self.ev
        ev.info = f"{c.info.ref}: {c.info.title}"
        ev.uuid = str(uuid.uuid5(_NS, c.info.ref))
        ev.distribution = 0
        ev.threat_level_id = 2
        ev.analysis = 1
        ev.set_date(c.info.created_at.date())
        ev.add_tag(self.tag)
        ev.add_tag("leaktrace:case")
        for att in c.attributions:
            self.attribute("target-org", att.org_name, comment=f"victim organisation, confidence {att.confidence:.2f}; {att.method}")
        for g in c.groups:
            self.attribute("threat-actor", g.name or g.id, comment=f"group of {len(g.members)} members")
            for ident in g.shared:
                self.ident(ident, f"shared by group {g.name or g.id}")
        for a in c.actors:
            who = a.name or a.id
            alias = ", ".join(a.aliases)
            self.attribute("threat-actor", who, comment=f"role {a.role or '?'}; aliases {alias}"[:1000])
            for ident in a.identifiers:
                self.ident(ident, f"held by {who}")
        hosts: dict[str, str] = {}
        for listing in c.listings:
            host = urlsplit(listing.url).hostname if listing.url else None
            if host and host.endswith(".onion"):
                hosts.setdefault(host, listing.market)
            for ident in listing.identifiers:
                self.ident(ident, f"on listing {listing.id}")
        for host, market in sorted(hosts.items()):
            self.onion(host, market)
        for w in c.wallets:
            if MASK_CHAR in w.address:  # a redacted copy: a masked address is no coin-address
                continue
            self.ident(Ident(type=w.chain or "wallet", value=w.address), "wallet of " + ", ".join(w.actors))
        for d in c.dumps:
            summary = {
                "dump": d.name or d.id, "claimed_records": d.claimed_records, "rows": d.rows,
                "distinct_victims": d.distinct_victims, "fabricated_rows": d.fabricated_rows,
                "duplicate_rows": d.duplicate_rows, "by_province": dict(sorted(d.by_province.items())),
            }
            self.attribute("text", json.dumps(summary, ensure_ascii=False), category="Other",
                           comment="dump aggregates (no per-victim rows)")
            if d.sha256:
                self.attribute("sha256", d.sha256, category="Artifacts dropped", comment=f"seized dump {d.name or d.id}")
        for cap in c.captures:
            self.attribute("sha256", cap.sha256, category="External analysis",
                           comment=f"capture of {cap.url or '?'}"[:1000])
        return ev


def build_event(content: CaseContent) -> MISPEvent:
    return _Event(content).build()


def to_json(content: CaseContent) -> str:
    """`{"Event": {...}}`, the form MISP imports (pymisp's own JSON, with CJK kept readable)."""
    doc = json.loads(build_event(content).to_json())
    if "Event" not in doc:
        doc = {"Event": doc}
    return json.dumps(doc, indent=2, ensure_ascii=False)
