"""Alembic environment: runs against the URL put in the config by `store.migrate`."""

from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

import store.announcements  # noqa: F401  (registers the tables on SQLModel.metadata)
import store.bookings  # noqa: F401
import store.cohort_events  # noqa: F401
import store.endings  # noqa: F401
import store.escalations  # noqa: F401
import store.health  # noqa: F401
import store.managers  # noqa: F401
import store.models  # noqa: F401
import store.outbox  # noqa: F401
import store.pauses  # noqa: F401
import store.processed_activities  # noqa: F401
import store.re_engagements  # noqa: F401
import store.replies  # noqa: F401
import store.send_grants  # noqa: F401
import store.shared_files  # noqa: F401
import store.surveys  # noqa: F401
from store.engine import create_db_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or os.environ.get("DATABASE_URL", "sqlite:///var/stepforward.db")


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = create_db_engine(_url())
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
