"""crawl and watch state beyond the initial schema (issue 4)

Revision ID: 0005
Revises: 0004

Reserved in the chain so that stages landing in parallel do not create
several heads; the owning stage fills in upgrade/downgrade (a no-op until then).
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
