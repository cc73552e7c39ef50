"""What a case holds, as typed content every report and export is built from.

The stages that produce listings, actors, dumps and attributions land in
parallel, so the case layer does not read their tables: it takes these
pydantic types (from `leaktrace case add FILE.json`, or from the pipeline)
and builds the report, the STIX/MISP/CSV exports and the bundle from them
alone. Personal data can only enter masked: every string that reaches a
sample row or a masked identifier is checked for long digit runs, the
shape of a raw ID, phone or card number, and refused. An identifier
carries whose it is (`role`); `core.disclosure` decides from that whether
its value may be in the case in clear (a suspect's contact, a wallet) or
only masked (a victim's, or anyone's of unknown role). Every item may carry
its own TLP marking (`tlp`; none: the case's), which decides which shared
copies it goes into (`cases.disclosure`).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from leaktrace.core.disclosure import CONTACT_TYPES, Role, may_hold_clear
from leaktrace.core.masking import mask

TLP = Literal["clear", "green", "amber", "amber+strict", "red"]
ItemKind = Literal["listing", "actor", "group", "dump", "attribution", "capture", "wallet"]
ITEM_KINDS: tuple[str, ...] = ("listing", "actor", "group", "dump", "attribution", "capture", "wallet")

WALLET_TYPES = frozenset(
    {"btc", "btc_address", "eth", "eth_address", "trx", "trx_address", "xmr", "xmr_address",
     "usdt", "usdt_trc20", "usdt_erc20", "usdt_address", "wallet"}
)
# Six or more digits in a row (ignoring spaces/dashes) is the shape of an
# unmasked ID, mobile, card or QQ number; masked forms break such runs with '*'.
_RAW_DIGITS = re.compile(r"\d(?:[\s-]?\d){5,}")
_DATE_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?\b")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = 20_000


def looks_unmasked(value: str) -> bool:
    """True when `value` carries a digit run long enough to be raw PII."""
    return bool(_RAW_DIGITS.search(_DATE_TIME.sub(" ", value)))


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=MAX_TEXT)


class Money(_Item):
    amount: float = Field(ge=0)
    currency: str = Field(min_length=1, max_length=12)


class Ident(_Item):
    """An identifier seen on a listing or held by an actor, and whose it is (`role`).

    `value` only where `core.disclosure.may_hold_clear` allows it: infrastructure
    (wallets, PGP keys, onions) and a suspect's contacts (QQ, WeChat, Telegram,
    phone, e-mail). Anything else, a victim's data above all, comes as `masked`
    and the keyed `hash` only.
    """

    type: str = Field(min_length=1, max_length=40)
    value: str | None = Field(default=None, max_length=512)
    masked: str = Field(default="", max_length=512)
    hash: str | None = Field(default=None, max_length=100)
    role: Role = "unknown"

    @model_validator(mode="after")
    def _minimised(self) -> Ident:
        kind = self.type.lower()
        self.type = kind
        clear = may_hold_clear(kind, self.role)
        if self.value is not None and not clear:
            raise ValueError(
                f"identifier of type {kind!r} ({self.role}) must come as 'masked' and 'hash', not in the clear"
            )
        if (not clear or kind in CONTACT_TYPES) and looks_unmasked(self.masked):
            raise ValueError(f"identifier of type {kind!r}: 'masked' holds an unmasked number")
        if self.value is None and not self.masked:
            raise ValueError("identifier needs 'value' (clear types) or 'masked'")
        if not self.masked and self.value:
            self.masked = mask(self.value) if kind in CONTACT_TYPES else self.value
        return self

    @property
    def shown(self) -> str:
        return self.value or self.masked


class _Marked(_Item):
    """A case item: it may carry its own TLP marking, else it has the case's."""

    tlp: TLP | None = None


class Listing(_Marked):
    id: str = Field(min_length=1, max_length=200)
    market: str = Field(default="", max_length=200)
    url: str | None = Field(default=None, max_length=8192)
    title: str = Field(default="", max_length=2000)
    seller: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    claimed_records: int | None = Field(default=None, ge=0)
    price: Money | None = None
    sold: int | None = Field(default=None, ge=0)
    first_seen: datetime | None = None
    trafficking_score: float | None = Field(default=None, ge=0, le=1)
    captures: list[str] = Field(default_factory=list)
    identifiers: list[Ident] = Field(default_factory=list)
    samples: list[dict[str, str]] = Field(default_factory=list, description="sample rows, masked")
    samples_valid: int | None = Field(default=None, ge=0)

    @field_validator("samples")
    @classmethod
    def _samples_masked(cls, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for i, row in enumerate(rows):
            for col, val in row.items():
                if looks_unmasked(val):
                    raise ValueError(f"sample row {i + 1}, column {col!r}: value is not masked")
        return rows

    @field_validator("captures")
    @classmethod
    def _shas(cls, shas: list[str]) -> list[str]:
        return [_check_sha(s) for s in shas]


class Actor(_Marked):
    """A person behind one or more accounts (a gang member), or an unlinked seller."""

    id: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=200, description="working name, e.g. the main alias")
    role: str | None = Field(default=None, max_length=60)
    province_code: str | None = Field(default=None, pattern=r"^\d{2}$")
    aliases: list[str] = Field(default_factory=list, description="market:handle of each account")
    identifiers: list[Ident] = Field(default_factory=list)
    group: str | None = Field(default=None, max_length=200)
    confidence: float | None = Field(default=None, ge=0, le=1)


class Link(_Item):
    source: str = Field(max_length=200)
    target: str = Field(max_length=200)
    kind: str = Field(default="shared", max_length=60, description="e.g. shared pgp, shared wallet")
    evidence: str = Field(default="", max_length=2000)
    basis: str | None = Field(default=None, max_length=20,
                              description="strong, confirmed (by a person), inferred or group: how far it is proven")


class Group(_Marked):
    id: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=200)
    members: list[str] = Field(default_factory=list, description="actor ids")
    links: list[Link] = Field(default_factory=list)
    shared: list[Ident] = Field(default_factory=list)
    channel: str | None = Field(default=None, max_length=200)
    confidence: float | None = Field(default=None, ge=0, le=1)


class DumpSummary(_Marked):
    """Aggregates of a seized dump: never a row, only counts."""

    id: str = Field(min_length=1, max_length=200)
    name: str = Field(default="", max_length=500)
    sha256: str | None = None
    claimed_records: int | None = Field(default=None, ge=0)
    rows: int = Field(ge=0)
    distinct_victims: int = Field(ge=0)
    valid_ids: int | None = Field(default=None, ge=0)
    fabricated_rows: int = Field(default=0, ge=0)
    duplicate_rows: int = Field(default=0, ge=0)
    recycled_ids: int | None = Field(default=None, ge=0, description="IDs already seen in earlier dumps")
    new_ids: int | None = Field(default=None, ge=0)
    by_province: dict[str, int] = Field(default_factory=dict)
    fabricated_by_detail: dict[str, int] = Field(default_factory=dict)
    listing_ids: list[str] = Field(default_factory=list)

    @field_validator("sha256")
    @classmethod
    def _sha(cls, v: str | None) -> str | None:
        return None if v is None else _check_sha(v)

    @field_validator("by_province")
    @classmethod
    def _provinces(cls, counts: dict[str, int]) -> dict[str, int]:
        for code, n in counts.items():
            if not re.fullmatch(r"\d{2}", code) or n < 0:
                raise ValueError(f"by_province: {code!r}: want a 2-digit code and a count >= 0")
        return counts


class Attribution(_Marked):
    id: str = Field(min_length=1, max_length=200)
    dump_id: str | None = Field(default=None, max_length=200)
    org_name: str = Field(min_length=1, max_length=300)
    org_id: str | None = Field(default=None, max_length=200)
    confidence: float = Field(ge=0, le=1)
    method: str = Field(default="", max_length=200)
    partner: str | None = Field(default=None, max_length=200, description="leaking supplier, if known")
    evidence: list[str] = Field(default_factory=list)


class Capture(_Marked):
    sha256: str
    url: str | None = Field(default=None, max_length=8192)
    fetched_at: datetime | None = None
    media_type: str | None = Field(default=None, max_length=200)
    source: str | None = Field(default=None, max_length=200)
    size: int | None = Field(default=None, ge=0)

    @field_validator("sha256")
    @classmethod
    def _sha(cls, v: str) -> str:
        return _check_sha(v)


class Wallet(_Marked):
    address: str = Field(min_length=1, max_length=200)
    chain: str = Field(default="", max_length=40)
    actors: list[str] = Field(default_factory=list)
    received: Money | None = None
    tx_count: int | None = Field(default=None, ge=0)


class TimelineEvent(_Item):
    at: datetime
    kind: str = Field(default="event", max_length=32)
    text: str = Field(max_length=4000)
    ref: str | None = Field(default=None, max_length=200)


class Note(_Item):
    at: datetime
    author: str = Field(max_length=200)
    text: str = Field(max_length=MAX_TEXT)


class CaseInfo(_Item):
    ref: str
    title: str
    tlp: TLP = "amber"
    status: str = "open"
    description: str | None = None
    created_at: datetime
    updated_at: datetime
    signed_off_by: str | None = Field(default=None, max_length=200)
    signed_off_at: datetime | None = None


class CaseContent(_Item):
    """Everything a report or export needs, already minimised."""

    info: CaseInfo
    listings: list[Listing] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    dumps: list[DumpSummary] = Field(default_factory=list)
    attributions: list[Attribution] = Field(default_factory=list)
    captures: list[Capture] = Field(default_factory=list)
    wallets: list[Wallet] = Field(default_factory=list)
    timeline: list[TimelineEvent] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)


ITEM_TYPES: dict[str, type[_Item]] = {
    "listing": Listing,
    "actor": Actor,
    "group": Group,
    "dump": DumpSummary,
    "attribution": Attribution,
    "capture": Capture,
    "wallet": Wallet,
}


def item_key(kind: str, item: BaseModel) -> str:
    """The natural key an item is stored under in its case (adding it again replaces it)."""
    if kind == "capture":
        return str(item.sha256)  # type: ignore[attr-defined]
    if kind == "wallet":
        return str(item.address)  # type: ignore[attr-defined]
    return str(item.id)  # type: ignore[attr-defined]


def parse_item(kind: str, doc: Any) -> _Item:
    """Validate one item document; pydantic's ValidationError names the field."""
    return ITEM_TYPES[kind].model_validate(doc)


def _check_sha(value: str) -> str:
    sha = value.strip().lower()
    if not _SHA256.match(sha):
        raise ValueError(f"{value!r} is not a SHA-256 (64 hex digits)")
    return sha
