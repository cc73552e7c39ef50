"""console at 10^6 posts: the feed's and similar listings' indexes carry the column that breaks ties or is read

Revision ID: 0019
Revises: 0018

Each index replaces one that lacked the last column: a deep feed page (newest or highest score first) and
the posts sharing an identifier are then read from the index alone (index-only scans) instead of visiting
a table row per entry skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPLACED = (  # (table, old name, old columns, new name, new columns)
    ('posts', 'ix_posts_last_seen_at', ['last_seen_at'], 'ix_posts_last_seen_at_id', ['last_seen_at', 'id']),
    ('intel_results', 'ix_intel_results_model_version_score', ['model_version', 'score'],
     'ix_intel_results_model_version_score_post_id', ['model_version', 'score', 'post_id']),
    ('post_identifiers', 'ix_post_identifiers_identifier_id', ['identifier_id'],
     'ix_post_identifiers_identifier_id_post_id', ['identifier_id', 'post_id']),
)


def upgrade() -> None:
    for table, old, _, new, cols in _REPLACED:
        op.create_index(new, table, cols, unique=False)
        op.drop_index(old, table_name=table)


def downgrade() -> None:
    for table, old, cols, new, _ in _REPLACED:
        op.create_index(old, table, cols, unique=False)
        op.drop_index(new, table_name=table)
