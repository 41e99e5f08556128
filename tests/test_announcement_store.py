"""The announcements' store on a real database: one row per person however many groups they
are in, outcomes copied from the outbox, "not for me" kept once, and the migration."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from domain.announcements import AudienceKind, Delivery
from domain.keys import announcement_key
from store.announcements import (
    AnnouncementRecipient,
    add_audience,
    add_recipients,
    new_announcement,
    opt_out,
    opted_out,
    recipients_in,
    settle,
)
from store.db import session_scope
from store.outbox import enqueue, mark_sent, mark_unreachable
from store.seed import seed_demo
from tests.migration_checks import assert_migration_matches_models

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)


def _announcement(session: Session):
    programme = seed_demo(session, NOW)
    announcement = new_announcement(session, programme.id, "Apply now", "aad-coordinator", NOW)
    council = add_audience(
        session, announcement.id, AudienceKind.GROUP, "g-council", "Council staff", "Council"
    )
    police = add_audience(
        session, announcement.id, AudienceKind.GROUP, "g-police", "Police staff", "Police"
    )
    return programme, announcement, council, police


def test_a_person_in_two_groups_is_one_recipient_of_the_first_group(engine):
    with session_scope(engine) as session:
        _programme, announcement, council, police = _announcement(session)
        assert add_recipients(session, council, ["a", "b", "a"], NOW) == 2
        assert add_recipients(session, police, ["b", "c"], NOW) == 1
        # Reading a group again (after a restart) adds nobody twice.
        assert add_recipients(session, council, ["a", "b"], NOW) == 0
    with Session(engine) as session:
        rows = recipients_in(session, announcement.id)
    assert [(r.aad_object_id, r.organisation) for r in rows] == [
        ("a", "Council"),
        ("b", "Council"),
        ("c", "Police"),
    ]


def test_settle_copies_sent_and_blocked_from_the_outbox(engine):
    with session_scope(engine) as session:
        _programme, announcement, council, _police = _announcement(session)
        add_recipients(session, council, ["a", "b", "c"], NOW)
        for row in recipients_in(session, announcement.id):
            row.delivery = Delivery.QUEUED.value
            session.add(row)
        rows = {}
        for aad in ("a", "b", "c"):
            rows[aad], _ = enqueue(
                session,
                key=announcement_key(announcement.id, aad),
                kind="announcement",
                payload={"text": "x"},
                not_before=NOW,
                now=NOW,
                recipient_aad_object_id=aad,
            )
        mark_sent(session, rows["a"].id, NOW)
        mark_unreachable(session, rows["b"].id, "blocked", now=NOW)
        settle(session, announcement.id)
    with Session(engine) as session:
        found = {
            r.aad_object_id: (r.delivery, r.unreached)
            for r in recipients_in(session, announcement.id)
        }
    assert found == {
        "a": ("delivered", None),
        "b": ("not_reached", "blocked"),
        "c": ("queued", None),  # still waiting for working hours
    }


def test_not_for_me_is_kept_once_per_programme(engine):
    with session_scope(engine) as session:
        programme, *_ = _announcement(session)
        assert opt_out(session, programme.id, "a", NOW)
        assert not opt_out(session, programme.id, "a", NOW)
        assert opted_out(session, programme.id, ["a", "b"]) == {"a"}


def test_erasing_a_person_forgets_they_were_announced_to(engine):
    from store.erasure import erase_person
    from store.people import upsert_person

    with session_scope(engine) as session:
        programme, announcement, council, _police = _announcement(session)
        add_recipients(session, council, ["aad-erased", "b"], NOW)
        opt_out(session, programme.id, "aad-erased", NOW)
        erase_person(session, upsert_person(session, "aad-erased", NOW), NOW)
    with Session(engine) as session:
        assert [r.aad_object_id for r in recipients_in(session, announcement.id)] == ["b"]
        assert opted_out(session, programme.id, ["aad-erased"]) == set()
        assert session.get(AnnouncementRecipient, 1) is None


def test_the_migration_makes_the_tables_the_models_describe_and_goes_back(db_url, engine):
    assert_migration_matches_models(
        db_url,
        engine,
        {
            "announcement",
            "announcement_audience",
            "announcement_recipient",
            "announcement_opt_out",
        },
        "0016",
    )


def test_enqueue_many_writes_new_keys_and_leaves_existing_ones_untouched(engine):
    from store.outbox import by_key, enqueue_many, new_row_values

    with session_scope(engine) as session:
        enqueue(
            session,
            key="k-1",
            kind="announcement",
            payload={"text": "first"},
            not_before=NOW,
            now=NOW,
            recipient_aad_object_id="a",
        )
        rows = [
            new_row_values(
                key=f"k-{n}",
                kind="announcement",
                payload={"text": "again"},
                not_before=NOW,
                now=NOW,
                recipient_aad_object_id=f"p-{n}",
            )
            for n in range(1, 1202)
        ]
        enqueue_many(session, rows)
    with Session(engine) as session:
        assert by_key(session, "k-1").payload == {"text": "first"}
        assert by_key(session, "k-1201").recipient_aad_object_id == "p-1201"
        assert by_key(session, "k-1201").status == "pending"
