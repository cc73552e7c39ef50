"""Input checks and the dialect-neutral insert-if-absent every repository shares."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from leaktrace.core.errors import InputError
from leaktrace.store.models import MAX_URL_CHARS


def check_url(url: str, field: str = "url") -> str:
    if not url or not url.strip():
        raise InputError(f"field {field!r}: empty URL")
    if len(url) > MAX_URL_CHARS:
        raise InputError(f"field {field!r}: URL of {len(url)} characters exceeds {MAX_URL_CHARS}")
    return url


def check_aware(value: datetime | None, field: str) -> datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InputError(f"field {field!r}: timestamp {value.isoformat()} has no time zone")
    return value


def insert_ignore(
    session: Session, table: Table, values: dict[str, Any], conflict: Sequence[str]
) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on either backend; True when a row was inserted.

    A unique violation inside a PostgreSQL transaction aborts the whole
    transaction, so racing writers must never rely on catching IntegrityError.
    """
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = (
        ins.values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*table.primary_key.columns)
    )
    # RETURNING, not rowcount: drivers disagree on rowcount for a skipped insert.
    return session.execute(stmt).first() is not None
