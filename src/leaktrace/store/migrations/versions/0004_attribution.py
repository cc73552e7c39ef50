"""registered organisations, fingerprints and canaries (issue 7)

Revision ID: 0004
Revises: 0003

Reserved in the chain so that stages landing in parallel do not create
several heads; the owning stage fills in upgrade/downgrade (a no-op until then).
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
