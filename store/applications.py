"""Applications (expressions of interest), their equality answers and their audit trail."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlmodel import Session, select

from store.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EqualityMonitoring,
    Person,
)


def application_of(session: Session, programme_id: int, person_id: int) -> Application | None:
    return session.exec(
        select(Application).where(
            Application.programme_id == programme_id, Application.person_id == person_id
        )
    ).first()


def start_application(
    session: Session, programme_id: int, person_id: int, role: str, now: datetime, actor: str
) -> Application:
    """Create the application at the moment of consent (nothing is stored before)."""
    application = Application(
        programme_id=programme_id,
        person_id=person_id,
        role=role,
        status=ApplicationStatus.STARTED.value,
        answers={},
        completed_sections=["start"],
        consent_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(application)
    session.flush()
    record_event(session, application, now, actor, "started", f"role={role}")
    return application


def save_section(
    session: Session, application: Application, section_id: str, values: dict, now: datetime
) -> None:
    """Merge one section's answers; equality answers go to their own table."""
    if section_id == "equality":
        row = session.exec(
            select(EqualityMonitoring).where(EqualityMonitoring.application_id == application.id)
        ).first()
        if row is None:
            row = EqualityMonitoring(application_id=application.id, answers={}, created_at=now)
        row.answers = dict(values)
        session.add(row)
    else:
        application.answers = {**application.answers, **values}
        if "organisation" in values:
            application.organisation = values["organisation"]
    if section_id not in application.completed_sections:
        application.completed_sections = [*application.completed_sections, section_id]
    application.updated_at = now
    session.add(application)
    session.flush()


def record_event(
    session: Session,
    application: Application,
    now: datetime,
    actor: str | None,
    event: str,
    detail: str | None = None,
) -> ApplicationEvent:
    entry = ApplicationEvent(
        application_id=application.id,
        at=now,
        actor_aad_object_id=actor,
        event=event,
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def events_of(session: Session, application_id: int) -> list[ApplicationEvent]:
    return list(
        session.exec(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application_id)
            .order_by(ApplicationEvent.at, ApplicationEvent.id)
        )
    )


def applications_with_people(
    session: Session, programme_id: int
) -> list[tuple[Application, Person]]:
    rows = session.exec(
        select(Application, Person)
        .join(Person, Person.id == Application.person_id)
        .where(Application.programme_id == programme_id)
        .order_by(Application.id)
    )
    return list(rows.all())


def status_counts_by_organisation(
    session: Session, programme_id: int, role: str | None = None
) -> dict[str, Counter]:
    query = select(Application.organisation, Application.status).where(
        Application.programme_id == programme_id
    )
    if role:
        query = query.where(Application.role == role)
    counts: dict[str, Counter] = {}
    for organisation, status in session.exec(query):
        counts.setdefault(organisation or "Not yet given", Counter())[status] += 1
    return counts
