"""case items looked up by kind and key across cases (a dump's attribution items on the dump page and in a
partner's dump list), and by case in id order (the case page a page at a time); cases by last change (the case list a page at a
time): index walks, not scans

Revision ID: 0020
Revises: 0018
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f('ix_case_items_kind_key'), 'case_items', ['kind', 'key'], unique=False)
    op.create_index(op.f('ix_case_items_case_id_id'), 'case_items', ['case_id', 'id'], unique=False)
    op.create_index(op.f('ix_cases_updated_at_id'), 'cases', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_cases_updated_at_id'), table_name='cases')
    op.drop_index(op.f('ix_case_items_case_id_id'), table_name='case_items')
    op.drop_index(op.f('ix_case_items_kind_key'), table_name='case_items')
