"""Shared crawler fixtures: a small simulated world served behind its SOCKS5h proxy, and the fake site."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _crawl_fakesite import SiteState, _bomb
from _crawl_sources import add_source  # noqa: F401  (kept importable from here too)

from leaktrace.collect.profile import Profile, load_profile
from leaktrace.pipeline.context import Context, open_context
from leaktrace.simulate.social import generate_social

FAKE_PROFILE = """
name: fake
kind: market
pages:
  - name: home
    match: "^/$"
    follow: ["a"]
  - name: listing
    match: "^/listing/\\\\d+$"
    item: {title: h1.title, body: div.description, price: span.price, status: span.status, seller: a.vendor}
  - name: any
    match: "^/(ok|malformed|huge|huge-declared|loop1|loop2|bomb|gbk|gbk-meta|offsite|binary|flaky|members|outside)$"
    item: {title: h1.title, body: div.description, price: span.price}
login: {path: /login, failure_selector: p.error, captcha_selector: img.captcha, success_cookie: sid}
politeness: {concurrency: 3, delay_s: 0}
limits: {max_bytes: 2097152, timeout_s: 20, retries: 3, max_redirects: 4}
"""


@pytest.fixture(scope="session")
def sim_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("crawlworld")
    generate_social(out, seed=5, scale=1000, sample_rows=[], victim_org="优选商城", claimed_records=2_000_000, members=2,
                    listings_per_market=30)
    return out


@pytest.fixture(scope="session")
def bomb_bytes() -> bytes:
    return _bomb()


@pytest.fixture()
def site_state(bomb_bytes: bytes) -> SiteState:
    return SiteState(bomb=bomb_bytes)


@pytest.fixture()
def fake_profile(tmp_path: Path) -> Profile:
    path = tmp_path / "fake.yaml"
    path.write_text(FAKE_PROFILE, encoding="utf-8")
    return load_profile(path)


@pytest.fixture()
def sim_profile() -> Profile:
    return load_profile("simulated-market")


@pytest.fixture()
def ctx() -> Iterator[Context]:
    with open_context() as c:
        yield c
