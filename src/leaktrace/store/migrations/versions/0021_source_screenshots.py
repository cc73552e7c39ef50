"""source schedules: screenshots (queue a rendering of each listing/seller page a scheduled run captures)

Revision ID: 0021
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('source_schedules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('screenshots', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('source_schedules', schema=None) as batch_op:
        batch_op.drop_column('screenshots')
