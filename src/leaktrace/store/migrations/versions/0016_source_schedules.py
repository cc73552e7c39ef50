"""online inspection: each source's schedule, politeness, proxy, state and last run

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('source_schedules',
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('profile', sa.String(length=500), nullable=True),
    sa.Column('start_urls', sa.JSON(), nullable=False),
    sa.Column('inbox', sa.Text(), nullable=True),
    sa.Column('interval_s', sa.Integer(), nullable=True),
    sa.Column('cron', sa.String(length=120), nullable=True),
    sa.Column('delay_s', sa.Float(), nullable=True),
    sa.Column('concurrency', sa.Integer(), nullable=True),
    sa.Column('max_pages', sa.Integer(), nullable=True),
    sa.Column('proxy', sa.String(length=300), nullable=True),
    sa.Column('no_proxy', sa.Boolean(), nullable=False),
    sa.Column('isolate', sa.Boolean(), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=True),
    sa.Column('password_env', sa.String(length=100), nullable=True),
    sa.Column('down_after_s', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('proposed_from', sa.Integer(), nullable=True),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_pages', sa.Integer(), nullable=False),
    sa.Column('last_new_captures', sa.Integer(), nullable=False),
    sa.Column('last_errors', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('down_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('down_alerted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('active', 'paused', 'proposed', 'rejected')",
                       name=op.f('ck_source_schedules_state_known')),
    sa.ForeignKeyConstraint(['proposed_from'], ['sources.id'], name=op.f('fk_source_schedules_proposed_from_sources'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_schedules_source_id_sources'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('source_id', name=op.f('pk_source_schedules'))
    )
    op.create_index(op.f('ix_source_schedules_state_next_run_at'), 'source_schedules', ['state', 'next_run_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_source_schedules_state_next_run_at'), table_name='source_schedules')
    op.drop_table('source_schedules')
