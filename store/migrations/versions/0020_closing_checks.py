"""closing checks

What each person answered on the closing card when their pairing ended (`store.endings`).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "closing_check",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pairing_id", sa.Integer(), sa.ForeignKey("pairing.id"), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("helped", _TEXT(), nullable=False),
        sa.Column("goals_met", _TEXT(), nullable=False),
        sa.Column("stay_in_touch", sa.Boolean(), nullable=False),
        sa.Column("words", sa.Text(), nullable=True),
        sa.Column("answered_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("pairing_id", "person_id"),
    )
    op.create_index("ix_closing_check_pairing_id", "closing_check", ["pairing_id"])
    op.create_index("ix_closing_check_person_id", "closing_check", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_closing_check_person_id", table_name="closing_check")
    op.drop_index("ix_closing_check_pairing_id", table_name="closing_check")
    op.drop_table("closing_check")
