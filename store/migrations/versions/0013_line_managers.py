"""line managers

Requests to line managers (support before an offer, time after a release block), and who
recorded an application's line-manager support. Every answer recorded before this was typed by
a coordinator.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("release_block_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("released_for", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("released_on", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("manager_aad_object_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("manager_name", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("manager_email", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("not_asked", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("asked_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("coordinators_told_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_digest_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("digest_stopped_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_look_at", store.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalation.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
        ),
        sa.ForeignKeyConstraint(
            ["release_block_id"],
            ["release_block.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("manager_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_manager_request_application_id"), ["application_id"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_manager_request_manager_aad_object_id"),
            ["manager_aad_object_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_manager_request_next_look_at"), ["next_look_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_manager_request_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_manager_request_release_block_id"), ["release_block_id"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_manager_request_stage"), ["stage"], unique=False)

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("manager_support_source", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    application = sa.table(
        "application",
        sa.column("manager_support", sa.String()),
        sa.column("manager_support_source", sa.String()),
    )
    op.execute(
        application.update()
        .where(application.c.manager_support.isnot(None))
        .values(manager_support_source="coordinator")
    )


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("manager_support_source")

    with op.batch_alter_table("manager_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_manager_request_stage"))
        batch_op.drop_index(batch_op.f("ix_manager_request_release_block_id"))
        batch_op.drop_index(batch_op.f("ix_manager_request_person_id"))
        batch_op.drop_index(batch_op.f("ix_manager_request_next_look_at"))
        batch_op.drop_index(batch_op.f("ix_manager_request_manager_aad_object_id"))
        batch_op.drop_index(batch_op.f("ix_manager_request_application_id"))

    op.drop_table("manager_request")
