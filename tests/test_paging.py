"""Long replies are paged: every message stays under Teams' size limit, nothing is lost."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlmodel import Session

from bench.teams_activities import CHANNEL_ID, channel_message
from bot.teams.paging import numbered_pages, pages
from store.escalations import raise_escalation
from store.models import Person
from tests.conftest import COORDINATOR_AAD, START

LIMIT = 80_000


def test_pages_break_between_lines_and_keep_every_line_in_order():
    lines = [f"line {n} " + "é" * 50 for n in range(1000)]
    result = pages(lines, limit=5_000)
    assert len(result) > 10
    assert all(len(page.encode("utf-8")) <= 5_000 for page in result)
    assert "\n".join(result).split("\n") == lines


def test_a_line_longer_than_a_page_is_cut_without_breaking_a_character():
    result = pages(["short", "ü" * 4_000, "end"], limit=1_000)
    assert all(len(page.encode("utf-8")) <= 1_000 for page in result)
    assert "".join(result).replace("short", "").replace("end", "") == "ü" * 4_000


def test_numbered_pages_say_which_page_and_a_short_reply_stays_one_message():
    assert numbered_pages("hello") == ["hello"]
    many = numbered_pages("\n".join("x" * 100 for _ in range(100)), limit=2_000)
    assert many[0].endswith(f"(page 1 of {len(many)})")
    assert many[-1].endswith(f"(page {len(many)} of {len(many)})")
    assert all(len(page.encode("utf-8")) <= 2_000 for page in many)


async def test_a_long_escalations_listing_arrives_in_pages_under_80_kb(bot):
    """600 open escalations with long evidence: several messages, each under 80 KB as sent
    over the wire, every escalation listed once, oldest first."""
    evidence = "is not released for training by their line manager — " + "détails " * 40
    with Session(bot.ctx.engine) as session:
        for n in range(600):
            person = Person(
                aad_object_id=f"aad-many-{n}",
                display_name=f"Person {n}",
                created_at=START,
                updated_at=START,
            )
            session.add(person)
            session.flush()
            raise_escalation(
                session,
                cause="release_block",
                now=START + timedelta(minutes=n),
                evidence=f"Person {n} {evidence}",
                ref=f"block-{n}",
                programme_id=None,
                person_id=person.id,
            )
        session.commit()
    bot.connector.clear()
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "escalations"))
    replies = [r for r in bot.connector.requests if r.conversation_id.startswith(CHANNEL_ID)]
    assert len(replies) > 1
    assert all(len(json.dumps(r.body).encode("utf-8")) < LIMIT for r in replies)
    assert replies[0].text.startswith("**Open escalations** (600, oldest first)")
    assert replies[-1].text.endswith(f"(page {len(replies)} of {len(replies)})")
    listed = [int(n) for r in replies for n in re.findall(r"^\d+\. #(\d+) ", r.text, re.M)]
    assert len(listed) == 600 and listed == sorted(listed)
