"""mentor feedback tally

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_feedback_tally",
        sa.Column("mentor_person_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("item_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mentor_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("mentor_person_id", "survey_id", "item_id", "value"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("mentor_feedback_tally")
