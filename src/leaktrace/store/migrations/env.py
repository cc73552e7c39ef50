"""Alembic environment: runs on the connection leaktrace.store.migrate hands over.

Run directly with the `alembic` tool (developers creating a revision), it
falls back to the engine the deployment settings select.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from leaktrace.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    from leaktrace.core.settings import get_settings
    from leaktrace.store.engine import resolve_url

    context.configure(
        url=resolve_url(get_settings()),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from leaktrace.store.engine import make_engine

    with make_engine().begin() as conn:
        _run(conn)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
