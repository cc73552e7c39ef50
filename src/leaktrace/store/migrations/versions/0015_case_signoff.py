"""cases: an assignee, and the supervisor's sign-off (who, when)

Revision ID: 0015
Revises: 0012

Adds `cases.assignee` (the analyst answerable for the case; the console's
case list filters on it), and `cases.signed_off_by` / `cases.signed_off_at`:
the supervisor who signed the case off, who may not be its author
(`service.case_work.sign_off`). The act itself is also in the audit log; the
columns are what the report prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('assignee', sa.String(length=200), nullable=True))
    op.add_column('cases', sa.Column('signed_off_by', sa.String(length=200), nullable=True))
    op.add_column('cases', sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('signed_off_at')
        batch.drop_column('signed_off_by')
        batch.drop_column('assignee')
