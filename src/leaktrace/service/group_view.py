"""A group as its console page shows it: members and roles, provinces on a map, money flows through its wallets.

Groups and roles come from the last graph build and are leads (Leiden
communities, role rules), which the page says. Money flows are the imported
wallet transfers (`leaktrace graph import-tx`) that touch a member's wallet:
payers -> the group's wallets -> payees, one flow chart per currency, since
adding USDT to TRX says nothing. Wallet addresses are suspects'
infrastructure and shown in clear, as in the case file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from leaktrace.core.errors import InputError
from leaktrace.core.graph_types import GraphGroup, GraphResult
from leaktrace.pipeline import graph_access
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.text_view import display_text
from leaktrace.service.access import Principal, require
from leaktrace.service.geo import province_name
from leaktrace.store.models import WalletTransfer

VIEW_ACTION = "group.view"
MAX_TRANSFERS = 20_000
MAX_PARTIES = 25  # counterparties per side and currency in the flow chart; the rest are summed as "others"


@dataclass(frozen=True)
class Member:
    actor: str
    role: str | None
    role_reason: str | None
    accounts: list[str]
    provinces: list[str]
    posts: int
    last_seen: str | None


@dataclass(frozen=True)
class Wallet:
    actor: str
    type: str
    address: str | None
    masked: str
    currency: str | None
    received: float
    sent: float
    n_in: int
    n_out: int


@dataclass(frozen=True)
class Flow:
    source: str
    target: str
    amount: float
    currency: str
    transfers: int


@dataclass(frozen=True)
class GroupView:
    id: str
    members: list[Member]
    provinces: dict[str, int]  # map name -> members naming it
    unplaced: list[str]  # province names the map does not know
    wallets: list[Wallet]
    flows: list[Flow]
    shared_samples: int
    revenue_usd_estimate: float
    first_seen: str | None
    last_seen: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "members": [m.__dict__ for m in self.members], "provinces": self.provinces,
                "unplaced": self.unplaced, "wallets": [w.__dict__ for w in self.wallets],
                "flows": [f.__dict__ for f in self.flows], "shared_samples": self.shared_samples,
                "revenue_usd_estimate": self.revenue_usd_estimate, "first_seen": self.first_seen,
                "last_seen": self.last_seen}


def find_group(result: GraphResult, group_id: str) -> GraphGroup:
    for g in result.groups:
        if g.id == group_id:
            return g
    raise InputError(f"group {group_id[:40]!r}: no such group in the last graph build")


def flows(ctx: Context, own: dict[str, str]) -> list[Flow]:
    """Transfers touching the group's wallets (`own`: address -> actor) as payer -> wallet -> payee flows.

    Edges only run from a payer to a group wallet or from a group wallet to a payee
    (`in:`/`out:` nodes), so the chart never has a cycle, and a transfer between two of
    the group's wallets is counted once, as money in.
    """
    if not own:
        return []
    addrs = list(own)
    sums: dict[tuple[str, str, str], list[float]] = {}
    with ctx.session() as s:
        q = (select(WalletTransfer.sender, WalletTransfer.receiver, WalletTransfer.amount, WalletTransfer.token)
             .where(or_(WalletTransfer.sender.in_(addrs), WalletTransfer.receiver.in_(addrs)))
             .order_by(WalletTransfer.id).limit(MAX_TRANSFERS))
        for sender, receiver, amount, token in s.execute(q):
            cur = (token or "?").upper()[:12]
            if receiver in own:
                key = (f"in:{sender}", f"wallet:{receiver}", cur)
            else:
                key = (f"wallet:{sender}", f"out:{receiver}", cur)
            acc = sums.setdefault(key, [0.0, 0])
            acc[0] += float(amount)
            acc[1] += 1
    return _fold_small(sums)


def _fold_small(sums: dict[tuple[str, str, str], list[float]]) -> list[Flow]:
    """Keep the `MAX_PARTIES` largest payers and payees per currency; sum the rest as `in:others`/`out:others`."""
    out: dict[tuple[str, str, str], list[float]] = {}
    for cur in sorted({k[2] for k in sums}):
        for side in ("in:", "out:"):
            mine = [(k, v) for k, v in sums.items() if k[2] == cur and (k[0] if side == "in:" else k[1]).startswith(side)]
            party = {}
            for k, v in mine:
                p = k[0] if side == "in:" else k[1]
                party[p] = party.get(p, 0.0) + v[0]
            keep = set(sorted(party, key=lambda p: -party[p])[:MAX_PARTIES])
            for (src, dst, c), v in mine:
                p = src if side == "in:" else dst
                if p not in keep:
                    src, dst = (f"{side}others", dst) if side == "in:" else (src, f"{side}others")
                acc = out.setdefault((src, dst, c), [0.0, 0])
                acc[0] += v[0]
                acc[1] += v[1]
    return [Flow(display_text(s, 200, masked=False), display_text(t, 200, masked=False), round(v[0], 6), c, int(v[1]))
            for (s, t, c), v in sorted(out.items(), key=lambda kv: (kv[0][2], -kv[1][0]))]


def group_view(ctx: Context, principal: Principal, group_id: str) -> GroupView:
    require(principal, VIEW_ACTION)
    result = graph_access.snapshot(ctx)
    g = find_group(result, group_id)
    actors = {a.id: a for a in result.actors}
    members, wallets = [], []
    provinces: dict[str, int] = {}
    unplaced: set[str] = set()
    own: dict[str, str] = {}
    for aid in g.actors:
        a = actors.get(aid)
        if a is None:
            continue
        members.append(Member(aid, g.roles.get(aid), g.role_reasons.get(aid),
                              [display_text(k, 200, masked=False) for k in a.accounts], a.provinces, a.posts,
                              a.last_seen))
        for p in a.provinces:
            name = province_name(p)
            if name is None:
                unplaced.add(display_text(p, 60, masked=False))
            else:
                provinces[name] = provinces.get(name, 0) + 1
        for w in a.wallets:
            wallets.append(Wallet(aid, w.type, w.address, w.masked, w.currency, w.received, w.sent, w.n_in, w.n_out))
            if w.address:
                own[w.address] = aid
    members.sort(key=lambda m: ({"supplier": 0, "wholesaler": 1, "agent": 2}.get(m.role or "", 3), m.actor))
    return GroupView(g.id, members, dict(sorted(provinces.items(), key=lambda kv: -kv[1])), sorted(unplaced),
                     wallets, flows(ctx, own), g.shared_samples, g.revenue_usd_estimate, g.first_seen, g.last_seen)


def group_list(ctx: Context, principal: Principal) -> list[GraphGroup]:
    require(principal, VIEW_ACTION)
    return list(graph_access.snapshot(ctx).groups)
