"""One check for a migration: the tables it makes are what the models describe, and it goes
back down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from store import migrate


def assert_migration_matches_models(db_url: str, engine, tables: set[str], down_to: str) -> None:
    """No difference between the migrated database and the models for `tables`; then down to
    revision `down_to` and up to the head again."""

    def about_ours(diff) -> bool:
        text = repr(diff)
        return any(f"'{table}'" in text or f"table='{table}'" in text for table in tables)

    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert [d for d in diffs if about_ours(d)] == []
    command.downgrade(migrate.alembic_config(db_url), down_to)
    migrate.upgrade(db_url)
