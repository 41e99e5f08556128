"""sweep indexes

Partial indexes for what a sweep looks up on every pass: booked sessions not yet logged,
check-in answers other than "yes", unresolved escalations oldest first.

Revision ID: 0009
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BOOKED_OPEN = sa.text("booking = 'booked' AND logged_at IS NULL")
_UNEASY = sa.text("answer <> 'yes'")
_UNRESOLVED = sa.text("status <> 'resolved'")


def upgrade() -> None:
    op.create_index(
        "ix_mentoring_session_booked_open",
        "mentoring_session",
        ["booked_for"],
        sqlite_where=_BOOKED_OPEN,
        postgresql_where=_BOOKED_OPEN,
    )
    op.create_index(
        "ix_check_in_uneasy",
        "check_in",
        ["pairing_id"],
        sqlite_where=_UNEASY,
        postgresql_where=_UNEASY,
    )
    op.create_index(
        "ix_escalation_unresolved",
        "escalation",
        ["opened_at", "id"],
        sqlite_where=_UNRESOLVED,
        postgresql_where=_UNRESOLVED,
    )


def downgrade() -> None:
    op.drop_index("ix_escalation_unresolved", table_name="escalation")
    op.drop_index("ix_check_in_uneasy", table_name="check_in")
    op.drop_index("ix_mentoring_session_booked_open", table_name="mentoring_session")
