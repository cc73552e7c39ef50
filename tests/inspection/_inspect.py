"""Putting a simulated market under inspection in tests (a module of its own: `conftest` is not importable
by name when several test folders have one)."""

from __future__ import annotations

import os

from leaktrace.pipeline.context import Context
from leaktrace.service import sources as svc
from leaktrace.service.access import local_operator
from leaktrace.simulate.serve import ServedWorld


def schedule(ctx: Context, w: ServedWorld, market: str, *, interval: int = 3, name: str | None = None,
             proxy: str | None = None, screenshots: bool = False) -> str:
    """Put one simulated market under inspection (its password in an env variable, as a worker reads it)."""
    url = w.url(market)
    host = url.split("/")[2]
    env = f"LT_TEST_{market.upper()}_PW"
    os.environ[env] = w.credentials[host]["password"]
    name = name or market
    svc.add(ctx, local_operator("tester"), name, source_kind="market", legal_basis="test warrant", owner="tester",
            kind="crawl", profile="simulated-market", start_urls=[url], interval_s=interval,
            proxy=proxy or w.proxy_url, delay_s=0, concurrency=4, username=w.credentials[host]["username"],
            password_env=env, screenshots=screenshots)
    return name
