"""console look-ups by index: case items' terms (identifier pivot), a seller's listings newest first

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_item_terms',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['case_items.id'], name=op.f('fk_case_item_terms_item_id_case_items'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'term', name=op.f('pk_case_item_terms'))
    )
    op.create_index(op.f('ix_case_item_terms_term'), 'case_item_terms', ['term'], unique=False)
    _backfill_terms()
    op.drop_index('ix_posts_lower_author_handle', table_name='posts')
    op.create_index('ix_posts_lower_author_handle_seen', 'posts',
                    [sa.text('lower(author_handle)'), 'last_seen_at', 'id'], unique=False)


def _backfill_terms() -> None:
    """The terms of the items already stored, by the rule new items get them (store.repo.case_terms)."""
    from leaktrace.store.repo.case_terms import item_terms

    bind = op.get_bind()
    items = sa.table('case_items', sa.column('id', sa.Integer()), sa.column('payload', sa.JSON()))
    terms = sa.table('case_item_terms', sa.column('item_id', sa.Integer()), sa.column('term', sa.String()))
    rows = [{"item_id": item_id, "term": t} for item_id, payload in bind.execute(sa.select(items.c.id, items.c.payload))
            for t in sorted(item_terms(payload))]
    for i in range(0, len(rows), 5000):
        bind.execute(sa.insert(terms), rows[i:i + 5000])


def downgrade() -> None:
    op.drop_index('ix_posts_lower_author_handle_seen', table_name='posts')
    op.create_index('ix_posts_lower_author_handle', 'posts', [sa.text('lower(author_handle)')], unique=False)
    op.drop_index(op.f('ix_case_item_terms_term'), table_name='case_item_terms')
    op.drop_table('case_item_terms')
