"""alias-link feedback and graph tables (issue 8)

Revision ID: 0002
Revises: 0001

Link verdicts people give (kept across graph rebuilds) and wallet transfers
imported from block-explorer CSV exports. Mirrors store/models/graph.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('graph_link_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_a', sa.String(length=520), nullable=False),
    sa.Column('account_b', sa.String(length=520), nullable=False),
    sa.Column('decision', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=200), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('confirm', 'reject')", name=op.f('ck_graph_link_feedback_decision_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_graph_link_feedback')),
    sa.UniqueConstraint('account_a', 'account_b', name=op.f('uq_graph_link_feedback_account_a_account_b'))
    )
    op.create_table('graph_wallet_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.String(length=16), nullable=False),
    sa.Column('tx_hash', sa.String(length=128), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sender', sa.String(length=128), nullable=False),
    sa.Column('receiver', sa.String(length=128), nullable=False),
    sa.Column('amount', sa.Numeric(precision=28, scale=8, asdecimal=False), nullable=False),
    sa.Column('token', sa.String(length=16), nullable=False),
    sa.Column('source_file', sa.Text(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_graph_wallet_transfers')),
    sa.UniqueConstraint('chain', 'tx_hash', 'sender', 'receiver',
                        name=op.f('uq_graph_wallet_transfers_chain_tx_hash_sender_receiver'))
    )
    op.create_index(op.f('ix_graph_wallet_transfers_receiver'), 'graph_wallet_transfers', ['receiver'], unique=False)
    op.create_index(op.f('ix_graph_wallet_transfers_sender'), 'graph_wallet_transfers', ['sender'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_graph_wallet_transfers_sender'), table_name='graph_wallet_transfers')
    op.drop_index(op.f('ix_graph_wallet_transfers_receiver'), table_name='graph_wallet_transfers')
    op.drop_table('graph_wallet_transfers')
    op.drop_table('graph_link_feedback')
