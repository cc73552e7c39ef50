"""A small simulated world and helpers to put its markets under inspection."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from leaktrace.core.settings import get_settings
from leaktrace.pipeline.context import Context, open_context
from leaktrace.service import sources as svc
from leaktrace.service.access import local_operator
from leaktrace.simulate.serve import ServedWorld
from leaktrace.simulate.social import generate_social


@pytest.fixture(scope="session")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("inspectworld")
    generate_social(out, seed=5, scale=1000, sample_rows=[], victim_org="优选商城", claimed_records=2_000_000,
                    members=2, listings_per_market=8)
    return out


@pytest.fixture()
def ctx() -> Iterator[Context]:
    get_settings.cache_clear()
    with open_context() as c:
        yield c


def schedule(ctx: Context, w: ServedWorld, market: str, *, interval: int = 3, name: str | None = None,
             proxy: str | None = None) -> str:
    """Put one simulated market under inspection (its password in an env variable, as a worker reads it)."""
    url = w.url(market)
    host = url.split("/")[2]
    env = f"LT_TEST_{market.upper()}_PW"
    os.environ[env] = w.credentials[host]["password"]
    name = name or market
    svc.add(ctx, local_operator("tester"), name, source_kind="market", legal_basis="test warrant", owner="tester",
            kind="crawl", profile="simulated-market", start_urls=[url], interval_s=interval,
            proxy=proxy or w.proxy_url, delay_s=0, concurrency=4, username=w.credentials[host]["username"],
            password_env=env)
    return name
