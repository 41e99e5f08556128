"""An approved announcement to one staff group of N people, as the delivery step finds it once
the group's members were read and the app is installed for each of them (they each have a
personal conversation): what `bench.fan_out --announcement` sends. Microsoft Graph is not
involved from here on, so the run measures the bot's own path: the announcement's sweep step
queueing one message per person, then the outbox at Teams' pace.

Everyone is put in a zone where it is a weekday morning now, so the messages, which wait for
working hours, are due at once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from domain.announcements import AudienceKind, Status
from domain.working_hours import is_working_time
from store import migrate
from store.announcements import (
    AnnouncementRecipient,
    add_audience,
    add_recipients,
    new_announcement,
)
from store.conversations import upsert_conversation_ref
from store.db import session_scope
from store.engine import create_db_engine
from store.models import Programme
from store.people import upsert_person

ORGANISATION = "City Council"


def morning_zone(now: datetime) -> str:
    """An `Etc/GMT±N` zone where `now` is in working hours with hours to spare."""
    for hours_ahead in range(-12, 15):
        zone = f"Etc/GMT{-hours_ahead:+d}" if hours_ahead else "Etc/GMT"
        later = now + timedelta(hours=5)
        if is_working_time(now, zone) and is_working_time(later, zone):
            return zone
    raise RuntimeError("no zone has working hours now (a weekend everywhere): run it later")


def seed_announcement(db_url: str, connector_url: str, count: int) -> list[str]:
    """The programme, the approved announcement and its N recipients; their chats."""
    migrate.upgrade(db_url)
    engine = create_db_engine(db_url)
    now = datetime.now(UTC)
    zone = morning_zone(now)
    chats = []
    with session_scope(engine) as session:
        programme = Programme(
            name="Step Forward bench programme",
            window_opens_at=now - timedelta(days=1),
            window_closes_at=now + timedelta(days=28),
            created_at=now,
        )
        session.add(programme)
        session.flush()
        announcement = new_announcement(
            session,
            programme.id,
            "Applications are open.",
            "aad-bench-coordinator",
            now,
            status=Status.SENDING.value,
            approved_by="aad-bench-coordinator-2",
            approved_at=now,
        )
        group = add_audience(
            session, announcement.id, AudienceKind.GROUP, "bench-group", ORGANISATION, ORGANISATION
        )
        group.members_read_at = now
        people = []
        for number in range(count):
            aad = f"aad-staff-{number:05d}"
            chat = f"a:personal-{aad}"
            upsert_person(session, aad, now, time_zone=zone)
            upsert_conversation_ref(
                session,
                conversation_id=chat,
                conversation_type="personal",
                service_url=connector_url,
                reference={
                    "channelId": "msteams",
                    "serviceUrl": connector_url,
                    "conversation": {"id": chat, "conversationType": "personal"},
                    "bot": {"id": "28:bot-app-id"},
                    "user": {"id": f"29:{aad}", "aadObjectId": aad},
                },
                now=now,
                aad_object_id=aad,
            )
            people.append(aad)
            chats.append(chat)
        add_recipients(session, group, people, now)
    engine.dispose()
    return chats


def deliveries(db_url: str) -> dict[str, int]:
    """How many recipients stand where (delivered, queued, not reached...)."""
    engine = create_db_engine(db_url)
    with session_scope(engine) as session:
        counted = Counter(session.exec(select(AnnouncementRecipient.delivery)).all())
    engine.dispose()
    return dict(counted)
