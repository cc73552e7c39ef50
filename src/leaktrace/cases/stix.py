"""A case as a STIX 2.1 bundle, built with and validated by the `stix2` library.

Sellers become threat-actors (the group one more, with `related-to` member
links), the victim organisation an identity the actors `target`, listings
observed-data over their URL, wallets and accounts, wallets and onions
indicators, and one report references everything. STIX has no wallet or
phone-number observable, so two extension definitions add them as new SCOs
(`cryptocurrency-wallet`, `phone-number`: its masked form and keyed hash,
and the number itself only where it is a suspect's contact). A suspect's
messenger contacts are `user-account`s (`account_type` telegram, qq, wechat
...), their e-mail an `email-addr`; which values are in clear is decided
before, by `cases.disclosure`. Every object is marked with the copy's TLP. Dumps
appear only as aggregates in the report's description: no per-victim rows.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import stix2
from stix2 import properties as P
from stix2.v21 import CustomObservable

from leaktrace.cases.model import WALLET_TYPES, CaseContent, Ident
from leaktrace.core.disclosure import CONTACT_TYPES
from leaktrace.core.errors import IntegrityError
from leaktrace.core.masking import MASK_CHAR

_NS = uuid.UUID("6b1d0c3e-6a0e-4d55-9a55-1eaf7ace0001")
PRODUCER_ID = f"identity--{uuid.uuid5(_NS, 'leaktrace')}"
WALLET_EXT = f"extension-definition--{uuid.uuid5(_NS, 'cryptocurrency-wallet')}"
PHONE_EXT = f"extension-definition--{uuid.uuid5(_NS, 'phone-number')}"
_FIXED = datetime(2026, 1, 1, tzinfo=UTC)
TLP_MARKINGS = {
    "clear": stix2.TLP_WHITE,
    "green": stix2.TLP_GREEN,
    "amber": stix2.TLP_AMBER,
    "amber+strict": stix2.TLP_AMBER,
    "red": stix2.TLP_RED,
}


@CustomObservable(
    "cryptocurrency-wallet",
    [("value", P.StringProperty(required=True)), ("chain", P.StringProperty())],
    ["value"],
    extension_name=WALLET_EXT,
)
class CryptocurrencyWallet:
    """A wallet address (BTC, USDT on TRON/Ethereum ...)."""


@CustomObservable(
    "phone-number",
    [
        ("value_masked", P.StringProperty(required=True)),
        ("value_hash", P.StringProperty()),
        ("kind", P.StringProperty()),
        ("value", P.StringProperty()),
    ],
    ["value_hash", "value_masked"],
    extension_name=PHONE_EXT,
)
class PhoneNumber:
    """A contact number or messenger id: masked form and keyed hash; `value` only for a suspect's own contact."""


def _producer() -> stix2.Identity:
    return stix2.Identity(id=PRODUCER_ID, name="leaktrace", identity_class="system",
                          created=_FIXED, modified=_FIXED, object_marking_refs=[stix2.TLP_WHITE.id])


def _extension_definitions() -> list[stix2.ExtensionDefinition]:
    wallet_schema = {"type": "object", "properties": {"value": {"type": "string"}, "chain": {"type": "string"}},
                     "required": ["value"]}
    phone_schema = {"type": "object", "properties": {"value_masked": {"type": "string"}, "value_hash": {"type": "string"},
                                                     "kind": {"type": "string"}, "value": {"type": "string"}},
                    "required": ["value_masked"]}
    return [
        stix2.ExtensionDefinition(id=WALLET_EXT, created_by_ref=PRODUCER_ID, name="cryptocurrency-wallet",
                                  description="A cryptocurrency wallet address.",
                                  schema=json.dumps(wallet_schema), version="1.0.0",
                                  extension_types=["new-sco"], created=_FIXED, modified=_FIXED,
                                  object_marking_refs=[stix2.TLP_WHITE.id]),
        stix2.ExtensionDefinition(id=PHONE_EXT, created_by_ref=PRODUCER_ID, name="phone-number",
                                  description="A phone number or messenger id, as masked form and keyed hash "
                                              "(and the number, for a suspect's own contact).",
                                  schema=json.dumps(phone_schema), version="1.0.0",
                                  extension_types=["new-sco"], created=_FIXED, modified=_FIXED,
                                  object_marking_refs=[stix2.TLP_WHITE.id]),
    ]


def _sid(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(_NS, '/'.join(parts))}"


class _Builder:
    def __init__(self, content: CaseContent) -> None:
        self.c = content
        self.tlp = TLP_MARKINGS[content.info.tlp]
        self.marks: list[Any] = [self.tlp.id]
        self.extra_marks: list[Any] = []
        if content.info.tlp == "amber+strict":
            strict = stix2.MarkingDefinition(
                id=_sid("marking-definition", "tlp-amber-strict"), definition_type="statement",
                definition={"statement": "TLP:AMBER+STRICT — recipients' organisation only"},
                created=_FIXED,
            )
            self.extra_marks.append(strict)
            self.marks.append(strict.id)
        self.objects: dict[str, Any] = {}
        self.when = content.info.updated_at

    def add(self, obj: Any) -> Any:
        self.objects.setdefault(obj.id, obj)
        return obj

    def sdo(self, cls: Any, ident: str, **kw: Any) -> Any:
        return self.add(cls(id=ident, created_by_ref=PRODUCER_ID, object_marking_refs=self.marks,
                            created=self.when, modified=self.when, **kw))

    def sco(self, ident: Ident) -> Any | None:
        if ident.type in WALLET_TYPES and ident.value:
            return self.add(CryptocurrencyWallet(value=ident.value, chain=ident.type, object_marking_refs=self.marks))
        if ident.type == "onion" and ident.value:
            return self.add(stix2.DomainName(value=ident.value, object_marking_refs=self.marks))
        if ident.type in ("pgp", "pgp_fingerprint") and ident.value:
            return self.add(stix2.UserAccount(account_type="pgp-key", account_login=ident.value,
                                              object_marking_refs=self.marks))
        if ident.type in ("cn_mobile", "phone") and ident.value:
            return self.add(PhoneNumber(value_masked=ident.masked, value_hash=ident.hash or "", kind=ident.type,
                                        value=ident.value, object_marking_refs=self.marks))
        if ident.type == "email" and ident.value:
            return self.add(stix2.EmailAddress(value=ident.value, object_marking_refs=self.marks))
        if ident.value and ident.type in CONTACT_TYPES:
            return self.add(stix2.UserAccount(account_type=ident.type, account_login=ident.value,
                                              object_marking_refs=self.marks))
        if ident.value is None:
            return self.add(PhoneNumber(value_masked=ident.masked, value_hash=ident.hash or "",
                                        kind=ident.type, object_marking_refs=self.marks))
        return None

    def indicator(self, ident: Ident) -> Any | None:
        if not ident.value:
            return None
        value = ident.value.replace("\\", "\\\\").replace("'", "\\'")
        if ident.type in WALLET_TYPES:
            pattern = f"[cryptocurrency-wallet:value = '{value}']"
        elif ident.type == "onion":
            pattern = f"[domain-name:value = '{value}']"
        else:
            return None
        what = "wallet" if ident.type in WALLET_TYPES else "onion service"
        return self.sdo(stix2.Indicator, _sid("indicator", ident.type, ident.value), name=f"{ident.type} {ident.value}",
                        description=f"{what} used by sellers of personal information (case {self.c.info.ref})",
                        pattern=pattern, pattern_type="stix", valid_from=self.when,
                        indicator_types=["malicious-activity"])

    def rel(self, source: str, kind: str, target: str, description: str = "") -> None:
        kw = {"description": description} if description else {}
        self.sdo(stix2.Relationship, _sid("relationship", source, kind, target), relationship_type=kind,
                 source_ref=source, target_ref=target, **kw)

    def build(self) -> stix2.Bundle:
        c = self.c
        actor_ids: dict[str, str] = {}
        for a in c.actors:
            aid = _sid("threat-actor", c.info.ref, "actor", a.id)
            actor_ids[a.id] = aid
            kw: dict[str, Any] = {}
            if a.role:
                kw["roles"] = [a.role]
            if a.aliases:
                kw["aliases"] = a.aliases
            if a.confidence is not None:
                kw["confidence"] = round(a.confidence * 100)
            self.sdo(stix2.ThreatActor, aid, name=a.name or a.id, threat_actor_types=["criminal"],
                     primary_motivation="personal-gain", **kw)
            for ident in a.identifiers:
                sco = self.sco(ident)
                ind = self.indicator(ident)
                if ind is not None:
                    self.rel(ind.id, "indicates", aid)
                _ = sco
        for g in c.groups:
            gid = _sid("threat-actor", c.info.ref, "group", g.id)
            kw = {"confidence": round(g.confidence * 100)} if g.confidence is not None else {}
            self.sdo(stix2.ThreatActor, gid, name=g.name or g.id, threat_actor_types=["crime-syndicate"],
                     primary_motivation="personal-gain", **kw)
            for m in g.members:
                if m in actor_ids:
                    self.rel(actor_ids[m], "related-to", gid, "member of")
            for link in g.links:
                if link.source in actor_ids and link.target in actor_ids:
                    self.rel(actor_ids[link.source], "related-to", actor_ids[link.target],
                             f"{link.kind}: {link.evidence}"[:1000])
            for ident in g.shared:
                self.sco(ident)
                ind = self.indicator(ident)
                if ind is not None:
                    self.rel(ind.id, "indicates", gid)
        for att in c.attributions:
            oid = _sid("identity", "org", att.org_id or att.org_name)
            self.sdo(stix2.Identity, oid, name=att.org_name, identity_class="organization",
                     description=f"victim organisation, confidence {att.confidence:.2f}; " + "; ".join(att.evidence)[:2000])
            targets = [actor_ids[a.id] for a in c.actors] or []
            for g in c.groups:
                targets.append(_sid("threat-actor", c.info.ref, "group", g.id))
            for t in targets:
                self.rel(t, "targets", oid)
        for listing in c.listings:
            refs: list[str] = []
            if listing.url:
                refs.append(self.add(stix2.URL(value=listing.url, object_marking_refs=self.marks)).id)
            for ident in listing.identifiers:
                sco = self.sco(ident)
                if sco is not None:
                    refs.append(sco.id)
            if not refs:
                continue
            seen = listing.first_seen or self.when
            self.sdo(stix2.ObservedData, _sid("observed-data", c.info.ref, listing.id), first_observed=seen,
                     last_observed=seen, number_observed=1, object_refs=sorted(set(refs)))
        for w in c.wallets:
            if MASK_CHAR in w.address:  # a redacted copy: no observable or indicator for a masked address
                continue
            ident = Ident(type=w.chain or "wallet", value=w.address)
            self.sco(ident)
            ind = self.indicator(ident)
            for a in w.actors:
                if ind is not None and a in actor_ids:
                    self.rel(ind.id, "indicates", actor_ids[a])
        report_refs = sorted(k for k in self.objects if not k.startswith("marking-definition"))
        if not report_refs:
            report_refs = [PRODUCER_ID]
        self.sdo(stix2.Report, _sid("report", c.info.ref), name=f"{c.info.ref}: {c.info.title}",
                 description=_summary(c), published=self.when, report_types=["threat-actor"],
                 object_refs=report_refs)
        # The producer and the extension definitions are the same public objects in
        # every bundle, so they are TLP:CLEAR; everything from the case carries its TLP.
        marks = [stix2.TLP_WHITE] if self.tlp.id == stix2.TLP_WHITE.id else [stix2.TLP_WHITE, self.tlp]
        objects = [*marks, *self.extra_marks, _producer(), *_extension_definitions(), *self.objects.values()]
        return stix2.Bundle(objects=objects, id=_sid("bundle", c.info.ref, self.when.isoformat()))


def _summary(c: CaseContent) -> str:
    lines = [c.info.description or ""]
    for d in c.dumps:
        lines.append(
            f"dump {d.name or d.id}: claimed {d.claimed_records}, rows {d.rows}, distinct victims {d.distinct_victims}, "
            f"fabricated rows {d.fabricated_rows}, duplicates {d.duplicate_rows}, "
            f"per province {json.dumps(dict(sorted(d.by_province.items())))}"
        )
    return "\n".join(x for x in lines if x)


def build_bundle(content: CaseContent) -> stix2.Bundle:
    return _Builder(content).build()


def to_json(content: CaseContent) -> str:
    """The bundle as JSON, re-parsed by stix2 (strict: no unregistered custom content) before it is returned."""
    # stix2's own pretty printer orders keys in quadratic time (10 s for a few hundred
    # objects); plain serialisation re-indented by json is the same content.
    text = json.dumps(json.loads(build_bundle(content).serialize()), indent=2, ensure_ascii=False)
    validate(text)
    return text


def validate(text: str) -> Any:
    """Parse a bundle with stix2 (custom content only through the registered extensions)."""
    try:
        return stix2.parse(text, allow_custom=False)
    except Exception as exc:  # stix2 raises many exception types for invalid content
        raise IntegrityError(f"STIX bundle does not validate: {exc}") from exc
