"""identifiers: sellers' own contacts kept in clear, victims' values marked (masking follows the person)

Revision ID: 0007
Revises: 0006

Adds `identifiers.victim_seen_at` (nullable timestamp): when a value was
first seen as a victim's data. From then on the store never keeps it in
clear and reports and exports mask it, whoever posts it as a contact.

Upgrade marks every identifier a post already carries as sample data (a
`post_identifiers` link of role 'sample', other than whole `sample_row`
identifiers) with the time of the upgrade and clears its `value_norm`.

Values never stored cannot be recovered here: before this revision QQ,
WeChat, phone, e-mail and Telegram contacts were kept only as keyed hash
and masked form. `leaktrace analyze --redo` reads the stored posts again
and fills `value_norm` for the contacts sellers posted as their own (see
docs/cases.md, "Who is shown in clear").

Downgrade drops the column; clear values filled since stay (the rule that
wrote them is the one being downgraded from).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('identifiers', sa.Column('victim_seen_at', sa.DateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    now = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # how store.types.UTCDateTime writes UTC on SQLite
    conn.execute(
        sa.text("UPDATE identifiers SET victim_seen_at = :now, value_norm = NULL "
                "WHERE type <> 'sample_row' AND id IN "
                "(SELECT identifier_id FROM post_identifiers WHERE role = 'sample')")
        .bindparams(sa.bindparam("now", type_=sa.DateTime(timezone=True))),
        {"now": now},
    )


def downgrade() -> None:
    op.drop_column('identifiers', 'victim_seen_at')
