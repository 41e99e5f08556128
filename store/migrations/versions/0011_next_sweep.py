"""next sweep per pairing and escalation

When a sweep next needs to look at each pairing and each escalation (NULL: at the next sweep,
so every existing pairing and unresolved escalation is looked at once after the upgrade; a
resolved escalation never again), a counter of changes to a pairing's facts, and the
fingerprint of the rules the moments were worked out with.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER = datetime(9999, 12, 31, tzinfo=UTC)  # as store.next_sweep.NEVER


def upgrade() -> None:
    op.add_column(
        "pairing", sa.Column("next_sweep_at", store.types.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "pairing",
        sa.Column("facts_version", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_pairing_next_sweep_at", "pairing", ["next_sweep_at"])
    op.add_column(
        "escalation",
        sa.Column("next_sweep_at", store.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_escalation_next_sweep_at", "escalation", ["next_sweep_at"])
    escalation = sa.table(
        "escalation",
        sa.column("status", sa.String()),
        sa.column("next_sweep_at", store.types.UTCDateTime(timezone=True)),
    )
    op.execute(
        escalation.update().where(escalation.c.status == "resolved").values(next_sweep_at=NEVER)
    )
    op.create_table(
        "sweep_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("changed_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("sweep_rules")
    op.drop_index("ix_escalation_next_sweep_at", table_name="escalation")
    with op.batch_alter_table("escalation") as batch:
        batch.drop_column("next_sweep_at")
    op.drop_index("ix_pairing_next_sweep_at", table_name="pairing")
    with op.batch_alter_table("pairing") as batch:
        batch.drop_column("facts_version")
        batch.drop_column("next_sweep_at")
