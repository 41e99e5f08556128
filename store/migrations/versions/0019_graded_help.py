"""graded help

When each person paused their routine reminders (`pause_period`: the health rules do not count
that time), and the amber re-engagement messages decided for each person of a pair
(`re_engagement`).

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def _utc():
    return store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pause_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", _utc(), nullable=False),
        sa.Column("ends_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pause_period_person_id", "pause_period", ["person_id"])
    op.create_table(
        "re_engagement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("window_starts_at", _utc(), nullable=False),
        sa.Column("decided_at", _utc(), nullable=False),
        sa.Column("outbox_key", _TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairing.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_re_engagement_pairing_id", "re_engagement", ["pairing_id"])
    op.create_index("ix_re_engagement_person_id", "re_engagement", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_re_engagement_person_id", table_name="re_engagement")
    op.drop_index("ix_re_engagement_pairing_id", table_name="re_engagement")
    op.drop_table("re_engagement")
    op.drop_index("ix_pause_period_person_id", table_name="pause_period")
    op.drop_table("pause_period")
