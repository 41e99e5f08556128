"""session bookings

Booking a month's session and knowing it happened: on each month row its booked length, the
Teams meeting the bot booked, the times offered on the month's card, what the check after the
meeting found, each person's answer and how a held session is known; the pair's preferred
session length; and the Teams meetings the bot booked (or tried to). A month logged before
this migration keeps its log as the answer of the person who logged it.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TO_VERIFY = sa.text("booking = 'booked' AND event_id IS NOT NULL AND attendance IS NULL")
_OPEN = sa.text("status IN ('pending', 'live')")
_WORK = sa.text("status IN ('pending', 'cancel')")
_TEXT = sqlmodel.sql.sqltypes.AutoString


def _utc():
    return store.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("mentoring_session") as batch:
        batch.add_column(sa.Column("booked_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("event_id", _TEXT(), nullable=True))
        batch.add_column(sa.Column("join_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("offer", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attendance", _TEXT(), nullable=True))
        batch.add_column(sa.Column("attendance_checked_at", _utc(), nullable=True))
        batch.add_column(sa.Column("trainee_answer", _TEXT(), nullable=True))
        batch.add_column(sa.Column("trainee_answered_at", _utc(), nullable=True))
        batch.add_column(sa.Column("mentor_answer", _TEXT(), nullable=True))
        batch.add_column(sa.Column("mentor_answered_at", _utc(), nullable=True))
        batch.add_column(sa.Column("held_as", _TEXT(), nullable=True))
    op.create_index(
        "ix_mentoring_session_to_verify",
        "mentoring_session",
        ["booked_for"],
        sqlite_where=_TO_VERIFY,
        postgresql_where=_TO_VERIFY,
    )
    with op.batch_alter_table("pairing") as batch:
        batch.add_column(sa.Column("session_minutes", sa.Integer(), nullable=True))
    op.create_table(
        "session_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("organiser_aad_object_id", _TEXT(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("start", _utc(), nullable=False),
        sa.Column("end", _utc(), nullable=False),
        sa.Column("status", _TEXT(), nullable=False),
        sa.Column("nonce", _TEXT(), nullable=False),
        sa.Column("event_id", _TEXT(), nullable=True),
        sa.Column("join_url", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["mentoring_session.id"]),
        sa.ForeignKeyConstraint(["pairing_id"], ["pairing.id"]),
        sa.ForeignKeyConstraint(["requested_by"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_session_booking_session_id", "session_booking", ["session_id"])
    op.create_index("ix_session_booking_pairing_id", "session_booking", ["pairing_id"])
    op.create_index(
        "ux_session_booking_open",
        "session_booking",
        ["session_id"],
        unique=True,
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index(
        "ix_session_booking_work",
        "session_booking",
        ["updated_at"],
        sqlite_where=_WORK,
        postgresql_where=_WORK,
    )
    _keep_logs_as_answers()


def _keep_logs_as_answers() -> None:
    """A month logged with the older form: the logger's answer ("met" or "did_not_happen"),
    and a held month is held as reported."""
    sessions = sa.table(
        "mentoring_session",
        sa.column("pairing_id", sa.Integer()),
        sa.column("happened", sa.Boolean()),
        sa.column("logged_by", sa.String()),
        sa.column("logged_at", _utc()),
        sa.column("trainee_answer", sa.String()),
        sa.column("trainee_answered_at", _utc()),
        sa.column("mentor_answer", sa.String()),
        sa.column("mentor_answered_at", _utc()),
        sa.column("held_as", sa.String()),
    )
    pairing = sa.table(
        "pairing",
        sa.column("id", sa.Integer()),
        sa.column("trainee_person_id", sa.Integer()),
        sa.column("mentor_person_id", sa.Integer()),
    )
    answer = sa.case((sessions.c.happened.is_(True), "met"), else_="did_not_happen")
    logged = sa.and_(sessions.c.logged_at.is_not(None), sessions.c.happened.is_not(None))
    for role in ("trainee", "mentor"):
        logger = (
            sa.select(sa.cast(pairing.c[f"{role}_person_id"], sa.String()))
            .where(pairing.c.id == sessions.c.pairing_id)
            .scalar_subquery()
        )
        op.execute(
            sessions.update()
            .where(logged, sessions.c.logged_by == logger)
            .values(
                {
                    f"{role}_answer": answer,
                    f"{role}_answered_at": sessions.c.logged_at,
                }
            )
        )
    op.execute(sessions.update().where(sessions.c.happened.is_(True)).values(held_as="reported"))


def downgrade() -> None:
    op.drop_index("ix_session_booking_work", table_name="session_booking")
    op.drop_index("ux_session_booking_open", table_name="session_booking")
    op.drop_index("ix_session_booking_pairing_id", table_name="session_booking")
    op.drop_index("ix_session_booking_session_id", table_name="session_booking")
    op.drop_table("session_booking")
    with op.batch_alter_table("pairing") as batch:
        batch.drop_column("session_minutes")
    op.drop_index("ix_mentoring_session_to_verify", table_name="mentoring_session")
    with op.batch_alter_table("mentoring_session") as batch:
        for name in (
            "held_as",
            "mentor_answered_at",
            "mentor_answer",
            "trainee_answered_at",
            "trainee_answer",
            "attendance_checked_at",
            "attendance",
            "offer",
            "join_url",
            "event_id",
            "booked_minutes",
        ):
            batch.drop_column(name)
