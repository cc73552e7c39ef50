"""the console: triage of posts, watched sellers, the search index; feed sort indexes (issue 17)

Revision ID: 0010
Revises: 0009

Chained after the identity migration (0009) of the same issue.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('triage',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('case_ref', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_triage_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_triage'))
    )
    op.create_index(op.f('ix_triage_state'), 'triage', ['state'], unique=False)
    op.create_table('watched_sellers',
    sa.Column('handle', sa.String(length=255), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('handle', name=op.f('pk_watched_sellers'))
    )
    op.create_table('search_terms',
    sa.Column('term', sa.String(length=64), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_search_terms_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('term', 'post_id', name=op.f('pk_search_terms'))
    )
    op.create_index(op.f('ix_search_terms_post_id'), 'search_terms', ['post_id'], unique=False)
    op.create_table('search_docs',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('title_masked', sa.Text(), nullable=True),
    sa.Column('title_digest', sa.String(length=64), nullable=True),
    sa.Column('indexed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_search_docs_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_search_docs'))
    )
    op.create_index(op.f('ix_posts_last_seen_at'), 'posts', ['last_seen_at'], unique=False)
    op.create_index('ix_posts_lower_author_handle', 'posts', [sa.text('lower(author_handle)')], unique=False)
    op.create_index(op.f('ix_intel_results_model_version_score'), 'intel_results', ['model_version', 'score'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_intel_results_model_version_score'), table_name='intel_results')
    op.drop_index('ix_posts_lower_author_handle', table_name='posts')
    op.drop_index(op.f('ix_posts_last_seen_at'), table_name='posts')
    op.drop_table('search_docs')
    op.drop_index(op.f('ix_search_terms_post_id'), table_name='search_terms')
    op.drop_table('search_terms')
    op.drop_table('watched_sellers')
    op.drop_index(op.f('ix_triage_state'), table_name='triage')
    op.drop_table('triage')
