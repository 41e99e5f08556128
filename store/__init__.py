"""Persistence: SQLModel tables, repositories and Alembic migrations. Knows nothing of Teams."""
