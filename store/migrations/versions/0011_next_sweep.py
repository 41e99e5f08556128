"""next sweep per pairing

When a sweep next needs to look at each pairing (NULL: at the next sweep, so every existing
pairing is looked at once after the upgrade), and a counter of changes to its facts.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "pairing", sa.Column("next_sweep_at", store.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "pairing",
        sa.Column("facts_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_pairing_next_sweep_at", "pairing", ["next_sweep_at"])


def downgrade() -> None:
    op.drop_index("ix_pairing_next_sweep_at", table_name="pairing")
    with op.batch_alter_table("pairing") as batch:
        batch.drop_column("facts_version")
        batch.drop_column("next_sweep_at")
