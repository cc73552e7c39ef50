"""The copy of a case a report or an export shows: which items, which values in clear.

Every report and export (HTML/PDF, CSV, STIX, MISP, bundle) is built from
the `CaseContent` this module returns, so one rule decides for all of them:

- TLP: an item goes into a copy marked `tlp` only when its own marking (or,
  without one, the case's) is no stricter than `tlp`. A copy at the case's
  own TLP holds everything; a TLP:GREEN copy of an AMBER case holds only the
  items marked CLEAR or GREEN, and none of the case-wide notes, description
  or timeline, which carry the case's marking. The copy is marked `tlp`.
- Values: `core.disclosure.shown_in_clear` by the identifier's role, where
  a value that `is_victim` says was seen as a victim's data counts as a
  victim's whatever the item claimed. `redact_suspects` masks suspects'
  identifiers too (handles, aliases, contacts, wallets) for partner-facing
  copies. Victims' data is masked in every copy.

Pure: `is_victim` (the keyed-hash look-ups in the store and the dumps' hash
sets) comes from the caller, `pipeline.disclosure`.
"""

from __future__ import annotations

from collections.abc import Callable

from leaktrace.cases.model import (
    TLP,
    Actor,
    CaseContent,
    Group,
    Ident,
    Link,
    Listing,
    Wallet,
    item_key,
)
from leaktrace.core.disclosure import role_of, shown_in_clear
from leaktrace.core.masking import mask

TLP_ORDER: dict[str, int] = {"clear": 0, "green": 1, "amber": 2, "amber+strict": 3, "red": 4}
ITEM_LISTS = ("listings", "actors", "groups", "dumps", "attributions", "captures", "wallets")
_KIND = {"listings": "listing", "actors": "actor", "groups": "group", "dumps": "dump",
         "attributions": "attribution", "captures": "capture", "wallets": "wallet"}


def default_redact_suspects(tlp: str) -> bool:
    """A TLP:CLEAR copy may go anywhere: suspects' identifiers are masked unless asked otherwise."""
    return tlp == "clear"


def allowed(item_tlp: str | None, case_tlp: str, copy_tlp: str) -> bool:
    """Whether an item marked `item_tlp` (None: the case's) may go into a copy marked `copy_tlp`."""
    return TLP_ORDER[item_tlp or case_tlp] <= TLP_ORDER[copy_tlp]


def shared_view(content: CaseContent, *, tlp: TLP | None = None, redact_suspects: bool = False,
                is_victim: Callable[[Ident], bool] | None = None, every_item: bool = False) -> CaseContent:
    """The copy of `content` marked `tlp` (default: the case's), minimised as the module docstring says.

    `every_item` keeps every item whatever its marking (`case show`: the case as it is, victims masked).
    """
    case_tlp = content.info.tlp
    copy_tlp: TLP = tlp or case_tlp
    if every_item:
        copy_tlp = case_tlp
    victim = is_victim or (lambda _i: False)

    def ident(i: Ident) -> Ident:
        role = role_of(i.role, i.role == "victim" or victim(i))
        if i.value is None or shown_in_clear(i.type, role, redact_suspects=redact_suspects):
            return i if role == i.role else i.model_copy(update={"role": role})
        masked = i.masked if i.masked and i.masked != i.value else mask(i.value)
        return Ident(type=i.type, masked=masked, hash=i.hash, role=role)

    def name(text: str | None) -> str | None:
        """A seller's handle (`market:handle`) in a redacted copy: the market stays, the handle is masked."""
        if text is None or not redact_suspects:
            return text
        market, sep, handle = text.rpartition(":")
        return f"{market}{sep}{mask(handle)}" if sep else mask(text)

    kept: dict[str, list[object]] = {}
    for field in ITEM_LISTS:
        kept[field] = [x for x in getattr(content, field) if every_item or allowed(x.tlp, case_tlp, copy_tlp)]
    listings = [x.model_copy(update={"identifiers": [ident(i) for i in x.identifiers], "seller": name(x.seller)})
                for x in kept["listings"] if isinstance(x, Listing)]
    actors = [x.model_copy(update={"identifiers": [ident(i) for i in x.identifiers],
                                   "name": name(x.name) or "", "aliases": [name(a) or "" for a in x.aliases]})
              for x in kept["actors"] if isinstance(x, Actor)]
    actor_ids = {a.id for a in actors}

    def end(text: str) -> str:
        return text if text in actor_ids else name(text) or ""

    groups = [x.model_copy(update={
        "shared": [ident(i) for i in x.shared],
        "channel": mask(x.channel) if redact_suspects and x.channel else x.channel,
        "links": [lk if not redact_suspects else Link(source=end(lk.source), target=end(lk.target),
                                                      kind=lk.kind, evidence="(redacted)")
                  for lk in x.links],
    }) for x in kept["groups"] if isinstance(x, Group)]
    wallets = [x if not redact_suspects else x.model_copy(update={"address": mask(x.address)})
               for x in kept["wallets"] if isinstance(x, Wallet)]
    whole = TLP_ORDER[case_tlp] <= TLP_ORDER[copy_tlp]
    keys = {item_key(_KIND[f], x) for f in ITEM_LISTS for x in kept[f]}  # type: ignore[arg-type]
    info = content.info.model_copy(update={"tlp": copy_tlp} if whole else
                                   {"tlp": copy_tlp, "description": None})
    return content.model_copy(update={
        "info": info,
        "listings": listings, "actors": actors, "groups": groups, "wallets": wallets,
        "dumps": kept["dumps"], "attributions": kept["attributions"], "captures": kept["captures"],
        "timeline": content.timeline if whole else [e for e in content.timeline if e.ref in keys],
        "notes": content.notes if whole else [],
    })
