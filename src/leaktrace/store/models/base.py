"""Declarative base and the constraint naming convention the migrations rely on.

Named constraints make migrations reproducible on both backends: SQLite
batch-mode alterations and PostgreSQL drops address constraints by name.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Longest URL the store accepts. Hostile pages carry megabyte-long links;
# uniqueness is enforced on a digest of the URL (url_key), so an index never
# has to hold the URL itself.
MAX_URL_CHARS = 8192


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def url_key(url: str) -> str:
    """SHA-256 of the URL: the fixed-width value unique constraints are built on."""
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
