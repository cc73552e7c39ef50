"""What happens off the markets: the gang's chat channel and the money it moves."""

from __future__ import annotations

import random

from leaktrace.core.money import USD_PER
from leaktrace.simulate.social import ids_pool, telegram, wallets
from leaktrace.simulate.social.gang import DAY, EPOCH, Member, province_name
from leaktrace.simulate.social.samples import mask_rows
from leaktrace.simulate.social.texts import other_text, trafficking_text
from leaktrace.simulate.social.volumes import draw_price, render_volume


def chat_channel(rng: random.Random, gang: list[Member], shared: dict[str, object], victim: str, claimed: int,
                 samples: list[dict[str, str]]) -> tuple[dict[str, object], dict[str, dict], dict[str, dict]]:
    """The export, the truth of its offers (keyed `telegram:<msg id>`) and its senders' accounts."""
    drafts: list[tuple[int, str, int, str, dict | None, Member | None]] = []
    used: dict[int, list[tuple[str, str]]] = {}
    for m in (m for m in gang if m.tg_user_id):
        lo = {"supplier": 3, "wholesaler": 15}.get(m.role, 50)
        contacts = [("telegram", m.own["telegram"]),
                    ("usdt_trc20", str(shared["usdt_trc20"]) if m.role != "agent" else m.own["usdt_trc20"])]
        used[m.tg_user_id] = contacts
        for k in range(rng.randint(6, 14)):
            unix = EPOCH + (lo if k == 0 else rng.randint(lo, 320)) * DAY + rng.randint(0, DAY - 1)
            if k == 0 or rng.random() < 0.5:
                volume = claimed if m.role != "agent" else max(10_000, round(claimed * rng.uniform(0.005, 0.05), -4))
                region = province_name(m.province) if m.role == "agent" else None
                vtext = render_volume(volume, rng, m.style.lang)
                price = draw_price(rng, m.style.lang, volume)
                title, body = trafficking_text(rng, m.style, "orders", vtext, price.text, victim, region, contacts)
                text = "\n".join([title, body, *mask_rows(rng.sample(samples, k=min(2, len(samples))))])
                truth = {"trafficking": True, "category": "orders", "claimed_records": volume, "volume_text": vtext,
                         "price": price.truth(), "victim_org": victim, "story": True, "sold": None,
                         "identifiers": [{"type": t, "value": v} for t, v in contacts]}
            else:
                title, body = other_text(rng, m.style, "chatter", [])
                text, truth = f"{title}\n{body}", {"trafficking": False, "category": "chatter", "sold": None,
                                                   "identifiers": []}
            drafts.append((unix, m.tg_name, m.tg_user_id, text, truth, m))
    for _ in range(rng.randint(5, 10)):  # buyers and onlookers
        uid, name = rng.randint(10**9, 7 * 10**9), ids_pool.display_name(rng)
        drafts.append((EPOCH + rng.randint(0, 320 * DAY), name, uid, "", None, None))
        for _ in range(rng.randint(0, 4)):
            q = rng.choice(["有广东的吗？", "样本能发下吗", "多少U？", "靠谱吗", "求购银行卡四要素", "still available?"])
            drafts.append((EPOCH + rng.randint(0, 320 * DAY), name, uid, q,
                           {"trafficking": False, "category": "chatter", "sold": None, "identifiers": []}, None))
    drafts.sort(key=lambda d: (d[0], d[2], d[3]))
    messages: list[dict[str, object]] = []
    listing_truth: dict[str, dict] = {}
    for n, (unix, name, uid, text, truth, member) in enumerate(drafts, start=1):
        if truth is None:
            messages.append(telegram.join(n, unix, name, uid))
            continue
        messages.append(telegram.message(n, unix, name, uid, text))
        listing_truth[f"telegram:{n}"] = {**truth, "seller": f"telegram:user{uid}",
                                          "member": member.id if member else None, "posted_unix": unix}
    tg_accounts = {f"telegram:user{m.tg_user_id}": {
        "member": m.id, "market": "telegram", "handle": m.tg_name,
        "posts": sum(1 for d in drafts if d[2] == m.tg_user_id), "pgp": None,
        "identifiers": [{"type": t, "value": v} for t, v in used[m.tg_user_id]]} for m in gang if m.tg_user_id}
    chat_id = rng.randint(10**9, 2 * 10**9)
    return telegram.export(str(shared["channel_name"]), chat_id, messages), listing_truth, tg_accounts


def money_flows(rng: random.Random, gang: list[Member], shared: dict[str, object], items: list[dict[str, object]],
                tg_truth: dict[str, dict]) -> list[wallets.Transfer]:
    """Sales into posted wallets, monthly sweeps of the gang wallet, agents paying the supplier."""
    out: list[wallets.Transfer] = []
    for it in items:
        truth: dict = it["truth"]  # type: ignore[assignment]
        if not truth["trafficking"] or it["acc"].member is None or not it["sold"]:  # type: ignore[attr-defined]
            continue
        wallet = next((v for t, v in it["shown"] if t == "usdt_trc20"), None)  # type: ignore[attr-defined]
        if wallet:
            usdt = truth["price"]["amount"] * USD_PER[truth["price"]["currency"]]
            out += wallets.sales(rng, wallet, int(it["posted"]), int(it["sold"]), usdt)  # type: ignore[call-overload]
    supplier = gang[0]
    wholesalers = [m for m in gang if m.role == "wholesaler"]
    agents = [m for m in gang if m.role == "agent"]
    shares = [(supplier.own["usdt_trc20"], 0.4)] + [(m.own["usdt_trc20"], 0.15) for m in wholesalers]
    rest = 1 - sum(s for _, s in shares)
    shares += [(m.own["usdt_trc20"], round(rest / len(agents), 4)) for m in agents] if agents else []
    out += wallets.sweeps(rng, out, str(shared["usdt_trc20"]), shares)
    for m in agents:
        for _ in range(rng.randint(1, 3)):
            out.append(wallets.Transfer(EPOCH + rng.randint(55, 300) * DAY, m.own["usdt_trc20"],
                                        supplier.own["usdt_trc20"], float(rng.randint(20, 200) * 10), "wholesale"))
    return out
