"""Masking follows the person: sellers' own contacts in clear, a victim's number masked wherever it shows up.

Built on a simulated world: listings from its markets, victims' phones from
its leak (the dump), seller contacts from its gang. A seller may paste a
victim's phone as a contact: whether the number is first seen in another
listing's sample rows or only later in a seized dump, the store stops
keeping it in clear and every report and export masks it.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from leaktrace.cases import misp, stix, tables
from leaktrace.cases.case_records import create_case, get_case, load_content
from leaktrace.cases.model import CaseContent
from leaktrace.cases.report import render_html
from leaktrace.core.masking import mask
from leaktrace.pii.detectors.cn_mobile import is_valid_mobile
from leaktrace.pipeline.case_assembly import build_case, dump_evidence
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.disclosure import case_copy
from leaktrace.pipeline.intel_stage import analyse_posts, analyse_stored
from leaktrace.pipeline.worldload import Page, iter_pages
from leaktrace.store.models import Identifier
from leaktrace.store.repo import PostSighting, upsert_post


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from leaktrace.simulate.world import generate_world

    out = tmp_path_factory.mktemp("world") / "w"
    return out, generate_world(out, scale=400, seed=11, formats=["csv"])


@pytest.fixture(scope="module")
def victims(world: tuple[Path, dict[str, Any]]) -> list[str]:
    """Valid mobiles of people in the world's leak: victims' numbers."""
    out, _ = world
    with (out / "leak" / "leak.csv").open(encoding="utf-8") as fh:
        phones = [r["联系电话"].replace(" ", "").replace("-", "") for r in csv.DictReader(fh)]
    return [p for p in phones if len(p) == 11 and is_valid_mobile(p)][:20]


@pytest.fixture(scope="module")
def world_listings(world: tuple[Path, dict[str, Any]]) -> list[Page]:
    """Market listings that show sample rows: trafficking offers."""
    out, _ = world
    return [p for p in iter_pages(out / "social") if p.sample and "/listing/" in p.url]


@pytest.fixture(scope="module")
def listings(world_listings: list[Page]) -> list[Page]:
    return world_listings[:3]


def _post(ctx: Context, page: Page, body: str) -> int:
    with ctx.session() as s:
        res = upsert_post(s, PostSighting(site=page.site, url=page.url, author_handle=page.author, title=page.title,
                                          body=body, posted_at=page.posted_at), seen_at=datetime.now(UTC))
        s.commit()
        return res.post_id


def _contacts(qq: str, tg: str, phone: str) -> str:
    return f"\n联系方式 QQ: {qq}\nTelegram: @{tg}\n联系电话: {phone}\n"


def _idents(ctx: Context) -> dict[tuple[str, str], Identifier]:
    with ctx.session() as s:
        return {(i.type, i.value_masked): i for i in s.scalars(select(Identifier))}


def _outputs(content: CaseContent, tmp_path: Path) -> dict[str, str]:
    paths = tables.write_tables(content, tmp_path / "csv")
    return {"html": render_html(content, "en"), "stix": stix.to_json(content), "misp": misp.to_json(content),
            "csv": "".join(p.read_text("utf-8") for p in paths),
            "identifiers": next(p for p in paths if p.name.endswith(".identifiers.csv")).read_text("utf-8")}


def _case(ctx: Context, ref: str) -> CaseContent:
    with ctx.session() as s:
        create_case(s, "disclosure", ref=ref)
        s.commit()
    build_case(ctx, ref, added_by="test", with_graph=False)
    with ctx.session() as s:
        return load_content(s, get_case(s, ref))


def test_victims_number_posted_as_contact_is_masked_everywhere(ctx: Context, listings: list[Page],
                                                             victims: list[str], tmp_path: Path) -> None:
    victim, qq, tg = victims[0], "3857716402", "dragon_data_88"
    seller, other = listings[0], listings[1]
    # The seller posts the victim's number as their phone, beside their own QQ and Telegram ...
    pid_seller = _post(ctx, seller, seller.body + _contacts(qq, tg, victim))
    with ctx.session() as s:
        rep = analyse_posts(s, ctx.hasher, post_ids=[pid_seller])
    assert rep.trafficking == 1
    got = _idents(ctx)
    assert got[("cn_mobile", mask(victim))].value_norm == victim  # nothing says yet it is a victim's
    # ... and another listing shows that number in its (badly masked) sample rows.
    row = f"张** {victim} 11**************2X 北京市****"
    pid_other = _post(ctx, other, other.body + "\n" + row + "\n")
    with ctx.session() as s:
        analyse_posts(s, ctx.hasher, post_ids=[pid_other])
    got = _idents(ctx)
    phone = got[("cn_mobile", mask(victim))]
    assert phone.value_norm is None and phone.victim_seen_at is not None
    assert got[("qq", mask(qq))].value_norm == qq and got[("telegram", mask(tg))].value_norm == tg

    content = case_copy(ctx, _case(ctx, "LT-VICTIM-1"))
    out = _outputs(content, tmp_path)
    for name, text in out.items():
        assert victim not in text, name
    assert mask(victim) in out["html"] and mask(victim) in out["identifiers"]
    # the seller's own QQ and Telegram: in clear in the report and in the CSV's value column
    assert qq in out["html"] and tg in out["html"]
    rows = list(csv.DictReader(out["identifiers"].splitlines()))
    clear = {(r["type"], r["value"]) for r in rows if r["value"]}
    assert ("qq", qq) in clear and ("telegram", tg) in clear
    phones = [r for r in rows if r["type"] == "cn_mobile"]
    assert phones and all(r["value"] == "" and r["role"] == "victim" and r["masked"] == mask(victim) for r in phones)
    accounts = {(o["account_type"], o["account_login"]) for o in json.loads(out["stix"])["objects"]
                if o["type"] == "user-account"}
    assert ("qq", qq) in accounts and ("telegram", tg) in accounts
    event = json.loads(out["misp"])["Event"]
    texts = {a["value"] for a in event["Attribute"]}
    handles = {a["value"] for o in event["Object"] if o["name"] == "telegram-account" for a in o["Attribute"]}
    assert f"qq: {qq}" in texts and tg in handles


def test_contact_a_dump_shows_to_be_a_victims_is_masked_from_then_on(ctx: Context, world: tuple[Path, dict[str, Any]],
                                                                    listings: list[Page], victims: list[str],
                                                                    tmp_path: Path) -> None:
    out, _ = world
    victim, own = victims[1], "wang_shop_01"
    page = listings[2]
    pid = _post(ctx, page, page.body + _contacts("2715538810", own, victim))
    with ctx.session() as s:
        analyse_posts(s, ctx.hasher, post_ids=[pid])
    content = _case(ctx, "LT-VICTIM-2")
    before = case_copy(ctx, content)
    assert victim in _outputs(before, tmp_path / "before")["identifiers"]  # no dump analysed yet: a seller's phone

    dump_evidence(ctx, out / "leak" / "leak.csv")  # the seized dump: its phones' keyed hashes now on disk
    after = case_copy(ctx, content)  # the same case items as before; only what is known changed
    text = _outputs(after, tmp_path / "after")
    for name, t in text.items():
        assert victim not in t, name
    assert own in text["identifiers"]
    phones = [i for x in after.listings for i in x.identifiers if i.type == "cn_mobile"]
    assert phones and all(i.value is None and i.role == "victim" for i in phones)
    stored = _idents(ctx)[("cn_mobile", mask(victim))]
    assert stored.value_norm is None and stored.victim_seen_at is not None
    # `case build` again: the item itself now holds the number masked, as a victim's
    build_case(ctx, "LT-VICTIM-2", added_by="test", with_graph=False)
    with ctx.session() as s:
        rebuilt = load_content(s, get_case(s, "LT-VICTIM-2"))
    items = [i for x in rebuilt.listings for i in x.identifiers if i.type == "cn_mobile"]
    assert items and all(i.value is None and i.role == "victim" for i in items)
    assert victim not in rebuilt.model_dump_json()
    # `analyze --redo` reads the post again: the victim's number is not filled back in
    analyse_stored(ctx, redo=True)
    assert _idents(ctx)[("cn_mobile", mask(victim))].value_norm is None


def test_analyze_redo_refills_contacts_stored_before_0007(ctx: Context, listings: list[Page]) -> None:
    """Rows written before migration 0007 hold a seller's QQ as keyed hash and mask only; --redo refills them."""
    qq, tg = "4419023377", "kuaidi_master"
    page = listings[0]
    _post(ctx, page, page.body + _contacts(qq, tg, "13912345678"))
    analyse_stored(ctx)
    with ctx.session() as s:
        s.execute(update(Identifier).where(Identifier.type.in_(["qq", "telegram"])).values(value_norm=None))
        s.commit()
    assert _idents(ctx)[("qq", mask(qq))].value_norm is None
    analyse_stored(ctx)  # nothing to do: every post has a verdict
    assert _idents(ctx)[("qq", mask(qq))].value_norm is None
    analyse_stored(ctx, redo=True)
    got = _idents(ctx)
    assert got[("qq", mask(qq))].value_norm == qq and got[("telegram", mask(tg))].value_norm == tg


def test_a_victims_number_in_two_sellers_samples_is_supply_not_an_alias(ctx: Context,
                                                                          world_listings: list[Page],
                                                                          victims: list[str]) -> None:
    """Two sellers offering the same leaked person share supply; the number is not one seller's own."""
    from leaktrace.graph.corpus import load_corpus

    row = f"李** {victims[2]} 44**************1X 广东省****"
    two = [p for p in world_listings if p.author != world_listings[0].author][:1] + world_listings[:1]
    assert len({(p.site, p.author) for p in two}) == 2
    for page in two:
        _post(ctx, page, page.body + "\n" + row + "\n")
    analyse_stored(ctx)
    with ctx.session() as s:
        phone = s.scalar(select(Identifier).where(Identifier.type == "cn_mobile",
                                                  Identifier.value_masked == mask(victims[2])))
        assert phone is not None and phone.victim_seen_at is not None
        corpus = load_corpus(s)
    holders = [a for a in corpus.accounts.values() if phone.id in a.samples]
    assert len(holders) == 2
    assert not [a for a in corpus.accounts.values() if phone.id in a.identifiers]
