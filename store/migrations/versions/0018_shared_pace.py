"""shared pace

The app-wide log of proactive sends that every instance draws from on PostgreSQL
(`store.send_grants`): one row per send, granted and completed.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_grant",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("granted_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("send_grant")
