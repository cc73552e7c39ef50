"""GraphResult: the seller network `graph.build_graph` makes, as one typed snapshot.

It crosses stages (graph -> pipeline, cases, cli, exports) and is saved as
`graph/graph.json` in the data directory, so it lives in `core` and its
field names and order *are* the snapshot's JSON shape: `to_dict()` gives
exactly what `leaktrace graph ... --json` prints and what the snapshot file
holds. Change a field here only with `SNAPSHOT_VERSION` in `graph.build`.

Victims' data never reaches it: identifiers are a masked form and a keyed
hash; only suspects' wallet addresses are in clear (when the store or an
imported transfer names them), which investigators are shown.
Times are ISO-8601 text as the store gave them, so the snapshot round-trips
byte for byte. Roles, inferred links and groups are leads, never facts.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# A snapshot from another version may name fields this one does not know:
# refused (and rebuilt) rather than half read.
_SHAPE = ConfigDict(extra="forbid")


class AccountIdentifier(BaseModel):
    """An identifier an account showed, and what the graph made of it (`kind`)."""

    model_config = _SHAPE

    id: int
    type: str
    masked: str
    hash: str
    kind: str  # personal, shared, weak, single, hub; ignored (shown only by a hub account)
    evidence: list[str] = Field(default_factory=list)  # capture SHA-256s that show it


class GraphAccount(BaseModel):
    """One seller account (`source:handle`) and the actor it was merged into.

    `site` is the source's name (the account's namespace), `host` where its posts were found.
    """

    model_config = _SHAPE

    key: str
    site: str
    handle: str
    host: str
    actor: str
    posts: int
    trafficking_posts: int
    first_seen: str | None
    last_seen: str | None
    hub: bool
    hub_reason: str | None
    identifiers: list[AccountIdentifier] = Field(default_factory=list)  # at most 500
    samples: int


class WalletFlow(BaseModel):
    """Money through one wallet an actor showed: totals in and out, largest counterparties."""

    model_config = _SHAPE

    id: int
    type: str
    masked: str
    address: str | None  # clear only when the store or an imported transfer names it
    received: float
    sent: float
    n_in: int
    n_out: int
    counterparties: dict[str, float] = Field(default_factory=dict)  # address -> amount, largest first
    currency: str | None = None  # unit of received/sent: the transfers' token (USDT), else the chain's coin; "mixed"


class GraphActor(BaseModel):
    """Accounts merged on strong or confirmed links (the `Entity` of the network), with its money and role."""

    model_config = _SHAPE

    id: str
    accounts: list[str]
    sites: list[str]
    basis: str  # strong, inferred
    hub: bool
    group: str | None
    role: str | None  # supplier, wholesaler, agent: a lead
    role_reason: str | None
    role_basis: str | None  # "inferred" whenever a role is given
    provinces: list[str]
    first_seen: str | None
    last_seen: str | None
    posts: int
    wallets: list[WalletFlow] = Field(default_factory=list)
    revenue_usd_estimate: float
    revenue_posts: int


class LinkReason(BaseModel):
    """One reason two accounts are linked; `confidence` is what it alone gives (0 for group-only reasons)."""

    model_config = _SHAPE

    kind: str
    detail: str
    confidence: float
    evidence: list[str] = Field(default_factory=list)  # at most 50


class GraphLink(BaseModel):
    """Evidence between two accounts, with its basis, confidence and reasons."""

    model_config = _SHAPE

    id: str
    a: str
    b: str
    basis: str  # strong, inferred, group, confirmed, rejected
    confidence: float
    group_weight: float
    same_actor: bool
    reasons: list[LinkReason] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)  # at most 100
    warnings: list[str] = Field(default_factory=list)


class GraphGroup(BaseModel):
    """Actors Leiden put together, with each member's role (a lead) and why."""

    model_config = _SHAPE

    id: str
    actors: list[str]
    accounts: list[str]
    roles: dict[str, str] = Field(default_factory=dict)  # actor -> role
    role_reasons: dict[str, str] = Field(default_factory=dict)
    shared_samples: int
    wallets: list[str] = Field(default_factory=list)  # masked
    revenue_usd_estimate: float
    provinces: list[str]
    first_seen: str | None
    last_seen: str | None


class GraphHub(BaseModel):
    """An identifier too many accounts show (an escrow, a market's own key) to link them."""

    model_config = _SHAPE

    id: int
    type: str
    masked: str
    accounts: int
    reason: str


class GraphCounts(BaseModel):
    model_config = _SHAPE

    accounts: int
    actors: int
    groups: int
    links: int
    strong_links: int
    inferred_links: int
    posts_without_author: int


class GraphResult(BaseModel):
    """The whole network at one build: what the snapshot file holds, in its order."""

    model_config = _SHAPE

    version: int
    counts: GraphCounts
    accounts: list[GraphAccount] = Field(default_factory=list)
    actors: list[GraphActor] = Field(default_factory=list)
    groups: list[GraphGroup] = Field(default_factory=list)
    links: list[GraphLink] = Field(default_factory=list)
    hubs: list[GraphHub] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per build stage

    def to_dict(self) -> dict[str, Any]:
        """The snapshot's JSON shape (what `graph.json` holds)."""
        return self.model_dump(mode="json")
