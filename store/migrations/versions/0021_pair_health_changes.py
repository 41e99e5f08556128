"""pair health changes

Every change of a pair's colour (colour and since when), so the report can say what colour a
pair was at the end of each programme month. Pairs already worked out start with their
current colour since it began; what they were before is not known.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "pair_health_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pairing_id", sa.Integer(), sa.ForeignKey("pairing.id"), nullable=False),
        sa.Column("colour", _TEXT(), nullable=False),
        sa.Column("since", store.types.UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pair_health_change_pairing_id", "pair_health_change", ["pairing_id"])
    op.execute(
        "INSERT INTO pair_health_change (pairing_id, colour, since) "
        "SELECT pairing_id, colour, since FROM pair_health"
    )


def downgrade() -> None:
    op.drop_index("ix_pair_health_change_pairing_id", table_name="pair_health_change")
    op.drop_table("pair_health_change")
