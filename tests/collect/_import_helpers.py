"""Helpers for the importer tests: a registered source, row counts, the CLI in-process."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, select

from leaktrace.cli.app import main
from leaktrace.pipeline.context import Context
from leaktrace.pipeline.importing import ensure_source
from leaktrace.store.models import Capture, Post


def approved(ctx: Context, name: str) -> str:
    ensure_source(ctx, name, kind="archive", legal_basis="test warrant 7", owner="tester")
    return name


def count(ctx: Context, model: type = Capture, **where: object) -> int:
    with ctx.session() as s:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return int(s.scalar(stmt) or 0)


def posts(ctx: Context, site: str | None = None) -> list[Post]:
    with ctx.session() as s:
        stmt = select(Post).order_by(Post.id)
        if site is not None:
            stmt = stmt.where(Post.site == site)
        return list(s.scalars(stmt))


def cli(*argv: str) -> int:
    return main(list(argv))


def eval_dir() -> Path | None:
    """../shared/eval beside the checkout (or LEAKTRACE_EVAL_DIR), as tests/conftest.py finds it."""
    env = os.environ.get("LEAKTRACE_EVAL_DIR")
    cand = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "eval"
    return cand if cand.is_dir() else None
