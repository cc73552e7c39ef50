"""Move PostgreSQL serial sequences past ids that were written explicitly.

Bulk writers (a backup restore, the fast world loader) insert rows with their
own primary keys to skip a round trip per row. PostgreSQL's serial columns do
not notice: their sequences stay where they were, and the next ordinary insert
draws an id that is already taken. SQLite picks max(id)+1 by itself, so this
is a no-op there.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, text
from sqlalchemy.orm import Session


def _serial_columns(table: Table) -> list[str]:
    cols = list(table.primary_key.columns)
    return [c.name for c in cols
            if c.autoincrement is True or (c.autoincrement == "auto" and len(cols) == 1 and c.type.python_type is int)]


def reset_sequences(session: Session, tables: Iterable[Table]) -> None:
    """Set each serial primary key's sequence of `tables` so its next value is max(id)+1 (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        for col in _serial_columns(table):
            seq = session.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col})
            if seq:
                session.execute(text(f'SELECT setval(:seq, COALESCE((SELECT max("{col}") FROM "{table.name}"), 0) + 1,'
                                     " false)"), {"seq": seq})
