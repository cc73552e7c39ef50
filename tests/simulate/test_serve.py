"""The simulated dark web: login, pagination, throttling, GBK pages, and the SOCKS5h proxy."""

from __future__ import annotations

import json
import re
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leaktrace.simulate.serve import Behaviour, ServedWorld, running_world
from leaktrace.simulate.social import generate_social


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("world")
    generate_social(out, seed=3, scale=1000, sample_rows=[], victim_org="优选商城", claimed_records=15_000_000,
                    listings_per_market=200)
    return out


@pytest.fixture(scope="module")
def served(outdir: Path) -> Iterator[ServedWorld]:
    with running_world(outdir, behaviour=Behaviour(rate_per_s=0, error_rate=0)) as w:
        yield w


def _host(w: ServedWorld, market: str) -> str:
    return w.url(market).split("/")[2]


def _login(c: httpx.Client, w: ServedWorld, market: str) -> None:
    r = c.post(w.url(market, "/login"), data={**w.credentials[_host(w, market)], "next": "/"})
    assert r.status_code == 303 and "sid" in c.cookies


def _listings(outdir: Path) -> list[dict]:
    return [json.loads(x) for x in (outdir / "social" / "listings.jsonl").read_text(encoding="utf-8").splitlines()]


def test_listing_pages_need_a_login_session(served: ServedWorld, outdir: Path) -> None:
    row = next(r for r in _listings(outdir) if r["market"] == "m1" and r["price"])
    with httpx.Client(proxy=served.proxy_url) as c:
        r = c.get(served.url("m1", f"/listing/{row['id']}"))
        assert r.status_code == 302 and r.headers["location"].startswith("/login?next=")
        bad = c.post(served.url("m1", "/login"), data={"username": "nobody", "password": "x"})
        assert bad.status_code == 401 and "sid" not in c.cookies
        _login(c, served, "m1")
        page = c.get(served.url("m1", f"/listing/{row['id']}"))
        assert page.status_code == 200
        assert row["seller"] in page.text and row["price"] in page.text
        # a session of one market opens nothing on another
        other = next(r for r in _listings(outdir) if r["market"] == "m2")
        assert c.get(served.url("m2", f"/listing/{other['id']}")).status_code == 302


def test_pagination_reaches_every_listing_of_a_category(served: ServedWorld, outdir: Path) -> None:
    rows = [r for r in _listings(outdir) if r["market"] == "m2"]
    slug = max({r["category"] for r in rows}, key=lambda s: sum(r["category"] == s for r in rows))
    expected = {r["id"] for r in rows if r["category"] == slug}
    assert len(expected) > 20  # more than one page
    found: list[int] = []
    path: str | None = f"/category/{slug}"
    pages = 0
    with httpx.Client(proxy=served.proxy_url) as c:
        while path:
            r = c.get(served.url("m2", path))
            assert r.status_code == 200
            found += [int(x) for x in re.findall(r'href="/listing/(\d+)"', r.text)]
            nxt = re.search(r'rel="next" class="next" href="([^"]+)"', r.text)
            path = nxt.group(1) if nxt else None
            pages += 1
        assert c.get(served.url("m2", f"/category/{slug}?page={pages + 1}")).status_code == 404
    assert sorted(found) == sorted(expected) and pages == -(-len(expected) // 20)


def test_gbk_market_pages_decode_with_and_without_charset_header(served: ServedWorld, outdir: Path) -> None:
    row = next(r for r in _listings(outdir) if r["market"] == "m3")
    with httpx.Client(proxy=served.proxy_url) as c:
        _login(c, served, "m3")
        page = c.get(served.url("m3", f"/listing/{row['id']}"))
        assert page.headers["content-type"] == "text/html; charset=gbk"
        assert row["title"].encode("gbk", "xmlcharrefreplace").decode("gbk") in page.content.decode("gbk")
        with pytest.raises(UnicodeDecodeError):
            page.content.decode("utf-8")
        home = c.get(served.url("m3", "/"))
        assert home.headers["content-type"] == "text/html"
        assert '<meta charset="gbk">' in home.content.decode("gbk") and "黑石论坛" in home.content.decode("gbk")


def test_burst_gets_429_then_recovers(outdir: Path) -> None:
    with running_world(outdir, behaviour=Behaviour(rate_per_s=5, burst=4, error_rate=0)) as w, \
            httpx.Client(base_url=f"http://127.0.0.1:{w.http_port}") as client:
        host = _host(w, "m1")
        codes = [client.get("/", headers={"host": host}).status_code for _ in range(12)]
        assert codes[:4] == [200] * 4 and 429 in codes
        r = client.get("/", headers={"host": host})
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert client.get("/", headers={"host": "unknown.onion"}).status_code == 421


def test_503s_are_seeded_and_at_the_configured_rate(outdir: Path) -> None:
    def run(seed: int) -> list[int]:
        with running_world(outdir, behaviour=Behaviour(rate_per_s=0, error_rate=0.3, seed=seed)) as w, \
                httpx.Client(base_url=f"http://127.0.0.1:{w.http_port}") as client:
            return [client.get(f"/category/chatter?page={i % 3 + 1}", headers={"host": _host(w, "m1")}).status_code
                    for i in range(90)]

    first = run(1)
    assert first == run(1) and first != run(2)
    assert set(first) <= {200, 404, 503} and 10 <= first.count(503) <= 45


def _socks_connect(port: int, atyp: int, addr: bytes, dport: int = 80, cmd: int = 1) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"\x05\x01\x00")
        assert s.recv(2) == b"\x05\x00"
        s.sendall(bytes([5, cmd, 0, atyp]) + addr + struct.pack("!H", dport))
        return s.recv(10)[1]


def test_socks_reply_codes(served: ServedWorld) -> None:
    onion = _host(served, "m1").encode()
    port = served.socks_port
    assert _socks_connect(port, 3, bytes([len(onion)]) + onion) == 0x00
    assert _socks_connect(port, 3, bytes([len(onion)]) + onion, dport=443) == 0x05
    unknown = b"a" * 56 + b".onion"
    assert _socks_connect(port, 3, bytes([len(unknown)]) + unknown) == 0x04
    assert _socks_connect(port, 3, b"\x0bexample.com") == 0x04
    assert _socks_connect(port, 1, socket.inet_aton("93.184.216.34")) == 0x02
    assert _socks_connect(port, 4, socket.inet_pton(socket.AF_INET6, "2001:db8::1")) == 0x02
    assert _socks_connect(port, 1, socket.inet_aton("127.0.0.1"), dport=served.http_port) == 0x00
    assert _socks_connect(port, 1, socket.inet_aton("127.0.0.1"), dport=22) == 0x02
    assert _socks_connect(port, 3, bytes([len(onion)]) + onion, cmd=2) == 0x07


def test_httpx_through_socks5h_fetches_onion_and_is_refused_elsewhere(served: ServedWorld) -> None:
    with httpx.Client(proxy=served.proxy_url, timeout=5) as c:
        r = c.get(served.url("m2", "/"))
        assert r.status_code == 200 and "Nightjar Market" in r.text
        for target in ("http://8.8.8.8/", "http://example.com/", "http://" + "b" * 56 + ".onion/"):
            with pytest.raises(httpx.ProxyError):
                c.get(target)


def test_socks_username_password_auth(outdir: Path) -> None:
    with running_world(outdir, behaviour=Behaviour(rate_per_s=0, error_rate=0), socks_auth=("inv", "s3cret")) as w:
        good = f"socks5h://inv:s3cret@127.0.0.1:{w.socks_port}"
        with httpx.Client(proxy=good, timeout=5) as c:
            assert c.get(w.url("m1", "/")).status_code == 200
        with httpx.Client(proxy=f"socks5h://inv:wrong@127.0.0.1:{w.socks_port}", timeout=5) as c, \
                pytest.raises(httpx.ProxyError):
            c.get(w.url("m1", "/"))
        with httpx.Client(proxy=w.proxy_url, timeout=5) as c, pytest.raises(httpx.ProxyError):
            c.get(w.url("m1", "/"))  # no credentials offered: no acceptable method


def test_more_markets_are_copies_under_their_own_onions_that_change_apart(outdir: Path, tmp_path: Path) -> None:
    """`markets=5`: m4 and m5 are m1 and m2 again under new onions; a change on one is not on the other."""
    from leaktrace.simulate.serve import LiveConfig
    from leaktrace.simulate.serve.data import load_world, widen
    from leaktrace.simulate.serve.live import Live, read_changelog

    world = widen(load_world(outdir), 5, seed=1)
    by_id = {m.id: m for m in world.values()}
    assert sorted(by_id) == ["m1", "m2", "m3", "m4", "m5"] and len(world) == 5
    m1, m4 = by_id["m1"], by_id["m4"]
    assert m4.onion != m1.onion and m4.credentials == m1.credentials and m4.by_id.keys() == m1.by_id.keys()
    assert all(r["market"] == "m4" for r in m4.by_id.values())
    assert {m.id: m.onion for m in widen(load_world(outdir), 5, seed=1).values()}["m4"] == m4.onion  # seeded
    live = Live(world, {}, LiveConfig(tmp_path / "log.jsonl", seed=2, weights=(0, 1, 0, 0, 0, 0)))
    for _ in range(60):
        live.tick()
    edits = [r for r in read_changelog(tmp_path / "log.jsonl") if r["op"] == "edit"]
    assert edits and all(r["seller"] for r in edits)  # the truth names the seller of each version
    on_m4 = {r["id"] for r in edits if r["market"] == "m4"} - {r["id"] for r in edits if r["market"] == "m1"}
    assert on_m4, "no listing edited on the copy alone"
    for lid in on_m4:  # edited on the copy only: the original is as it was
        assert live.version[("m4", lid)] > 1 and live.version[("m1", lid)] == 1
        assert {**m4.by_id[lid], "market": "m1"} != m1.by_id[lid]
    with running_world(outdir, behaviour=Behaviour(rate_per_s=0, error_rate=0), markets=4) as w:
        assert sorted(w.hosts.values()) == ["m1", "m2", "m3", "m4"]
        with httpx.Client(proxy=w.proxy_url, trust_env=False) as c:
            assert c.get(w.url("m4")).status_code == 200


def test_live_leaves_a_listing_alone_while_its_page_was_just_served(outdir: Path, tmp_path: Path) -> None:
    """An edit right after a crawler read the page would file the old page under the new version's time."""
    import time

    from leaktrace.simulate.serve import LiveConfig
    from leaktrace.simulate.serve.data import load_world
    from leaktrace.simulate.serve.live import Live, read_changelog

    world = load_world(outdir)
    m = next(iter(world.values()))
    quiet = min(m.by_id)
    now = time.monotonic()
    m.served.update({lid: now for lid in m.by_id if lid != quiet})  # every page but one was just read
    live = Live({m.onion: m}, {}, LiveConfig(tmp_path / "log.jsonl", seed=5, weights=(0, 1, 0, 0, 0, 0), settle_s=60.0))
    for _ in range(10):
        live.tick()
    edited = {r["id"] for r in read_changelog(tmp_path / "log.jsonl") if r["op"] == "edit"}
    assert edited == {quiet}
    m.served.clear()  # read long enough ago: any listing may change again
    for _ in range(30):
        live.tick()
    assert len({r["id"] for r in read_changelog(tmp_path / "log.jsonl") if r["op"] == "edit"}) > 1
