"""Actor and group pages over HTTP (in process): rendering, refusals, the chart's JSON, GraphML, the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from console_world import PASSWORD, ConsoleWorld
from fastapi.testclient import TestClient
from graph_fixtures import first_pending, graph_ready

from leaktrace.core.graph_types import GraphResult
from leaktrace.service.audit import query
from leaktrace.web.app import create_app


def _login(c: TestClient, username: str, code: str | None = None) -> None:
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert token is not None
    data = {"csrf": token.group(1), "username": username, "password": PASSWORD, **({"totp": code} if code else {})}
    r = c.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert m is not None
    return m.group(1)


@pytest.fixture(scope="module")
def graph(console_world: ConsoleWorld) -> GraphResult:
    return graph_ready(console_world.ctx)


@pytest.fixture(scope="module")
def app(console_world: ConsoleWorld, graph: GraphResult) -> object:
    return create_app(console_world.ctx)


@pytest.fixture
def analyst(app: object) -> Iterator[TestClient]:
    with TestClient(app) as c:  # type: ignore[arg-type]
        _login(c, "analyst1")
        yield c


def _lead_actor(graph: GraphResult) -> tuple[str, str]:
    lead = first_pending(graph)
    return next(a.actor for a in graph.accounts if a.key == lead.a), lead.id


def test_actor_list_and_page_render_with_strict_csp(analyst: TestClient, graph: GraphResult) -> None:
    r = analyst.get("/actors")
    assert r.status_code == 200 and 'href="/actors"' in r.text  # the nav line
    aid, link_id = _lead_actor(graph)
    assert f'href="/actors/{aid}"' in r.text
    assert f'href="/actors/{aid}#pending-{link_id}"' in r.text  # the links waiting for a supervisor
    page = analyst.get(f"/actors/{aid}")
    assert page.status_code == 200
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert re.search(r"<script(?![^>]*src=)", page.text) is None and "<style" not in page.text
    actor = next(a for a in graph.actors if a.id == aid)
    for key in actor.accounts:
        assert key in page.text
    assert 'id="link-chart"' in page.text and 'id="price-table"' in page.text and 'data-series=\'{' in page.text
    assert "/static/vendor/cytoscape/cytoscape.min.js" in page.text


def test_chart_json_and_expand(analyst: TestClient, graph: GraphResult) -> None:
    aid, _ = _lead_actor(graph)
    chart = analyst.get(f"/actors/{aid}/chart.json?depth=1").json()
    assert chart["nodes"] and not chart["too_large"] and chart["limit"] == 5000
    outer = next(n["data"]["id"] for n in chart["nodes"] if not n["data"]["focus"])
    more = analyst.get("/graph/account.json", params={"key": outer}).json()
    assert outer in {n["data"]["id"] for n in more["nodes"]}
    assert analyst.get("/graph/account.json", params={"key": "m9:nobody"}).status_code == 404
    assert analyst.get(f"/actors/{aid}/chart.json?depth=7").status_code == 400


def test_graphml_download_is_an_audited_export(analyst: TestClient, graph: GraphResult,
                                               console_world: ConsoleWorld) -> None:
    aid, _ = _lead_actor(graph)
    r = analyst.get(f"/actors/{aid}/chart.graphml?depth=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/graphml+xml")
    assert "attachment" in r.headers["content-disposition"] and b"<graphml" in r.content
    assert any(e.target == f"actor:{aid}" and e.actor == "analyst1"
               for e in query(console_world.ctx, action="export.download", limit=20))


def test_analyst_sees_no_decision_form_and_is_refused_a_decision(analyst: TestClient, graph: GraphResult) -> None:
    aid, link_id = _lead_actor(graph)
    page = analyst.get(f"/actors/{aid}")
    assert 'id="supervisor-only"' in page.text and 'class="do-confirm"' not in page.text
    r = analyst.post("/links/decision", data={"csrf": _csrf(page.text), "link": link_id, "decision": "confirm",
                                              "reason": "analyst tries"}, follow_redirects=False)
    assert r.status_code == 403 and "supervisor" in r.text
    r = analyst.post("/links/decision", data={"link": link_id, "decision": "confirm", "reason": "no token"})
    assert r.status_code == 403 and "CSRF" in r.text


def test_partner_and_auditor_cannot_open_actor_or_group_pages(app: object, graph: GraphResult,
                                                              console_world: ConsoleWorld) -> None:
    aid, _ = _lead_actor(graph)
    for user in ("partner1", "auditor1"):
        with TestClient(app) as c:  # type: ignore[arg-type]
            _login(c, user)
            for path in (f"/actors/{aid}", f"/groups/{graph.groups[0].id}", f"/actors/{aid}/chart.json",
                         f"/actors/{aid}/chart.graphml"):
                assert c.get(path).status_code == 403, (user, path)


def test_group_page_has_map_flows_and_tables(analyst: TestClient, graph: GraphResult) -> None:
    g = graph.groups[0]
    page = analyst.get(f"/groups/{g.id}")
    assert page.status_code == 200
    for actor in g.actors:
        assert f'href="/actors/{actor}"' in page.text
    assert 'id="province-map"' in page.text and 'id="province-table"' in page.text
    assert 'id="money-sankey"' in page.text and 'id="flow-table"' in page.text
    assert analyst.get("/static/geo/china-provinces.json").json()["type"] == "FeatureCollection"
    assert analyst.get("/groups/G999").status_code == 404


def test_api_reads_and_refuses_an_analysts_decision(app: object, graph: GraphResult,
                                                    console_world: ConsoleWorld) -> None:
    from leaktrace.service.tokens import issue_token

    ctx = console_world.ctx
    p = console_world.accounts.principals["analyst1"]
    token = issue_token(ctx, p, p.user_id, ["actor", "group", "link"])
    aid, link_id = _lead_actor(graph)
    with TestClient(app) as c:  # type: ignore[arg-type]
        h = {"Authorization": f"Bearer {token}"}
        actor = c.get(f"/api/v1/actors/{aid}", headers=h).json()
        assert actor["id"] == aid and actor["aliases"]
        assert c.get(f"/api/v1/actors/{aid}/chart", headers=h).json()["nodes"]
        assert c.get(f"/api/v1/groups/{graph.groups[0].id}", headers=h).json()["members"]
        assert link_id in {x["id"] for x in c.get("/api/v1/links/pending", headers=h).json()["links"]}
        r = c.post(f"/api/v1/links/{link_id}/decision", headers=h, json={"decision": "confirm", "reason": "x y z"})
        assert r.status_code == 403 and "supervisor" in r.json()["needed_roles"]
        assert c.get(f"/api/v1/actors/{aid}").status_code == 401
    assert "/api/v1/links/{link_id}/decision" in app.openapi()["paths"]  # type: ignore[attr-defined]
