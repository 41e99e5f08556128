"""cohort events: training days, call-back workshops and group meetings, their days, and
each invited person's answer and attendance

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString
_UTC = store.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "cohort_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("kind", _TEXT(), nullable=False),
        sa.Column("title", _TEXT(), nullable=False),
        sa.Column("audience", _TEXT(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("time_zone", _TEXT(), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("schedule_version", sa.Integer(), nullable=False),
        sa.Column("organiser_aad_object_id", _TEXT(), nullable=True),
        sa.Column("created_by", _TEXT(), nullable=True),
        sa.Column("created_at", _UTC(timezone=True), nullable=False),
        sa.Column("updated_at", _UTC(timezone=True), nullable=False),
        sa.Column("cancelled_at", _UTC(timezone=True), nullable=True),
        sa.Column("cancelled_by", _TEXT(), nullable=True),
        sa.Column("cancel_note", sa.Text(), nullable=True),
        sa.Column("form_id", _TEXT(), nullable=True),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_id"),
    )
    with op.batch_alter_table("cohort_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_event_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cohort_event_status"), ["status"], unique=False)

    op.create_table(
        "cohort_event_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", _UTC(timezone=True), nullable=False),
        sa.Column("ends_at", _UTC(timezone=True), nullable=False),
        sa.Column("meeting_id", _TEXT(), nullable=True),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["cohort_event.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "starts_at"),
    )
    with op.batch_alter_table("cohort_event_day", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_event_day_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cohort_event_day_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "cohort_event_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", _TEXT(), nullable=False),
        sa.Column("invited_at", _UTC(timezone=True), nullable=False),
        sa.Column("answer", _TEXT(), nullable=True),
        sa.Column("reason", _TEXT(), nullable=True),
        sa.Column("answered_at", _UTC(timezone=True), nullable=True),
        sa.Column("self_report", _TEXT(), nullable=True),
        sa.Column("self_reported_at", _UTC(timezone=True), nullable=True),
        sa.Column("attendance", _TEXT(), nullable=True),
        sa.Column("attendance_by", _TEXT(), nullable=True),
        sa.Column("attendance_at", _UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["cohort_event.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "person_id"),
    )
    with op.batch_alter_table("cohort_event_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cohort_event_invitation_event_id"), ["event_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cohort_event_invitation_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("cohort_event_invitation")
    op.drop_table("cohort_event_day")
    op.drop_table("cohort_event")
