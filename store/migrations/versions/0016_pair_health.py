"""pair health

Each pairing's health as the sweep last worked it out: colour, reasons, since when it has
been that colour, and what it was before the last change; when the bot last heard from each
person, and since when they count as not responding.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def _utc():
    return store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pair_health",
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("colour", _TEXT(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("since", _utc(), nullable=False),
        sa.Column("changed_at", _utc(), nullable=False),
        sa.Column("previous_colour", _TEXT(), nullable=True),
        sa.Column("previous_reasons", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairing.id"]),
        sa.PrimaryKeyConstraint("pairing_id"),
    )
    op.create_index("ix_pair_health_colour", "pair_health", ["colour"])
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("last_heard_at", _utc(), nullable=True))
        batch.add_column(sa.Column("not_responding_since", _utc(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("not_responding_since")
        batch.drop_column("last_heard_at")
    op.drop_index("ix_pair_health_colour", table_name="pair_health")
    op.drop_table("pair_health")
