"""Which shared identifiers say "same person", which say "same team", and which say nothing.

An identifier seen on two accounts is the strongest alias evidence there is,
unless it is not personal:
- a *hub* (an escrow wallet, a market's own PGP key, a channel every vendor
  advertises) sits on many accounts that have nothing else in common; it is
  discounted entirely, never a link;
- a *shared* identifier sits on two or more accounts of the same site. One
  person rarely runs two vendor accounts on one market, a team often posts
  its common wallet or PGP key from each member's account: that is group
  evidence (same gang), not alias evidence (same person);
- a *personal* identifier sits on a few accounts, each on a different site:
  the same actor.
An account carrying thousands of identifiers (a directory page, a scraped
paste) is itself a hub: its identifiers are ignored for linking.

Hubs are found two ways. By size: on `hub_accounts` accounts or more, or on
half of a site's accounts (a market's own key quoted on every vendor page).
By isolation, for smaller ones: a team's identifier sits among accounts that
also share other things (a second wallet, a contact, sample rows), while an
escrow or exchange deposit address that a dozen unrelated sellers paste
sits among accounts that share nothing else. An identifier on
`isolated_min` accounts or more whose holders are mostly tied by nothing
else is a hub too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from leaktrace.graph.corpus import Corpus

# Confidence that two accounts showing the same value are one actor.
STRONG_CONFIDENCE = {
    "pgp_fingerprint": 0.99, "tox": 0.98, "session": 0.98, "btc": 0.97, "eth": 0.97, "tron": 0.97, "xmr": 0.97,
    "telegram": 0.95, "qq": 0.95, "wechat": 0.95, "email": 0.95, "jabber": 0.95, "cn_mobile": 0.93,
    "onion": 0.9, "pgp_key_id": 0.9,
}
WALLET_TYPES = frozenset({"btc", "eth", "tron", "xmr"})
# Weight of a shared (team-level) identifier as group evidence.
GROUP_WEIGHT = {"pgp_fingerprint": 1.0, "btc": 1.0, "eth": 1.0, "tron": 1.0, "xmr": 1.0}
DEFAULT_GROUP_WEIGHT = 0.6


@dataclass(frozen=True)
class HubConfig:
    hub_accounts: int = 30  # an identifier on this many accounts or more is a hub
    hub_share_of_site: float = 0.5  # ... or on this share of a site's accounts (sites with >= 20 accounts)
    account_identifier_limit: int = 200  # an account with more distinct identifiers is a hub account
    isolated_min: int = 6  # from this many holders, an identifier whose holders share nothing else is a hub
    isolated_tied_share: float = 0.5  # ... "nothing else": fewer than this share of holders tied otherwise


@dataclass
class IdentUse:
    id: int
    type: str
    accounts: list[str]
    kind: str  # personal, shared, hub, single, weak
    reason: str


@dataclass
class Classified:
    uses: dict[int, IdentUse]
    hub_accounts: dict[str, str] = field(default_factory=dict)  # account -> why


def classify(corpus: Corpus, cfg: HubConfig) -> Classified:
    """Sort every identifier seen on an account into personal / shared / hub / single / weak."""
    hub_accounts = {
        key: f"carries {len(acc.identifiers)} distinct identifiers (limit {cfg.account_identifier_limit}): "
             "treated as a directory or paste, its identifiers link nothing"
        for key, acc in corpus.accounts.items() if len(acc.identifiers) > cfg.account_identifier_limit
    }
    holders: dict[int, list[str]] = {}
    for key, acc in corpus.accounts.items():
        if key in hub_accounts:
            continue
        for iid in acc.identifiers:
            holders.setdefault(iid, []).append(key)
    site_size = Counter(acc.site for acc in corpus.accounts.values())

    def crowding(keys: list[str]) -> tuple[Counter[str], list[str]]:
        sites = Counter(corpus.accounts[k].site for k in keys)
        return sites, [s for s, n in sites.items() if site_size[s] >= 20 and n / site_size[s] >= cfg.hub_share_of_site]

    # Hubs by size first: ties through a market's key must not make an escrow's holders look related.
    big = {iid for iid, keys in holders.items() if len(keys) >= cfg.hub_accounts or crowding(keys)[1]}
    uses: dict[int, IdentUse] = {}
    for iid, keys in holders.items():
        ident = corpus.identifiers[iid]
        keys.sort()
        sites, crowded = crowding(keys)
        tied = (_tied(corpus, iid, keys, big | _same_holders(holders, iid, keys))
                if cfg.isolated_min <= len(keys) and iid not in big else len(keys))
        if len(keys) == 1:
            kind, why = "single", "seen on one account"
        elif len(keys) >= cfg.hub_accounts or crowded:
            kind = "hub"
            why = (f"on {len(keys)} accounts" + (f", {sites[crowded[0]]}/{site_size[crowded[0]]} of {crowded[0]}"
                                                 if crowded else "")
                   + ": a hub (escrow wallet, market key or advertised channel), discounted")
        elif tied < cfg.isolated_tied_share * len(keys):
            kind = "hub"
            why = (f"on {len(keys)} accounts of which only {tied} share anything else (another identifier or "
                   "sample rows): a hub (escrow, exchange or advertised address), discounted")
        elif ident.type not in STRONG_CONFIDENCE:
            kind, why = "weak", f"type {ident.type} is not an alias identifier"
        elif max(sites.values()) > 1:
            site, n = sites.most_common(1)[0]
            kind, why = "shared", f"{n} accounts on {site} show it: a team's identifier, group evidence"
        else:
            kind, why = "personal", f"on {len(keys)} accounts, each on a different site"
        uses[iid] = IdentUse(iid, ident.type, keys, kind, why)
    return Classified(uses, hub_accounts)


def _same_holders(holders: dict[int, list[str]], iid: int, keys: list[str]) -> set[int]:
    """Identifiers on exactly the accounts `iid` is on: they always travel together (an escrow's
    TRON and BTC deposit addresses pasted side by side), so one cannot vouch for the other."""
    mine = set(keys)
    return {i for i, ks in holders.items() if i != iid and len(ks) == len(mine) and set(ks) == mine}


def _tied(corpus: Corpus, iid: int, keys: list[str], hubs: set[int]) -> int:
    """How many of `keys` share some other identifier (not a hub) or sample row with another of `keys`."""
    seen: Counter[tuple[str, int]] = Counter()
    for k in keys:
        acc = corpus.accounts[k]
        seen.update(("i", i) for i in acc.identifiers if i != iid and i not in hubs)
        seen.update(("s", i) for i in acc.samples)
    common = {x for x, n in seen.items() if n > 1}
    return sum(1 for k in keys
               if any(("i", i) in common for i in corpus.accounts[k].identifiers)
               or any(("s", i) in common for i in corpus.accounts[k].samples))
