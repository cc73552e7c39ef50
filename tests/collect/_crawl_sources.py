"""Registering crawl sources in tests (a module of its own: `conftest` is not importable by name)."""

from __future__ import annotations

from leaktrace.pipeline.context import Context
from leaktrace.pipeline.sources import ensure_source


def add_source(ctx: Context, name: str, *, legal: bool = True) -> None:
    if legal:
        ensure_source(ctx.sessions, name, kind="market", base_url=None, legal_basis="test warrant 1", owner="tester")
    else:
        from leaktrace.store.repo import add_source as add

        with ctx.sessions.begin() as s:
            add(s, name, "market")
