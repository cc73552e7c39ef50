"""Where stage results live: SQLAlchemy models, shipped Alembic migrations, repositories.

SQLite in the data directory by default, PostgreSQL by `database_url`; the
same models, migrations and repository calls serve both, and the tests run
every case on each backend.
"""

from leaktrace.store.engine import make_engine, session_factory
from leaktrace.store.migrate import check, current, head, upgrade

__all__ = ["check", "current", "head", "make_engine", "session_factory", "upgrade"]
