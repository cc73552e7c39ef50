"""people's link verdicts follow accounts to their new names: source:handle instead of host:handle

Revision ID: 0006
Revises: 0005

The graph now names an account by the source its posts were collected under
(`market-a:seller`), not by the host (`<56 characters>.onion:seller`). A
verdict recorded under the old name is renamed to the new one when a stored
post of that host and handle has a source; two verdicts that become the same
pair keep the newer decision. Downgrade renames them back the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FIND_SOURCE = sa.text(
    "SELECT s.name FROM posts p JOIN sources s ON s.id = p.source_id "
    "WHERE p.site = :site AND p.author_handle = :handle ORDER BY p.id LIMIT 1")
_FIND_HOST = sa.text(
    "SELECT p.site FROM posts p JOIN sources s ON s.id = p.source_id "
    "WHERE s.name = :site AND p.author_handle = :handle ORDER BY p.id LIMIT 1")


def _rename(query: sa.TextClause) -> None:
    conn = op.get_bind()
    cache: dict[str, str] = {}

    def renamed(key: str) -> str:
        if key not in cache:
            site, _, handle = key.partition(":")
            new = conn.execute(query, {"site": site, "handle": handle}).scalar()
            cache[key] = f"{new}:{handle}" if new else key
        return cache[key]

    rows = conn.execute(sa.text(
        "SELECT id, account_a, account_b, decided_at FROM graph_link_feedback ORDER BY decided_at, id")).all()
    keep: dict[tuple[str, str], int] = {}
    for rid, a, b, _at in rows:  # oldest first: a later verdict on the same renamed pair wins
        pair = tuple(sorted((renamed(a), renamed(b))))
        if pair in keep:
            conn.execute(sa.text("DELETE FROM graph_link_feedback WHERE id = :id"), {"id": keep[pair]})
        keep[pair] = rid
    for rid in keep.values():
        # Two steps, so a rename that swaps names between rows never meets the unique pair constraint midway.
        conn.execute(sa.text("UPDATE graph_link_feedback SET account_a = :a, account_b = :b WHERE id = :id"),
                     {"a": f"~renaming~{rid}", "b": f"~renaming~{rid}", "id": rid})
    for pair, rid in keep.items():
        conn.execute(sa.text("UPDATE graph_link_feedback SET account_a = :a, account_b = :b WHERE id = :id"),
                     {"a": pair[0], "b": pair[1], "id": rid})


def upgrade() -> None:
    _rename(_FIND_SOURCE)


def downgrade() -> None:
    _rename(_FIND_HOST)
