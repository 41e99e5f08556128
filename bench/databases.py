"""Scratch databases for the benchmarks: a SQLite file under /tmp, or a `bench_*` database
on a PostgreSQL server (created, migrated, and dropped afterwards)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from store import migrate

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> str:
    return os.environ.get("STEPFORWARD_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)


@contextmanager
def scratch_database(backend: str, label: str) -> Iterator[str]:
    """A migrated empty database's URL, removed when the block ends."""
    name = f"bench_{label}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="stepforward-bench-"))
        url = f"sqlite:///{folder / (name + '.db')}"
        try:
            migrate.upgrade(url)
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if backend != "postgresql":
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    admin = create_engine(postgres_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(postgres_admin_url()).set(database=name)
        url = url.render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
