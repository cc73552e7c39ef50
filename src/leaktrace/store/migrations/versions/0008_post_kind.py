"""posts say what kind of page they were read from: listing, profile or post

Revision ID: 0008
Revises: 0007

A site profile's page rule names the kind of item it reads (`item_kind`);
the crawler and the HTML importer record it on the post. A vendor's profile
page is stored as a post (its bio names contacts and wallets the graph
needs) but is not an offer: cases take listings only from posts that are
not profiles. Rows stored before this revision have no kind (NULL) and are
read as before.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("posts", sa.Column("kind", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("kind")
