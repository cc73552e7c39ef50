"""`generate_social`: markets, accounts, listings, the chat export and wallets, with truth.

Everything is drawn from `random.Random` streams seeded by (seed, purpose),
files are written with fixed ordering and no timestamps of the run, so the
same seed gives the same bytes. Public files hold what a crawler could see;
what only the investigators' ground truth knows is returned, not written.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from leaktrace.core.errors import InputError
from leaktrace.simulate.social import identifiers as ids
from leaktrace.simulate.social import wallets
from leaktrace.simulate.social.album import MAX_PICTURES, make_album
from leaktrace.simulate.social.channel import chat_channel, money_flows
from leaktrace.simulate.social.gang import (
    DAY,
    EPOCH,
    Account,
    Member,
    build_gang,
    build_others,
    province_name,
)
from leaktrace.simulate.social.samples import mask_rows, synthetic_row
from leaktrace.simulate.social.texts import (
    OTHER,
    TRAFFICKING,
    category_label,
    other_text,
    trafficking_text,
)
from leaktrace.simulate.social.volumes import draw_price, draw_sold, draw_volume, render_volume

MARKETS = [  # id, name, kind, language, encoding
    ("m1", "长安数据市场", "market", "zh", "utf-8"),
    ("m2", "Nightjar Market", "market", "en", "utf-8"),
    ("m3", "黑石论坛", "forum", "zh", "gbk"),
]
MAX_LISTINGS_PER_MARKET = 50_000


def default_listings_per_market(scale: int) -> int:
    """A few hundred listings in all at small scales, growing slowly with the dump size."""
    return min(150 + max(scale, 0) // 100_000, MAX_LISTINGS_PER_MARKET)


def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"leaktrace-social:{seed}:{purpose}")


def generate_social(
    out: Path, *, seed: int, scale: int, sample_rows: list[dict[str, str]], victim_org: str,
    claimed_records: int, members: int = 7, listings_per_market: int | None = None,
    pictures: int = 0, font: Path | None = None,
) -> dict[str, object]:
    """Write `out/social/` and return the truth section stored under "social".

    `pictures` sample pictures are drawn with the CJK font at `font` (none
    without a font: the truth says so), so worlds stay fast unless asked.
    """
    per_market = listings_per_market or default_listings_per_market(scale)
    if not 1 <= per_market <= MAX_LISTINGS_PER_MARKET:
        raise InputError(f"listings_per_market: {per_market} is outside 1..{MAX_LISTINGS_PER_MARKET}")
    if not 2 <= members <= 30:
        raise InputError(f"members: {members} is outside 2..30")
    if claimed_records <= 0:
        raise InputError(f"claimed_records: {claimed_records} must be positive")
    if not 0 <= pictures <= MAX_PICTURES:
        raise InputError(f"pictures: {pictures} is outside 0..{MAX_PICTURES}")
    rng = _rng(seed, "world")
    markets = [_market(rng, *m) for m in MARKETS]
    gang, shared = build_gang(_rng(seed, "gang"), [m["id"] for m in markets], members)
    accounts = [a for m in gang for a in m.accounts]
    other_rng = _rng(seed, "others")
    gang_count = {m["id"]: sum(a.n_posts for a in accounts if a.market == m["id"]) for m in markets}
    for m in markets:
        room = per_market - gang_count[m["id"]]
        while room > 0:
            (acc,) = build_others(other_rng, m["id"], 1)
            acc.n_posts = min(acc.n_posts, room)
            room -= acc.n_posts
            accounts.append(acc)
    _unique_handles(accounts)
    member_of = {m.id: m for m in gang}
    samples = sample_rows or [synthetic_row(rng, gang[0].province, "orders") for _ in range(8)]
    text_rng = _rng(seed, "texts")
    items: list[dict[str, object]] = []
    for acc in accounts:
        items += _account_items(text_rng, acc, member_of.get(acc.member or ""), samples, victim_org, claimed_records)
    listings, truth_listings = _number(items, markets)
    tg_export, tg_truth, tg_accounts = chat_channel(_rng(seed, "telegram"), gang, shared, victim_org,
                                                 claimed_records, samples)
    truth_listings.update(tg_truth)
    transfers = money_flows(_rng(seed, "wallets"), gang, shared, items, tg_truth)
    base = out / "social"
    base.mkdir(parents=True, exist_ok=True)
    album: dict[str, object] = {"generated": False, "reason": "no pictures asked for"}
    if pictures and font is None:
        album["reason"] = "no CJK font given (docs/simulate.md: pictures)"
    elif pictures and font is not None:
        shown, pics = make_album(_rng(seed, "pictures"), items, samples, pictures, font, base / "images")
        for listing in listings:
            files = shown.get(f"{listing['market']}:{listing['id']}")
            if files:
                listing["images"] = [f"images/{f}" for f in files]
        album = {"generated": True, "font": Path(font).name, "pictures": pics}
    _write(base / "markets.json", json.dumps(markets, ensure_ascii=False, indent=1))
    _write(base / "listings.jsonl", "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in listings))
    _write(base / "vendors.jsonl", "".join(json.dumps(_vendor(a), ensure_ascii=False) + "\n" for a in accounts))
    (base / "telegram").mkdir(exist_ok=True)
    _write(base / "telegram" / "result.json", json.dumps(tg_export, ensure_ascii=False, indent=1))
    _write(base / "wallet_transactions.csv", wallets.to_csv(_rng(seed, "csv"), transfers))
    truth = _truth(seed, markets, gang, accounts, tg_accounts, truth_listings, shared, transfers, victim_org)
    truth["pictures"] = album
    return truth


def _market(rng: random.Random, mid: str, name: str, kind: str, lang: str, enc: str) -> dict[str, object]:
    cats = list(TRAFFICKING) + list(OTHER)
    return {"id": mid, "name": name, "kind": kind, "lang": lang, "encoding": enc, "onion": ids.onion_v3(rng),
            "page_size": 20, "categories": [{"slug": c, "label": category_label(c, lang)} for c in cats],
            "credentials": {"username": ids.market_handle(rng) + "_inv",
                            "password": rng.getrandbits(64).to_bytes(8, "big").hex()}}


def _unique_handles(accounts: list[Account]) -> None:
    seen: set[tuple[str, str]] = set()
    for acc in accounts:
        base, n = acc.handle, 1
        while (acc.market, acc.handle) in seen:
            n += 1
            acc.handle = f"{base}{n}"
        seen.add((acc.market, acc.handle))


def _window(role: str | None) -> tuple[int, int]:
    """Days on which a role posts: the supplier first, agents later."""
    return {"supplier": (5, 300), "wholesaler": (20, 300), "agent": (60, 320)}.get(role or "", (0, 320))


def _account_items(rng: random.Random, acc: Account, member: Member | None, samples: list[dict[str, str]],
                   victim: str, claimed: int) -> list[dict[str, object]]:
    role = member.role if member else None
    lo, hi = _window(role)
    traffic_share = 0.45 if member else rng.choice([0.0, 0.0, 0.0, 0.7])
    out: list[dict[str, object]] = []
    for k in range(acc.n_posts):
        day = lo + (0 if k == 0 and member else rng.randint(1, hi - lo))
        posted = EPOCH + day * DAY + rng.randint(0, DAY - 1)
        contacts = acc.contacts if k == 0 else rng.sample(acc.contacts, k=rng.randint(1, len(acc.contacts)))
        if k == 0 and member:
            out.append(_gang_offer(rng, acc, member, samples, victim, claimed, posted, contacts))
        elif rng.random() < traffic_share:
            out.append(_offer(rng, acc, member, posted, contacts))
        else:
            cat = rng.choice(list(OTHER))
            title, body = other_text(rng, acc.style, cat, [] if cat == "chatter" else contacts)
            shown = [] if cat == "chatter" else contacts[:2]
            out.append({"acc": acc, "posted": posted, "category": cat, "title": title, "body": body, "sample": [],
                        "price": None, "sold": None if cat in {"chatter", "tutorials"} else rng.randint(0, 40),
                        "truth": {"trafficking": False, "category": cat}, "shown": shown})
    return out


def _gang_offer(rng: random.Random, acc: Account, member: Member, samples: list[dict[str, str]], victim: str,
                claimed: int, posted: int, contacts: list[tuple[str, str]]) -> dict[str, object]:
    """The story's listing: the victim's orders, in full (supplier, wholesalers) or a province's subset."""
    region = None
    volume = claimed
    rows = samples[:5]
    if member.role == "agent":
        region = province_name(member.province)
        volume = max(10_000, round(claimed * rng.uniform(0.005, 0.05), -4))
        rows = rng.sample(samples, k=min(3, len(samples)))
    origin = rng.choice([victim, f"某{victim[:1]}", "某电商平台"]) if acc.style.lang != "en" else victim
    vtext = render_volume(volume, rng, acc.style.lang)
    price = draw_price(rng, acc.style.lang, volume)
    title, body = trafficking_text(rng, acc.style, "orders", vtext, price.text, origin, region, contacts)
    return {"acc": acc, "posted": posted, "category": "orders", "title": title, "body": body,
            "sample": mask_rows(rows), "price": price.text, "sold": draw_sold(rng, price, 120, 3), "shown": contacts,
            "truth": {"trafficking": True, "category": "orders", "claimed_records": volume, "volume_text": vtext,
                      "price": price.truth(), "victim_org": victim, "story": True}}


def _offer(rng: random.Random, acc: Account, member: Member | None, posted: int,
           contacts: list[tuple[str, str]]) -> dict[str, object]:
    cat = rng.choice(list(TRAFFICKING))
    volume = draw_volume(rng)
    vtext = render_volume(volume, rng, acc.style.lang)
    price = draw_price(rng, acc.style.lang, volume)
    prov = member.province if member else None
    region = province_name(prov) if prov and rng.random() < 0.5 else None
    title, body = trafficking_text(rng, acc.style, cat, vtext, price.text, None, region, contacts)
    rows = [synthetic_row(rng, prov, cat) for _ in range(rng.randint(2, 4))]
    return {"acc": acc, "posted": posted, "category": cat, "title": title, "body": body, "sample": mask_rows(rows),
            "price": price.text, "sold": draw_sold(rng, price, 300), "shown": contacts,
            "truth": {"trafficking": True, "category": cat, "claimed_records": volume, "volume_text": vtext,
                      "price": price.truth(), "victim_org": None, "story": False}}


def _number(items: list[dict[str, object]], markets: list[dict[str, object]]) -> tuple[list[dict], dict]:
    """Listing ids in posting order per market, as a market's database would assign them."""
    listings: list[dict[str, object]] = []
    truth: dict[str, dict[str, object]] = {}
    for m in markets:
        mine = sorted((i for i in items if i["acc"].market == m["id"]),  # type: ignore[attr-defined]
                      key=lambda i: (i["posted"], i["acc"].handle, i["title"]))  # type: ignore[attr-defined]
        for n, it in enumerate(mine):
            acc: Account = it["acc"]  # type: ignore[assignment]
            lid = 10_000 + n
            it["id"] = f"{m['id']}:{lid}"
            listings.append({"market": m["id"], "id": lid, "category": it["category"], "title": it["title"],
                             "body": it["body"], "sample": it["sample"], "price": it["price"], "sold": it["sold"],
                             "posted": wallets._utc(int(it["posted"]))[:16], "seller": acc.handle})  # type: ignore[arg-type]
            truth[str(it["id"])] = {**it["truth"], "seller": acc.key, "member": acc.member, "sold": it["sold"],  # type: ignore[dict-item]
                                    "identifiers": [{"type": k, "value": v} for k, v in it["shown"]]}  # type: ignore[attr-defined]
    return listings, truth


def _vendor(acc: Account) -> dict[str, object]:
    bio = "\n".join(f"{k}: {v}" for k, v in acc.contacts if k in {"telegram", "qq", "wechat", "pgp"})
    return {"market": acc.market, "handle": acc.handle, "joined": wallets._utc(acc.joined)[:10],
            "bio": (acc.style.greeting + acc.style.signoff + "\n" + bio).strip(),
            "pgp": acc.pgp.armored if acc.pgp else None}


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)



def _truth(seed: int, markets: list[dict[str, object]], gang: list[Member], accounts: list[Account],
           tg_accounts: dict[str, dict[str, object]], listings: dict[str, dict[str, object]],
           shared: dict[str, object], transfers: list[wallets.Transfer], victim: str) -> dict[str, object]:
    """Ground truth: who runs which account, which identifiers they share, what each listing is."""
    acc_truth: dict[str, dict[str, object]] = {}
    for acc in accounts:
        acc_truth[acc.key] = {"member": acc.member, "market": acc.market, "handle": acc.handle,
                              "posts": acc.n_posts, "pgp": acc.pgp.fingerprint if acc.pgp else None,
                              "identifiers": [{"type": k, "value": v} for k, v in acc.contacts]}
    acc_truth.update(tg_accounts)
    users: dict[tuple[str, str], list[str]] = {}
    for key, a in acc_truth.items():
        for ident in a["identifiers"]:  # type: ignore[attr-defined]
            users.setdefault((ident["type"], ident["value"]), []).append(key)
    shared_ids = [{"type": t, "value": v, "accounts": sorted(ks)} for (t, v), ks in sorted(users.items())
                  if len(ks) > 1]
    wallet_owner = {m.own["usdt_trc20"]: m.id for m in gang}
    wallet_owner[str(shared["usdt_trc20"])] = "gang"
    return {
        "seed": seed, "victim_org": victim,
        "markets": [{"id": m["id"], "name": m["name"], "onion": m["onion"], "encoding": m["encoding"]}
                    for m in markets],
        "gang": {"channel": shared["channel_name"], "shared_pgp": shared["pgp"].fingerprint,  # type: ignore[attr-defined]
                 "shared_usdt_trc20": shared["usdt_trc20"], "shared_btc": shared["btc"],
                 "shared_telegram": shared["telegram"],
                 "members": [{"id": m.id, "role": m.role, "province_code": m.province,
                              "province": province_name(m.province), "own_identifiers": m.own,
                              "pgp": m.pgp.fingerprint if m.pgp else None,
                              "accounts": [a.key for a in m.accounts]
                              + ([f"telegram:user{m.tg_user_id}"] if m.tg_user_id else [])}
                             for m in gang]},
        "accounts": acc_truth,
        "shared_identifiers": shared_ids,
        "listings": listings,
        "wallets": wallet_owner,
        "transactions": {"count": len(transfers),
                         "by_kind": {k: sum(1 for t in transfers if t.kind == k) for k in ("sale", "sweep", "wholesale")},
                         "gang_income_usdt": round(sum(t.amount for t in transfers
                                                       if t.receiver == shared["usdt_trc20"]), 2)},
    }
