"""initial schema: sources, captures, frontier, posts, snapshots, identifiers, intel

Revision ID: 0001
Revises:
Create Date: 2026-11-25 05:57:42.105528
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('value_hash', sa.String(length=100), nullable=False),
    sa.Column('value_masked', sa.String(length=200), nullable=False),
    sa.Column('value_norm', sa.Text(), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identifiers')),
    sa.UniqueConstraint('type', 'value_hash', name=op.f('uq_identifiers_type_value_hash'))
    )

    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('base_url', sa.Text(), nullable=True),
    sa.Column('legal_basis', sa.Text(), nullable=True),
    sa.Column('owner', sa.String(length=200), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )

    op.create_table('captures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('url_key', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=200), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_captures_sha256_len')),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_captures_source_id_sources'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_captures')),
    sa.UniqueConstraint('source_id', 'url_key', 'sha256', name=op.f('uq_captures_source_id_url_key_sha256'))
    )
    op.create_index(op.f('ix_captures_sha256'), 'captures', ['sha256'], unique=False)
    op.create_table('crawl_frontier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('url_key', sa.String(length=64), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('capture_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'claimed', 'done', 'failed')", name=op.f('ck_crawl_frontier_state_known')),
    sa.ForeignKeyConstraint(['capture_id'], ['captures.id'], name=op.f('fk_crawl_frontier_capture_id_captures'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_crawl_frontier_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_frontier')),
    sa.UniqueConstraint('source_id', 'url_key', name=op.f('uq_crawl_frontier_source_id_url_key'))
    )
    op.create_index(op.f('ix_crawl_frontier_host'), 'crawl_frontier', ['host'], unique=False)
    op.create_index(op.f('ix_crawl_frontier_state_next_try_at'), 'crawl_frontier', ['state', 'next_try_at'], unique=False)
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site', sa.String(length=255), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('url_key', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('capture_id', sa.Integer(), nullable=True),
    sa.Column('author_handle', sa.String(length=255), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('price_amount', sa.Numeric(precision=28, scale=8, asdecimal=False), nullable=True),
    sa.Column('price_currency', sa.String(length=12), nullable=True),
    sa.Column('volume_records', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['capture_id'], ['captures.id'], name=op.f('fk_posts_capture_id_captures'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_posts_source_id_sources'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('site', 'url_key', name=op.f('uq_posts_site_url_key'))
    )
    op.create_index(op.f('ix_posts_author_handle'), 'posts', ['author_handle'], unique=False)
    op.create_index(op.f('ix_posts_posted_at'), 'posts', ['posted_at'], unique=False)
    op.create_table('intel_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('trafficking', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_intel_results_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intel_results')),
    sa.UniqueConstraint('post_id', 'model_version', name=op.f('uq_intel_results_post_id_model_version'))
    )
    op.create_index(op.f('ix_intel_results_trafficking_score'), 'intel_results', ['trafficking', 'score'], unique=False)
    op.create_table('listing_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.Integer(), nullable=True),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('price_amount', sa.Numeric(precision=28, scale=8, asdecimal=False), nullable=True),
    sa.Column('price_currency', sa.String(length=12), nullable=True),
    sa.Column('volume_records', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['capture_id'], ['captures.id'], name=op.f('fk_listing_snapshots_capture_id_captures'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_listing_snapshots_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_snapshots'))
    )
    op.create_index(op.f('ix_listing_snapshots_post_id_seen_at'), 'listing_snapshots', ['post_id', 'seen_at'], unique=False)
    op.create_table('post_identifiers',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('identifier_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['identifier_id'], ['identifiers.id'], name=op.f('fk_post_identifiers_identifier_id_identifiers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_identifiers_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'identifier_id', 'role', name=op.f('pk_post_identifiers'))
    )
    op.create_index(op.f('ix_post_identifiers_identifier_id'), 'post_identifiers', ['identifier_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_post_identifiers_identifier_id'), table_name='post_identifiers')
    op.drop_table('post_identifiers')
    op.drop_index(op.f('ix_listing_snapshots_post_id_seen_at'), table_name='listing_snapshots')
    op.drop_table('listing_snapshots')
    op.drop_index(op.f('ix_intel_results_trafficking_score'), table_name='intel_results')
    op.drop_table('intel_results')
    op.drop_index(op.f('ix_posts_posted_at'), table_name='posts')
    op.drop_index(op.f('ix_posts_author_handle'), table_name='posts')
    op.drop_table('posts')
    op.drop_index(op.f('ix_crawl_frontier_state_next_try_at'), table_name='crawl_frontier')
    op.drop_index(op.f('ix_crawl_frontier_host'), table_name='crawl_frontier')
    op.drop_table('crawl_frontier')
    op.drop_index(op.f('ix_captures_sha256'), table_name='captures')
    op.drop_table('captures')
    op.drop_table('sources')
    op.drop_table('identifiers')
