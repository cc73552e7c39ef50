"""The gang and the other sellers: members, roles, accounts and who shows which identifier.

Shaped like the cases the story is drawn from: one supplier (the insider who
posts first), wholesalers who repost the whole lot, agents in several
provinces who resell subsets later. Members share some identifiers (the gang
PGP key, a collection wallet, a contact channel) but not all, and every
account of a member writes in the member's style.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from leaktrace.pii.regions import PROVINCES
from leaktrace.simulate.social import identifiers as ids
from leaktrace.simulate.social.pgp import PgpKey, generate_key
from leaktrace.simulate.social.samples import MAINLAND_PROVINCES
from leaktrace.simulate.social.texts import Style, draw_style

EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z: the world's fixed start, never "now"
DAY = 86_400


@dataclass
class Account:
    """One seller account on one market (or one sender in the chat channel)."""

    market: str
    handle: str
    member: str | None  # gang member id, None for unrelated sellers
    style: Style
    contacts: list[tuple[str, str]]  # (type, value) the account posts
    n_posts: int
    pgp: PgpKey | None = None
    joined: int = EPOCH

    @property
    def key(self) -> str:
        return f"{self.market}:{self.handle}"


@dataclass
class Member:
    """A gang member: role, home province, own identifiers, accounts."""

    id: str
    role: str  # supplier, wholesaler, agent
    province: str  # 2-digit code
    style: Style
    own: dict[str, str]
    pgp: PgpKey | None
    accounts: list[Account] = field(default_factory=list)
    tg_user_id: int = 0
    tg_name: str = ""


def _pgp(rng: random.Random, handle: str) -> PgpKey:
    return generate_key(rng, f"{handle} <{handle.lower()}@protonmail.com>", EPOCH - rng.randint(30, 900) * DAY)


def _posts(rng: random.Random, role: str, first: bool) -> int:
    """Enough posts for style to be measurable on some accounts, few on others."""
    if role == "supplier" or (role == "wholesaler" and first):
        return rng.randint(25, 40)
    if role == "wholesaler":
        return rng.randint(10, 20)
    return rng.randint(4, 14) if not first else rng.randint(8, 26)


def build_gang(rng: random.Random, markets: list[str], n_members: int) -> tuple[list[Member], dict[str, object]]:
    """Members with accounts; also returns the gang-wide shared identifiers."""
    provinces = rng.sample(MAINLAND_PROVINCES, k=min(n_members, len(MAINLAND_PROVINCES)))
    lang = rng.choice(["zh", "mixed"])
    shared_pgp = _pgp(rng, ids.market_handle(rng))
    shared = {"pgp": shared_pgp, "usdt_trc20": ids.tron_address(rng), "btc": ids.btc_bech32(rng),
              "telegram": ids.telegram_handle(rng), "channel_name": rng.choice(["数据资源交流群", "一手数据批发", "数据联盟"])}
    members: list[Member] = []
    for i in range(n_members):
        role = "supplier" if i == 0 else ("wholesaler" if i <= 2 else "agent")
        own = {"qq": ids.qq_number(rng), "wechat": ids.wechat_id(rng), "telegram": ids.telegram_handle(rng),
               "usdt_trc20": ids.tron_address(rng)}
        if rng.random() < 0.5:
            own["btc"] = ids.btc_p2pkh(rng)
        if rng.random() < 0.3:
            own["usdt_erc20"] = ids.eth_address(rng)
        style = draw_style(rng, lang if role != "agent" else None)
        key = None if role != "agent" or rng.random() < 0.5 else _pgp(rng, ids.market_handle(rng))
        member = Member(f"M{i + 1}", role, provinces[i % len(provinces)], style, own, key)
        n_acc = {"supplier": 3, "wholesaler": rng.randint(2, 3)}.get(role, rng.randint(1, 3))
        for j, market in enumerate(sorted(rng.sample(markets, k=min(n_acc, len(markets))))):
            contacts = _account_contacts(rng, member, shared, j)
            pgp = shared_pgp if role != "agent" else key
            acc = Account(market, ids.market_handle(rng), member.id, style, contacts,
                          _posts(rng, role, j == 0), pgp, EPOCH - rng.randint(10, 400) * DAY)
            member.accounts.append(acc)
        if role != "agent" or rng.random() < 0.6:
            member.tg_user_id = rng.randint(10**9, 7 * 10**9)
            member.tg_name = rng.choice(["数据", "老", "阿", "Boss ", "小"]) + rng.choice(["王", "龙", "K", "七", "虎"])
        members.append(member)
    return members, shared


def _account_contacts(rng: random.Random, m: Member, shared: dict[str, object], j: int) -> list[tuple[str, str]]:
    """Which identifiers one account shows: own contact, some shared ones, never all."""
    out: list[tuple[str, str]] = []
    own_kind = rng.choice(["qq", "wechat", "telegram"])
    out.append((own_kind, m.own[own_kind]))
    if rng.random() < 0.5:
        other = rng.choice([k for k in ("qq", "wechat", "telegram") if k != own_kind])
        out.append((other, m.own[other]))
    if m.role in {"supplier", "wholesaler"}:
        out.append(("usdt_trc20", str(shared["usdt_trc20"])))
        out.append(("pgp", shared["pgp"].fingerprint))  # type: ignore[attr-defined]
        if m.role == "supplier" or j == 0:
            out.append(("telegram", str(shared["telegram"])))
        if m.role == "supplier" and j > 0:
            out.append(("btc", str(shared["btc"])))
    else:
        wallet = str(shared["usdt_trc20"]) if rng.random() < 0.4 else m.own["usdt_trc20"]
        out.append(("usdt_trc20", wallet))
        if m.pgp is not None:
            out.append(("pgp", m.pgp.fingerprint))
        if rng.random() < 0.5:
            out.append(("telegram", str(shared["telegram"])))
    if "btc" in m.own and rng.random() < 0.5:
        out.append(("btc", m.own["btc"]))
    if "usdt_erc20" in m.own and rng.random() < 0.5:
        out.append(("usdt_erc20", m.own["usdt_erc20"]))
    seen: set[tuple[str, str]] = set()
    return [c for c in out if not (c in seen or seen.add(c))]


def build_others(rng: random.Random, market: str, n: int) -> list[Account]:
    """Sellers unrelated to the gang, each with their own style and identifiers."""
    out = []
    for _ in range(n):
        style = draw_style(rng)
        contacts = [rng.choice([("telegram", ids.telegram_handle(rng)), ("qq", ids.qq_number(rng)),
                                ("wechat", ids.wechat_id(rng))])]
        contacts.append(rng.choice([("usdt_trc20", ids.tron_address(rng)), ("btc", ids.btc_p2pkh(rng)),
                                    ("btc", ids.btc_bech32(rng)), ("usdt_erc20", ids.eth_address(rng))]))
        handle = ids.market_handle(rng)
        pgp = _pgp(rng, handle) if rng.random() < 0.4 else None
        if pgp is not None:
            contacts.append(("pgp", pgp.fingerprint))
        out.append(Account(market, handle, None, style, contacts, rng.randint(2, 30), pgp,
                           EPOCH - rng.randint(10, 700) * DAY))
    return out


def province_name(code: str) -> str:
    return PROVINCES[code]
