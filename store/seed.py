"""The demo programme `stepforward demo` starts with.

The people use the ids of the Microsoft 365 Agents Playground's default users, so the
Playground's current user (Alex Wilber) is the demo coordinator out of the box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from domain.authorisation import Role
from store.models import ApplicantRole, Application, ApplicationStatus, Programme
from store.people import grant_role, upsert_person

DEMO_PROGRAMME_NAME = "Step Forward demo programme"
DEMO_COORDINATOR_ID = "00000000-0000-0000-0000-0000000000020"
DEMO_COORDINATOR_NAME = "Alex Wilber"


@dataclass(frozen=True)
class DemoMentor:
    aad_object_id: str
    name: str
    organisation: str
    location: str
    grade: str
    capacity: int
    areas: tuple[str, ...]


DEMO_MENTORS = (
    DemoMentor(
        "00000000-0000-0000-0000-0000000000021",
        "Megan Bowen",
        "City Council",
        "Leicester",
        "Service manager",
        2,
        ("interviews", "applications", "leadership"),
    ),
    DemoMentor(
        "00000000-0000-0000-0000-0000000000022",
        "Adele Vance",
        "Police Service",
        "Leicester",
        "Chief inspector",
        1,
        ("confidence", "other_organisations"),
    ),
    DemoMentor(
        "00000000-0000-0000-0000-0000000000023",
        "Isaiah Langer",
        "Fire and Rescue",
        "Loughborough",
        "Station manager",
        2,
        ("leadership", "interviews"),
    ),
    DemoMentor(
        "00000000-0000-0000-0000-0000000000024",
        "Patti Fernandez",
        "Probation Service",
        "Nottingham",
        "Senior officer",
        1,
        ("applications", "confidence"),
    ),
)


def seed_demo(session: Session, now: datetime) -> Programme:
    """Create the demo programme and people once; later calls return the existing programme.

    The application window is open as of `now` (opened a week ago, closes in four weeks).
    """
    programme = session.exec(select(Programme).where(Programme.name == DEMO_PROGRAMME_NAME)).first()
    if programme is None:
        programme = Programme(
            name=DEMO_PROGRAMME_NAME,
            length_months=6,
            window_opens_at=now - timedelta(days=7),
            window_closes_at=now + timedelta(days=28),
            created_at=now,
        )
        session.add(programme)
        session.flush()
    elif programme.window_closes_at <= now:
        # A demo database reused weeks later still has an open window.
        programme.window_opens_at = now - timedelta(days=7)
        programme.window_closes_at = now + timedelta(days=28)
        session.add(programme)

    upsert_person(session, DEMO_COORDINATOR_ID, now, display_name=DEMO_COORDINATOR_NAME)
    grant_role(session, DEMO_COORDINATOR_ID, Role.COORDINATOR.value, now)

    for mentor in DEMO_MENTORS:
        person = upsert_person(session, mentor.aad_object_id, now, display_name=mentor.name)
        exists = session.exec(
            select(Application).where(
                Application.programme_id == programme.id, Application.person_id == person.id
            )
        ).first()
        if exists is None:
            session.add(
                Application(
                    programme_id=programme.id,
                    person_id=person.id,
                    role=ApplicantRole.MENTOR.value,
                    status=ApplicationStatus.ACCEPTED.value,
                    organisation=mentor.organisation,
                    answers={
                        "organisation": mentor.organisation,
                        "location": mentor.location,
                        "grade": mentor.grade,
                        "capacity": mentor.capacity,
                        "areas": list(mentor.areas),
                        "assessor_for": None,
                    },
                    consent_at=now,
                    submitted_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    session.flush()
    return programme


def seed_accepted_trainee(
    session: Session, aad_object_id: str, name: str, now: datetime, **fields
) -> Application:
    """The demo programme and its mentors, and one trainee from City Council accepted on it,
    as a coordinator's review leaves them (`fields`: more of the application, e.g. the line
    manager's support)."""
    programme = seed_demo(session, now)
    person = upsert_person(session, aad_object_id, now, display_name=name)
    application = Application(
        programme_id=programme.id,
        person_id=person.id,
        role="trainee",
        status="accepted",
        organisation="City Council",
        answers={
            "organisation": "City Council",
            "location": "Leicester",
            "needs": ["confidence", "interviews"],
            "grade": "Scale 5",
        },
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(application)
    return application
