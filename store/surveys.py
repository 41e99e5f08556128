"""Who was sent which survey and who answered, apart from what anonymous surveys said.

`SurveyInvitation` records that a person was asked (and, once they answer, that they did: it
stops the reminders). For a named survey (e.g. the follow-up) it also holds the answers.
`SurveyAnswer` holds an anonymous survey's answers with nothing that leads back to a person:
no person id, no link to the invitation, no time (only the survey's round), and a random id
in a table without SQLite's hidden row number, so not even the order rows were written in
pairs an answer with an invitation.

`MentorFeedbackTally` is what mentors may see about their mentoring: for each mentor, survey,
question and value, how many trainees gave it, counted up in the same transaction as the
anonymous answer is stored. It holds counts only — no answer row, round, time or order (its
key is the tally's own columns, again without a row number) — so no answer is linked to a
mentor, who has at most two trainees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, select

from store.db import chunked
from store.models import utc_column


def _random_id() -> str:
    return uuid.uuid4().hex


class SurveyInvitation(SQLModel, table=True):
    __tablename__ = "survey_invitation"
    __table_args__ = (UniqueConstraint("survey_id", "subject", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    survey_id: str = Field(index=True)
    round: str  # "month-3", "training", "end", "6m"
    # What the round is about: "pairing-7:month-3"; one invitation per person and subject.
    subject: str
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str
    invited_at: datetime = utc_column(nullable=False)
    responded_at: datetime | None = utc_column()
    # Named surveys only; an anonymous survey's answers are in `survey_answer`.
    answers: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class SurveyAnswer(SQLModel, table=True):
    """One anonymous response: which survey and round, the respondent's role, the answers."""

    __tablename__ = "survey_answer"
    __table_args__ = {"sqlite_with_rowid": False}

    id: str = Field(default_factory=_random_id, primary_key=True)
    programme_id: int = Field(index=True)
    survey_id: str = Field(index=True)
    round: str
    role: str
    answers: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class MentorFeedbackTally(SQLModel, table=True):
    """How many trainees gave `value` to one question about their mentor."""

    __tablename__ = "mentor_feedback_tally"
    __table_args__ = {"sqlite_with_rowid": False}

    mentor_person_id: int = Field(foreign_key="person.id", primary_key=True)
    survey_id: str = Field(primary_key=True)
    item_id: str = Field(primary_key=True)  # the answer id ("useful", "mentor_helpful")
    value: str = Field(primary_key=True)  # as given: "4", "yes"
    count: int = 0


def subject_of(pairing_id: int, round_name: str) -> str:
    """The subject of a survey round about one pairing (see `SurveyInvitation.subject`)."""
    return f"pairing-{pairing_id}:{round_name}"


def pairing_id_of(subject: str) -> int | None:
    """The pairing a survey subject is about (`subject_of` read back), or None."""
    head = subject.split(":", 1)[0]
    number = head.removeprefix("pairing-")
    return int(number) if head.startswith("pairing-") and number.isdigit() else None


def invitation(
    session: Session, survey_id: str, subject: str, person_id: int
) -> SurveyInvitation | None:
    return session.exec(
        select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey_id,
            SurveyInvitation.subject == subject,
            SurveyInvitation.person_id == person_id,
        )
    ).first()


def invitations_about(
    session: Session, rounds: Iterable[tuple[str, str]]
) -> dict[tuple, datetime | None]:
    """(survey id, subject, person id) -> when answered (None: not yet), for these (survey id,
    subject) rounds (found through the unique index, which starts with the survey id)."""
    subjects: dict[str, set[str]] = {}
    for survey_id, subject in rounds:
        subjects.setdefault(survey_id, set()).add(subject)
    found: dict[tuple, datetime | None] = {}
    table = SurveyInvitation.__table__
    columns = (table.c.survey_id, table.c.subject, table.c.person_id, table.c.responded_at)
    for survey_id, of_survey in sorted(subjects.items()):
        for chunk in chunked(sorted(of_survey)):
            query = select(*columns).where(
                table.c.survey_id == survey_id, table.c.subject.in_(chunk)
            )
            for row in session.execute(query):
                found[(row.survey_id, row.subject, row.person_id)] = row.responded_at
    return found


def invite(
    session: Session,
    *,
    programme_id: int,
    survey_id: str,
    round_: str,
    subject: str,
    person_id: int,
    role: str,
    now: datetime,
) -> SurveyInvitation:
    """The invitation, recorded the first time the survey is planned for this person."""
    row = invitation(session, survey_id, subject, person_id)
    if row is None:
        row = SurveyInvitation(
            programme_id=programme_id,
            survey_id=survey_id,
            round=round_,
            subject=subject,
            person_id=person_id,
            role=role,
            invited_at=now,
        )
        session.add(row)
        session.flush()
    return row


def record_response(
    session: Session,
    row: SurveyInvitation,
    answers: dict,
    *,
    anonymous: bool,
    now: datetime,
    mentor_person_id: int | None = None,
    tallied: list[tuple[str, str]] = (),
) -> None:
    """Mark the invitation answered and keep the answers: with it (named) or apart (anonymous);
    `tallied` (answer id, value) pairs are counted into the mentor's feedback tally."""
    row.responded_at = now
    if mentor_person_id is not None:
        for item_id, value in tallied:
            _count_in(session, mentor_person_id, row.survey_id, item_id, value)
    if anonymous:
        session.add(
            SurveyAnswer(
                programme_id=row.programme_id,
                survey_id=row.survey_id,
                round=row.round,
                role=row.role,
                answers=answers,
            )
        )
    else:
        row.answers = answers
    session.add(row)
    session.flush()


def invitations_of(session: Session, programme_id: int) -> list[SurveyInvitation]:
    return list(
        session.exec(
            select(SurveyInvitation)
            .where(SurveyInvitation.programme_id == programme_id)
            .order_by(SurveyInvitation.id)
        )
    )


def invitation_outcomes(session: Session, programme_id: int) -> list:
    """(survey_id, round, responded, answers) of every invitation, in order: what reports
    count, without loading whole invitations."""
    return list(
        session.exec(
            select(
                SurveyInvitation.survey_id,
                SurveyInvitation.round,
                SurveyInvitation.responded_at.is_not(None).label("responded"),
                SurveyInvitation.answers,
            )
            .where(SurveyInvitation.programme_id == programme_id)
            .order_by(SurveyInvitation.id)
        )
    )


def anonymous_answers(session: Session, programme_id: int, survey_id: str) -> list[dict]:
    rows = session.exec(
        select(SurveyAnswer.answers).where(
            SurveyAnswer.programme_id == programme_id, SurveyAnswer.survey_id == survey_id
        )
    )
    return list(rows.all())


def _count_in(session: Session, mentor_person_id: int, survey_id: str, item_id: str, value: str):
    """One more in the tally, atomically (INSERT ... ON CONFLICT DO UPDATE count + 1)."""
    table = MentorFeedbackTally.__table__
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[dialect]
    statement = insert(table).values(
        mentor_person_id=mentor_person_id,
        survey_id=survey_id,
        item_id=item_id,
        value=value,
        count=1,
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["mentor_person_id", "survey_id", "item_id", "value"],
            set_={"count": table.c.count + 1},
        )
    )


def mentor_tally(session: Session, mentor_person_id: int) -> dict[str, dict[str, dict[str, int]]]:
    """A mentor's feedback counts: survey id -> answer id -> value -> how many."""
    tally: dict[str, dict[str, dict[str, int]]] = {}
    rows = session.exec(
        select(MentorFeedbackTally).where(MentorFeedbackTally.mentor_person_id == mentor_person_id)
    )
    for row in rows:
        tally.setdefault(row.survey_id, {}).setdefault(row.item_id, {})[row.value] = row.count
    return tally


def forget_mentor_tally(session: Session, mentor_person_id: int) -> None:
    session.execute(
        delete(MentorFeedbackTally).where(MentorFeedbackTally.mentor_person_id == mentor_person_id)
    )
