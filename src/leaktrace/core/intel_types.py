"""Result types of post analysis (`intel`) that later stages store and link.

They live in `core` because `store`, `graph` and `cases` read them without
depending on `intel`. An identifier that is personal data (an e-mail, a
phone number) keeps its clear value only for the caller that found it: the
serialised form carries the masked value, the same rule as `PiiHit`.
Seller identifiers (wallets, onions, PGP keys, handles) are what
investigators link on and stay in clear.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from leaktrace.core.masking import mask

# Identifier types whose value is personal data about a person, masked on output.
PERSONAL_TYPES: frozenset[str] = frozenset({"email", "cn_mobile"})


class Identifier(BaseModel):
    """One validated contact, wallet or key found in a post.

    `value` is the normalised form (lower-case handle, EIP-55 address, upper
    hex fingerprint) so the same seller identifier compares equal wherever it
    appears; offsets refer to the cleaned text `intel.text_hygiene.clean` made.
    """

    model_config = ConfigDict(frozen=True)

    type: str
    value: str = Field(repr=False)
    start: int
    end: int
    attrs: dict[str, Any] = Field(default_factory=dict)

    @property
    def personal(self) -> bool:
        return self.type in PERSONAL_TYPES

    @property
    def display(self) -> str:
        """What may be printed or logged: masked for personal data, clear otherwise."""
        return mask(self.value) if self.personal else self.value

    def contract(self) -> dict[str, Any]:
        """`{"type", "value"}` of the classify contract, personal values masked."""
        return {"type": self.type, "value": self.display}

    def __repr__(self) -> str:
        return f"Identifier(type={self.type!r}, value={self.display!r}, start={self.start})"


class Price(BaseModel):
    """A stated price; `per` names the unit it is charged for (`条`, `万条`) when given."""

    model_config = ConfigDict(frozen=True)

    amount: float
    currency: str
    per: str | None = None
    start: int = 0
    end: int = 0

    def contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {"amount": self.amount, "currency": self.currency}
        if self.per:
            out["per"] = self.per
        return out


class Freshness(BaseModel):
    """How new the seller says the data is."""

    model_config = ConfigDict(frozen=True)

    year: int | None = None
    month: int | None = None
    hand: Literal["first", "second"] | None = None
    realtime: bool = False


class Facts(BaseModel):
    """What a listing claims: volume, price, freshness, places, sample and delivery.

    `records` is the largest claimed count (sellers write "14亿明文密码40亿数据库":
    the offer is the larger); `record_counts` keeps every count found.
    `terms` maps lexicon categories to the terms seen, a feature set for the
    trafficking classifier.
    """

    model_config = ConfigDict(frozen=True)

    records: int | None = None
    record_counts: list[int] = Field(default_factory=list)
    price: Price | None = None
    prices: list[Price] = Field(default_factory=list)
    freshness: Freshness = Field(default_factory=Freshness)
    regions: list[str] = Field(default_factory=list)
    nationwide: bool = False
    sample: bool = False
    delivery: list[str] = Field(default_factory=list)
    terms: dict[str, list[str]] = Field(default_factory=dict)
    truncated: bool = False

    def contract(self) -> dict[str, Any]:
        """The `facts` object of the classify contract."""
        return {
            "records": self.records,
            "price": self.price.contract() if self.price else None,
            "freshness": self.freshness.model_dump(),
            "regions": self.regions,
            "nationwide": self.nationwide,
            "sample": self.sample,
            "delivery": self.delivery,
        }
