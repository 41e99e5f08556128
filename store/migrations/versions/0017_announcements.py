"""announcements

Announcing a programme's application window: the announcement, its audiences (channels and
staff groups), every person it was for with where their message stands, and who said "not for
me" to a programme.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def _utc():
    return store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("composed_by", _TEXT(), nullable=False),
        sa.Column("approved_by", _TEXT(), nullable=True),
        sa.Column("approved_at", _utc(), nullable=True),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("again_of", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.ForeignKeyConstraint(["again_of"], ["announcement.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_announcement_programme_id", "announcement", ["programme_id"])
    op.create_index("ix_announcement_status", "announcement", ["status"])
    op.create_table(
        "announcement_audience",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("target", _TEXT(), nullable=False),
        sa.Column("name", _TEXT(), nullable=False),
        sa.Column("organisation", _TEXT(), nullable=True),
        sa.Column("members_read_at", _utc(), nullable=True),
        sa.Column("problem", _TEXT(), nullable=True),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcement.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("announcement_id", "kind", "target"),
    )
    op.create_index(
        "ix_announcement_audience_announcement_id", "announcement_audience", ["announcement_id"]
    )
    op.create_table(
        "announcement_recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("audience_id", sa.Integer(), nullable=True),
        sa.Column("aad_object_id", _TEXT(), nullable=False),
        sa.Column("organisation", _TEXT(), nullable=True),
        sa.Column("delivery", _TEXT(), nullable=False),
        sa.Column("unreached", _TEXT(), nullable=True),
        sa.Column("chat_deadline", _utc(), nullable=True),
        sa.Column("pressed_apply_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcement.id"]),
        sa.ForeignKeyConstraint(["audience_id"], ["announcement_audience.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("announcement_id", "aad_object_id"),
    )
    op.create_index(
        "ix_announcement_recipient_announcement_id", "announcement_recipient", ["announcement_id"]
    )
    op.create_index(
        "ix_announcement_recipient_aad_object_id", "announcement_recipient", ["aad_object_id"]
    )
    op.create_index("ix_announcement_recipient_delivery", "announcement_recipient", ["delivery"])
    op.create_table(
        "announcement_opt_out",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", _TEXT(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_id", "aad_object_id"),
    )
    op.create_index(
        "ix_announcement_opt_out_programme_id", "announcement_opt_out", ["programme_id"]
    )
    op.create_index(
        "ix_announcement_opt_out_aad_object_id", "announcement_opt_out", ["aad_object_id"]
    )


def downgrade() -> None:
    for table in (
        "announcement_opt_out",
        "announcement_recipient",
        "announcement_audience",
        "announcement",
    ):
        op.drop_table(table)
