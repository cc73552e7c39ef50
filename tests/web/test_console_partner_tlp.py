"""TLP on the console's items and the partner pages, through the service, the pages and the API.

A post marked TLP:RED in a case is seen only by that case's members and by
supervisors (feed, listing, search, pivot, triage); every row and item
carries its badge; setting an item's TLP is audited. A partner of org-a sees
only org-a's attribution results and exposure notices, another
organisation's result reads as missing (guessed ids too), and no download
route answers a partner.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from console_world import ConsoleWorld
from fastapi.testclient import TestClient
from partner_world import DUMP_A, ensure_attributions
from test_console_uploads import csrf_of, login

from leaktrace.service import audit
from leaktrace.service.errors import PermissionDenied
from leaktrace.service.feed import feed
from leaktrace.service.listing_view import listing
from leaktrace.service.partner_view import attribution_result, partner_view
from leaktrace.service.tlp import set_item_tlp
from leaktrace.service.tokens import issue_token
from leaktrace.service.triage import add_to_case
from leaktrace.store.repo.post_queries import PostFilter

DOWNLOADISH = ("screenshot", "download", "export", "bundle", "capture", "sample", "hashset", "evidence", "report")


def all_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route with a path, also inside included routers (FastAPI keeps those as one entry each)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from all_routes(inner.routes)
        elif getattr(r, "path", None):
            yield r


@pytest.fixture(scope="module")
def attributions(console_world: ConsoleWorld) -> dict[str, int]:
    """A case with attribution results and dump summaries for org-a and org-b; item numbers by name."""
    return ensure_attributions(console_world.ctx)


@pytest.fixture(scope="module")
def red_post(console_world: ConsoleWorld) -> int:
    """A post in LT-MEMBERS (analyst1 is a member, analyst2 is not), its listing item marked TLP:RED."""
    ctx = console_world.ctx
    a1 = console_world.accounts.principals["analyst1"]
    from sqlalchemy import select

    from leaktrace.store.models import CaseItem, IntelResult, Post, PostIdentifier

    # A titled, analysed listing with a seller and an identifier, in no case yet: chosen from the store, not
    # from the feed's first page, which tests sharing the world fill with their own uploads and cases.
    with ctx.session() as s:
        held = {int(k.removeprefix("post-")) for k in s.scalars(select(CaseItem.key).where(CaseItem.kind == "listing"))
                if k.startswith("post-") and k.removeprefix("post-").isdigit()}
        candidates = s.scalars(
            select(Post.id).where(Post.title.is_not(None), Post.title != "", Post.author_handle.is_not(None),
                                  Post.id.in_(select(PostIdentifier.post_id)), Post.id.in_(select(IntelResult.post_id)))
            .order_by(Post.id)).all()
    pid = next(p for p in candidates if p not in held)
    add_to_case(ctx, a1, pid, "LT-MEMBERS")
    done = set_item_tlp(ctx, a1, "LT-MEMBERS", f"listing:post-{pid}", "TLP:RED")
    assert done["tlp"] == "red" and done["own"]
    return pid


@pytest.fixture
def client(app: object) -> Iterator[TestClient]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        yield c


# -- TLP --------------------------------------------------------------------------------------

def test_red_post_is_shown_to_members_and_supervisors_only_by_the_service(
        console_world: ConsoleWorld, red_post: int) -> None:
    ctx, acc = console_world.ctx, console_world.accounts.principals
    only = PostFilter(post_ids=(red_post,))
    assert [(r.post_id, r.tlp) for r in feed(ctx, acc["analyst1"], only).rows] == [(red_post, "red")]
    assert [r.tlp for r in feed(ctx, acc["super1"], only).rows] == ["red"]
    assert feed(ctx, acc["analyst2"], only).rows == []
    with pytest.raises(PermissionDenied, match="TLP:RED"):
        listing(ctx, acc["analyst2"], red_post)
    assert listing(ctx, acc["analyst1"], red_post).row.tlp == "red"
    unmarked = feed(ctx, acc["analyst2"], PostFilter(sort="score"), limit=5).rows
    assert unmarked and all(r.tlp in ("amber", "green", "clear", "amber+strict") for r in unmarked)


def test_red_post_is_left_out_of_the_pivot_and_search(console_world: ConsoleWorld, red_post: int) -> None:
    from sqlalchemy import select

    from leaktrace.service.pivot import pivot
    from leaktrace.service.search import search
    from leaktrace.store.models import Post, PostIdentifier

    ctx, acc = console_world.ctx, console_world.accounts.principals
    with ctx.session() as s:
        ident = s.scalar(select(PostIdentifier.identifier_id).where(PostIdentifier.post_id == red_post))
        title = s.get(Post, red_post).title
    assert ident is not None
    assert red_post in [r.post_id for r in pivot(ctx, acc["analyst1"], ident).listings]
    assert red_post not in [r.post_id for r in pivot(ctx, acc["analyst2"], ident).listings]
    word = max(re.findall(r"[\u4e00-\u9fff]{2,}", title) or [title[:4]], key=len)[:4]
    mine = search(ctx, acc["super1"], word, limit=500).rows
    theirs = search(ctx, acc["analyst2"], word, limit=500).rows
    assert red_post in [r.post_id for r in mine] and red_post not in [r.post_id for r in theirs]
    assert {r.post_id for r in theirs} == {r.post_id for r in mine} - {red_post}


def test_red_post_through_pages_and_api(console_world: ConsoleWorld, red_post: int, client: TestClient) -> None:
    ctx, acc = console_world.ctx, console_world.accounts.principals
    login(client, "analyst2")
    r = client.get(f"/listing/{red_post}")
    assert r.status_code == 403 and "TLP:RED" in r.text and 'id="needed-role"' in r.text
    with ctx.session() as s:
        from leaktrace.store.models import Post

        seller = s.get(Post, red_post).author_handle
    assert f'id="row-{red_post}"' not in client.get("/feed", params={"seller": seller}).text
    csrf = csrf_of(client.get("/sessions").text)
    r = client.post(f"/triage/{red_post}", data={"csrf": csrf, "action": "watch"})
    assert r.status_code == 403  # not theirs to triage either
    tok2 = issue_token(ctx, acc["analyst2"], acc["analyst2"].user_id, ["feed", "listing"])
    tok1 = issue_token(ctx, acc["analyst1"], acc["analyst1"].user_id, ["feed", "listing"])
    r = client.get(f"/api/v1/listings/{red_post}", headers={"Authorization": f"Bearer {tok2}"})
    assert r.status_code == 403 and "TLP:RED" in r.json()["error"]
    r = client.get(f"/api/v1/listings/{red_post}", headers={"Authorization": f"Bearer {tok1}"})
    assert r.status_code == 200 and r.json()["listing"]["tlp"] == "red"
    rows = client.get("/api/v1/feed", params={"seller": seller}, headers={"Authorization": f"Bearer {tok1}"}).json()
    assert red_post in [row["post_id"] for row in rows["rows"]] and all(row["tlp"] for row in rows["rows"])
    rows = client.get("/api/v1/feed", params={"seller": seller}, headers={"Authorization": f"Bearer {tok2}"}).json()
    assert red_post not in [row["post_id"] for row in rows["rows"]]


def test_member_sees_the_badge_and_sets_tlp_from_the_case_page(
        console_world: ConsoleWorld, red_post: int, app: object) -> None:
    ctx = console_world.ctx
    with TestClient(app) as c:  # type: ignore[arg-type]
        login(c, "analyst1")
        page = c.get(f"/listing/{red_post}")
        assert page.status_code == 200 and 'id="listing-tlp" data-tlp="red"' in page.text
        case = c.get("/cases/LT-MEMBERS").text
        m = re.search(rf'<tr data-item="(\d+)"><td><span class="tlp tlp-red" data-tlp="red">TLP:RED</span></td>'
                      rf'<td>listing</td><td>post-{red_post}</td>', case)
        assert m is not None, case[-3000:]
        r = c.post(f"/cases/LT-MEMBERS/items/{m.group(1)}/tlp", data={"csrf": csrf_of(case), "tlp": "green"},
                   follow_redirects=False)
        assert r.status_code == 303
        assert f'<tr data-item="{m.group(1)}"><td><span class="tlp tlp-green"' in c.get("/cases/LT-MEMBERS").text
    entries = audit.query(ctx, action="case.item_tlp", target="case:LT-MEMBERS")
    assert entries[0].actor == "analyst1" and entries[0].detail["old"] == "red" and entries[0].detail["new"] == "green"
    a2 = console_world.accounts.principals["analyst2"]
    assert [r.tlp for r in feed(ctx, a2, PostFilter(post_ids=(red_post,))).rows] == ["green"]  # now everyone's
    set_item_tlp(ctx, console_world.accounts.principals["analyst1"], "LT-MEMBERS", m.group(1), "red")  # restore
    with pytest.raises(PermissionDenied, match="not a member"):
        set_item_tlp(ctx, a2, "LT-MEMBERS", m.group(1), "clear")  # only members (and supervisors) mark items


def test_bad_tlp_level_is_one_clear_line(console_world: ConsoleWorld, red_post: int) -> None:
    from leaktrace.core.errors import InputError

    with pytest.raises(InputError, match=r"field 'tlp': 'purple' is not one of clear, green"):
        set_item_tlp(console_world.ctx, console_world.accounts.principals["super1"], "LT-MEMBERS",
                     f"listing:post-{red_post}", "purple")


def test_case_tlp_command(capsys: pytest.CaptureFixture[str]) -> None:
    from leaktrace.cases.case_records import add_item, create_case
    from leaktrace.cli.app import main
    from leaktrace.core.settings import get_settings
    from leaktrace.pipeline.context import open_context
    from leaktrace.store.models import CaseItem

    with open_context(get_settings()) as ctx, ctx.session() as s:
        case = create_case(s, "cli case", ref="LT-CLI", created_by="tests")
        add_item(s, case, "attribution", {"id": "att-1", "org_name": "X", "org_id": "org-x", "confidence": 0.5})
        s.commit()
    assert main(["case", "tlp", "LT-CLI", "attribution:att-1", "amber+strict"]) == 0
    assert "is TLP:AMBER+STRICT" in capsys.readouterr().out
    assert main(["case", "tlp", "LT-CLI", "attribution:nope", "red"]) == 2
    err = capsys.readouterr().err.strip()
    assert "attribution:nope" in err and "no such item" in err and len(err.splitlines()) == 1
    with open_context(get_settings()) as ctx, ctx.session() as s:
        from sqlalchemy import select

        assert s.scalar(select(CaseItem.payload).where(CaseItem.key == "att-1"))["tlp"] == "amber+strict"
        assert audit.query(ctx, action="case.item_tlp")[0].actor.startswith("shell:")


# -- partners ---------------------------------------------------------------------------------

def test_partner_sees_only_its_organisations_results_by_the_service(
        console_world: ConsoleWorld, attributions: dict[str, int]) -> None:
    ctx, acc = console_world.ctx, console_world.accounts.principals
    view = partner_view(ctx, acc["partner1"], org="org-b")  # asking for another organisation: its own anyway
    assert view.org_id == "org-a"
    ids = {r.id for r in view.sections["attributions"]}
    assert ids == {attributions["att-a"], attributions["att-a-green"]}  # not org-b's, not the TLP:RED one
    assert {n.dump_id for n in view.sections["notices"]} == {DUMP_A}
    assert view.sections["alerts"] == []
    other = partner_view(ctx, acc["partner2"])
    assert {r.id for r in other.sections["attributions"]} == {attributions["att-b"]}
    assert "sha256" not in str(view.as_dict())  # nothing that names a downloadable file


def test_partner_guessing_ids_gets_what_a_missing_id_gets(
        console_world: ConsoleWorld, attributions: dict[str, int], client: TestClient) -> None:
    ctx, acc = console_world.ctx, console_world.accounts.principals
    login(client, "partner1")
    assert client.get("/partner").status_code == 200
    page = client.get("/partner").text
    assert f'data-attribution="{attributions["att-a"]}"' in page
    assert f'data-attribution="{attributions["att-b"]}"' not in page and "Org B" not in page
    assert client.get(f"/partner/attributions/{attributions['att-a']}").status_code == 200
    token = issue_token(ctx, acc["partner1"], acc["partner1"].user_id, ["attribution", "notice"])
    h = {"Authorization": f"Bearer {token}"}
    api = client.get("/api/v1/partner?org=org-b", headers=h).json()
    assert api["org_id"] == "org-a" and all(r["org_id"] == "org-a" for r in api["sections"]["attributions"])
    narrow = issue_token(ctx, acc["partner1"], acc["partner1"].user_id, ["attribution"])
    sections = client.get("/api/v1/partner", headers={"Authorization": f"Bearer {narrow}"}).json()["sections"]
    assert set(sections) == {"attributions"}  # a token's scopes narrow the sections too
    missing = max(attributions.values()) + 10_000
    for guessed in (attributions["att-b"], attributions["att-a-red"], missing):
        r = client.get(f"/partner/attributions/{guessed}")
        assert r.status_code == 404 and f"attribution result {guessed}: no such attribution result" in r.text
        r = client.get(f"/api/v1/partner/attributions/{guessed}", headers=h)
        assert r.status_code == 404 and r.json()["error"] == \
            f"attribution result {guessed}: no such attribution result"
    for item in range(1, missing):  # every id a partner could guess: only its own answer
        if item in (attributions["att-a"], attributions["att-a-green"]):
            continue
        with pytest.raises(Exception, match="no such attribution result"):
            attribution_result(ctx, acc["partner1"], item)


def test_staff_open_an_organisations_view_by_name(
        console_world: ConsoleWorld, attributions: dict[str, int], client: TestClient) -> None:
    login(client, "analyst1")
    r = client.get("/partner?org=org-b")
    assert r.status_code == 200 and f'data-attribution="{attributions["att-b"]}"' in r.text
    assert client.get("/partner").status_code == 400  # staff must say which organisation


@pytest.mark.parametrize("who", ["partner1", "partner2"])
def test_no_download_route_answers_a_partner(
        console_world: ConsoleWorld, attributions: dict[str, int], app: object, client: TestClient, who: str) -> None:
    ctx = console_world.ctx
    p = console_world.accounts.principals[who]
    token = issue_token(ctx, p, p.user_id, ["attribution", "notice", "export", "evidence", "case", "listing"])
    login(client, who)
    routes = [r for r in all_routes(app.routes) if any(w in r.path for w in DOWNLOADISH)]  # type: ignore[attr-defined]
    assert routes, "the console has download routes to try"
    tried = 0
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            if method not in ("GET", "POST"):
                continue
            headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
            r = client.request(method, path, headers=headers)
            assert r.status_code in (400, 401, 403, 404, 405, 422), (method, path, r.status_code)
            assert r.status_code != 200
            tried += 1
    assert tried
    page = client.get("/partner").text
    assert not any(f"/{w}" in page for w in ("screenshot", "download", "bundle", "hashset"))
