"""Who may see an identifier in clear: decided by whose it is, not by its type.

One rule for the store, the case file and every export (issue 15):

- A *victim's* personal data (a phone, an e-mail, a QQ number found in a
  listing's sample rows or in a seized dump) is only ever a keyed hash and
  a masked form.
- A *suspect's* contact identifiers (the QQ, WeChat, Telegram, phone or
  e-mail a seller posts as their own contact; wallets, PGP keys, onions)
  are what an investigator acts on (a preservation request to a platform,
  a block-explorer look-up), so they are kept and shown in clear to
  investigators, and masked only in partner-facing copies
  (`--redact-suspects`).
- An identifier of a person of *unknown* role is shown in clear only when
  it is infrastructure (a wallet, a key, an onion), never a contact.

Whether a value is a victim's is decided with keyed hashes: the value's
keyed hash is looked up among the hashes of sample data and of every
analysed dump's hash sets (`victim_probe_types` names the types to look
under). A value seen there even once counts as a victim's from then on,
whoever posts it as a contact: a seller may paste a victim's phone.
"""

from __future__ import annotations

from typing import Literal

Role = Literal["victim", "suspect", "unknown"]
# Where an identifier was found: posted by the post's author as a way to reach or pay them
# (`contact`), inside sample rows a listing shows (`sample`), in a seized dump (`dump`),
# or named in passing (`mention`).
Origin = Literal["contact", "sample", "dump", "mention"]
ROLES: tuple[str, ...] = ("victim", "suspect", "unknown")

# Things that name infrastructure (a wallet on a block explorer, a key on a keyserver, a site),
# not a person's personal data.
INFRASTRUCTURE_TYPES: frozenset[str] = frozenset({
    "btc", "btc_address", "eth", "eth_address", "tron", "trx", "trx_address", "xmr", "xmr_address",
    "usdt", "usdt_trc20", "usdt_erc20", "usdt_address", "wallet",
    "pgp", "pgp_fingerprint", "pgp_key_id", "onion", "domain", "url",
})
# Ways to reach a person: shown in clear only for a suspect who posted them as their own contact.
CONTACT_TYPES: frozenset[str] = frozenset({
    "qq", "wechat", "telegram", "telegram_invite", "cn_mobile", "phone", "email", "jabber", "tox", "session",
    "handle",
})
# Contact types whose values can also be a victim's data (a dump's phone column, a sample's e-mail),
# with the keyed-hash type they are looked up under; the other contacts are looked up under their own.
_PROBE_AS = {"phone": "cn_mobile"}


def role_of(claimed: Role, seen_as_victim: bool) -> Role:
    """The role that decides: a value ever seen as a victim's data is a victim's, whatever was claimed."""
    return "victim" if seen_as_victim else claimed


def kept_in_store(id_type: str, role: Role, origin: Origin) -> bool:
    """Whether the store keeps the normalised value beside its keyed hash and masked form."""
    if role == "victim" or origin in ("sample", "dump"):
        return False
    if id_type in INFRASTRUCTURE_TYPES:
        return True
    return id_type in CONTACT_TYPES and role == "suspect" and origin == "contact"


def shown_in_clear(id_type: str, role: Role, *, redact_suspects: bool = False) -> bool:
    """Whether a report or export shows the value in clear (else masked form and keyed hash)."""
    if role == "victim":
        return False
    if role == "suspect" and redact_suspects:
        return False
    if id_type in INFRASTRUCTURE_TYPES:
        return True
    return id_type in CONTACT_TYPES and role == "suspect"


def may_hold_clear(id_type: str, role: Role) -> bool:
    """Whether a case item may carry the value in clear at all (the investigator's copy)."""
    return shown_in_clear(id_type, role)


def victim_probe_types(id_type: str) -> tuple[str, ...]:
    """Keyed-hash types to look a contact of `id_type` up under among victims' data; () for infrastructure."""
    if id_type in INFRASTRUCTURE_TYPES or id_type not in CONTACT_TYPES:
        return ()
    return (_PROBE_AS.get(id_type, id_type),)
