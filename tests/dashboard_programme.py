"""A programme for the dashboard's tests and its browser run: four organisations (one small
enough to be hidden, so a second is hidden with it), ten pairs at different points, open
escalations in three states, survey answers either side of the threshold, equality answers.

    python -m tests.dashboard_programme sqlite:///path/to.db

migrates that database, seeds the programme as of now and prints who is who as JSON.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from domain.cadence import month_bounds
from domain.escalations import Cause, kind_of
from domain.keys import escalation_card_key as card_key
from domain.keys import escalation_open_key
from store import migrate
from store.engine import create_db_engine
from store.escalations import Escalation
from store.models import (
    Application,
    ConversationRef,
    EqualityMonitoring,
    MentoringSession,
    Pairing,
    Person,
    Programme,
)
from store.outbox import OutboxMessage
from store.people import upsert_person
from store.seed import DEMO_COORDINATOR_ID, DEMO_MENTORS, seed_demo
from store.surveys import invite, record_response

CHANNEL = "19:coordinators-dashboard@thread.tacv2"
TENANT = "00000000-0000-0000-0000-0000000000001"
CHAMPION = "aad-dash-champion"
TRAINEE = "aad-dash-trainee-1"
# Extra mentors beside the demo's four (one per organisation).
MENTORS = (
    ("aad-dash-mentor-lee", "Lee Gu", "City Council"),
    ("aad-dash-mentor-diego", "Diego Siciliani", "Police Service"),
    ("aad-dash-mentor-nestor", "Nestor Wilke", "Fire and Rescue"),
)
# (organisation, statuses of its trainees). With the demo's mentors: City Council 9
# requested, Police Service 8, Fire and Rescue 6, Probation Service 3 (fewer than 5, so Fire
# and Rescue, the next smallest, is "not shown" too).
TRAINEES = (
    ("City Council", ("accepted",) * 4 + ("shortlisted", "submitted", "submitted", "started")),
    ("Police Service", ("accepted",) * 3 + ("offered", "submitted", "started")),
    ("Fire and Rescue", ("accepted",) * 2 + ("rejected", "withdrawn", "submitted")),
    ("Probation Service", ("accepted", "submitted")),
)
FIRST_NAMES = (
    "Lynne Robbins",
    "Joni Sherman",
    "Grady Archie",
    "Henrietta Mueller",
    "Johanna Lorenz",
    "Lidia Holloway",
    "Miriam Graham",
    "Allan Deyoung",
    "Christie Cline",
    "Enrico Cattaneo",
    "Irvin Sayers",
    "Debra Berger",
    "Ben Walters",
    "Alex Darrow",
    "Raul Razo",
    "Emily Braun",
    "Pradeep Gupta",
    "Cameron White",
    "Sam Taylor",
    "Jordan Miller",
    "Kim Akers",
)
# (days ago paired, programme months held, booked month, status)
PAIRS = (
    (160, (1, 2, 3, 4, 5), None, "active"),
    (150, (1, 2, 4), None, "active"),
    (120, (1,), None, "active"),  # stalled: months 2 and 3 missed
    (95, (1, 2), 4, "active"),
    (80, (1, 2), None, "active"),
    (64, (1,), 3, "active"),
    (40, (), None, "active"),  # month 1 missed
    (20, (1,), None, "active"),
    (130, (1,), None, "dissolved"),  # ended early after month 2 began
    (200, (1, 2, 3, 4, 5, 6), None, "completed"),
)
# Ethnic group of the first applications (the rest unanswered): two groups under 5.
ETHNICITY = ("white",) * 7 + ("asian",) * 6 + ("black",) * 2 + ("mixed",)


@dataclass(frozen=True)
class Seeded:
    coordinator: str
    champion: str
    trainee: str
    programme_id: int
    pair_ids: list[int]
    escalation_ids: list[int]


def seed_dashboard_programme(session: Session, now: datetime) -> Seeded:
    programme = seed_demo(session, now)
    programme.coordinator_conversation_id = CHANNEL
    session.add(programme)
    session.add(
        ConversationRef(
            conversation_id=CHANNEL,
            conversation_type="channel",
            tenant_id=TENANT,
            service_url="http://127.0.0.1:9/",
            team_id="19:team-dashboard@thread.tacv2",
            reference={"conversation": {"id": CHANNEL}},
            updated_at=now,
        )
    )
    upsert_person(session, CHAMPION, now, display_name="Rita Champion")
    mentors = [
        upsert_person(session, mentor.aad_object_id, now, display_name=mentor.name)
        for mentor in DEMO_MENTORS
    ]
    for aad, name, organisation in MENTORS:
        person = upsert_person(session, aad, now, display_name=name)
        mentors.append(person)
        _apply(session, programme, person, organisation, "mentor", "accepted", now)

    trainees: list[Person] = []
    names = iter(FIRST_NAMES)
    applications: list[Application] = []
    for organisation, statuses in TRAINEES:
        for status in statuses:
            number = len(applications) + 1
            aad = TRAINEE if number == 1 else f"aad-dash-trainee-{number}"
            person = upsert_person(session, aad, now, display_name=next(names))
            application = _apply(session, programme, person, organisation, "trainee", status, now)
            applications.append(application)
            if status == "accepted":
                trainees.append(person)
    for application, answer in zip(applications, ETHNICITY, strict=False):
        session.add(
            EqualityMonitoring(
                application_id=application.id, answers={"ethnicity": answer}, created_at=now
            )
        )

    pair_ids = []
    for n, (days, held, booked, status) in enumerate(PAIRS):
        paired_at = now - timedelta(days=days, hours=3)
        pairing = Pairing(
            programme_id=programme.id,
            trainee_person_id=trainees[n].id,
            mentor_person_id=mentors[n % len(mentors)].id,
            status=status,
            paired_at=paired_at,
            confirmed_by=DEMO_COORDINATOR_ID,
        )
        if status == "dissolved":
            pairing.ended_at = month_bounds(paired_at, 2)[0] + timedelta(days=3)
        if status == "completed":
            pairing.ended_at = month_bounds(paired_at, 7)[0]
        session.add(pairing)
        session.flush()
        pair_ids.append(pairing.id)
        for month in held:
            start, _end = month_bounds(paired_at, month)
            session.add(
                MentoringSession(
                    pairing_id=pairing.id,
                    month=month,
                    booking="booked",
                    booked_for=start + timedelta(days=10),
                    happened=True,
                    held_on=start + timedelta(days=10),
                    minutes=60,
                    logged_by=DEMO_COORDINATOR_ID,
                    logged_at=start + timedelta(days=11),
                )
            )
        if booked is not None:
            session.add(
                MentoringSession(
                    pairing_id=pairing.id,
                    month=booked,
                    booking="booked",
                    booked_for=now + timedelta(days=5),
                )
            )

    escalations = [
        _escalate(
            session,
            programme,
            now - timedelta(days=9),
            Cause.NO_RECENT_SESSION,
            "No session logged for 52 days; 1 of 4 planned so far.",
            pairing_id=pair_ids[2],
            card_message_id="1700000000001",
        ),
        _escalate(
            session,
            programme,
            now - timedelta(days=4),
            Cause.NEEDS_HELP,
            "Check-in at week 6: I need help.",
            pairing_id=pair_ids[6],
            card_message_id="1700000000002",
            acknowledged_by=DEMO_COORDINATOR_ID,
            assigned_to=DEMO_COORDINATOR_ID,
        ),
        _escalate(
            session,
            programme,
            now - timedelta(hours=5),
            Cause.RELEASE_BLOCK,
            "Not released for a training course by the line manager.",
            person_id=trainees[4].id,
        ),
    ]

    _survey(session, programme, "pulse", "month-1", trainees[:7], answered=6, now=now)
    _survey(session, programme, "mentee_end", "end", trainees[:4], answered=3, now=now)
    session.flush()
    return Seeded(
        coordinator=DEMO_COORDINATOR_ID,
        champion=CHAMPION,
        trainee=TRAINEE,
        programme_id=programme.id,
        pair_ids=pair_ids,
        escalation_ids=escalations,
    )


def _apply(session, programme, person, organisation, role, status, now) -> Application:
    application = Application(
        programme_id=programme.id,
        person_id=person.id,
        role=role,
        status=status,
        organisation=organisation,
        answers={"organisation": organisation},
        submitted_at=None if status == "started" else now - timedelta(days=60),
        created_at=now - timedelta(days=70),
        updated_at=now - timedelta(days=60),
    )
    session.add(application)
    session.flush()
    return application


def _escalate(
    session,
    programme,
    opened_at,
    cause,
    evidence,
    *,
    pairing_id=None,
    person_id=None,
    card_message_id=None,
    acknowledged_by=None,
    assigned_to=None,
) -> int:
    escalation = Escalation(
        programme_id=programme.id,
        pairing_id=pairing_id,
        person_id=person_id,
        kind=kind_of(cause).value,
        cause=cause.value,
        open_key=escalation_open_key(cause.value, pairing_id=pairing_id, person_id=person_id),
        evidence=[
            {
                "at": opened_at.isoformat(),
                "text": evidence,
                "ref": f"seed-{cause.value}",
                "private": "My own words, for the coordinators only.",
            }
        ],
        status="acknowledged" if acknowledged_by else "open",
        opened_at=opened_at,
        updated_at=opened_at,
        acknowledged_at=opened_at + timedelta(hours=2) if acknowledged_by else None,
        acknowledged_by=acknowledged_by,
        assigned_to=assigned_to,
    )
    session.add(escalation)
    session.flush()
    if card_message_id:
        session.add(
            OutboxMessage(
                idempotency_key=card_key(escalation.id),
                conversation_id=CHANNEL,
                kind="escalation",
                payload={},
                not_before=opened_at,
                status="sent",
                attempts=1,
                next_attempt_at=opened_at,
                sent_at=opened_at,
                activity_id=card_message_id,
                created_at=opened_at,
                updated_at=opened_at,
            )
        )
    return escalation.id


def _survey(session, programme, survey_id, round_, people, *, answered, now) -> None:
    for n, person in enumerate(people):
        row = invite(
            session,
            programme_id=programme.id,
            survey_id=survey_id,
            round_=round_,
            subject=f"seed:{round_}",
            person_id=person.id,
            role="trainee",
            now=now,
        )
        if n < answered:
            answers = (
                {"useful": [5, 4, 4, 3, 5, 4][n % 6]}
                if survey_id == "pulse"
                else {"satisfied": 4, "recommend": "yes"}
            )
            record_response(session, row, answers, anonymous=True, now=now)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m tests.dashboard_programme DATABASE_URL", file=sys.stderr)
        return 2
    migrate.upgrade(args[0])
    engine = create_db_engine(args[0])
    try:
        with Session(engine) as session:
            seeded = seed_dashboard_programme(session, datetime.now(UTC))
            session.commit()
            name = session.get(Programme, seeded.programme_id).name
    finally:
        engine.dispose()
    print(json.dumps({**seeded.__dict__, "programme": name}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
