"""One pair through a 6-month programme on the clock, with Microsoft Graph (the fake): months
booked from the offered times, one rescheduled, one whose invitation was declined, one verified
by Teams attendance, one held only by the two taps, one reported by one, one arranged by the
pair themselves; `pairs`, `report` and the export count the same."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import timedelta

from sqlmodel import Session, select

from domain.sessions import session_end
from store.models import MentoringSession
from tests.applying import card_text
from tests.booking_pair import SAM_MAIL, Pair, links, paired, press, slot_titles, submits
from tests.conftest import START
from tests.test_pairing import ADELE, SAM

# Who books each month and how; what each says afterwards ("-": nothing).
BOOKED_BY = {1: "sam", 2: "adele", 3: "sam", 4: "sam", 5: "ourselves", 6: "sam"}
ANSWERS = {
    1: ("-", "-"),  # verified by attendance: nobody is asked
    2: ("met", "met"),  # rescheduled first; no attendance report: the two taps
    3: ("cancelled_by_trainee", "cancelled_by_trainee"),  # Sam declined the invitation
    4: ("met", "-"),  # reported by Sam only
    5: ("met", "met"),  # arranged themselves, confirmed by both
}


def _month_of(card: dict) -> int | None:
    for _title, data in submits(card):
        if "month" in data:
            return int(data["month"])
    return None


class Story:
    """Plays Sam (trainee) and Adele (mentor) as the cards arrive."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.seen = 0
        self.rescheduled = False
        self.reported: set[int] = set()
        self.declined: set[int] = set()
        self.offers: Counter = Counter()

    def rows(self) -> dict[int, MentoringSession]:
        with Session(self.pair.bot.ctx.engine) as session:
            return {r.month: r for r in session.exec(select(MentoringSession))}

    async def react(self) -> None:
        connector = self.pair.bot.connector
        while self.seen < len(connector.requests):
            request = connector.requests[self.seen]
            self.seen += 1
            who = request.conversation_id.removeprefix("a:personal-")
            person = {SAM: self.pair.sam, ADELE.aad_object_id: self.pair.adele}.get(who)
            for card in request.cards if person else ():
                await self._card(person, who, card)

    async def _card(self, person, who: str, card: dict) -> None:
        text, month = card_text(card), _month_of(card)
        me = "sam" if who == SAM else "adele"
        if "Time to book this month's session" in text and slot_titles(card):
            # The month's card; once a month didn't happen, the answer brings times again.
            self.offers[(me, month)] += 1
            if self.offers[(me, month)] > 1:
                return
            if BOOKED_BY[month] == me:
                await person.submit(press(card, slot_titles(card)[0]))
            elif BOOKED_BY[month] == "ourselves" and me == "sam":
                day = (self.pair.clock.now() + timedelta(days=3)).date().isoformat()
                await person.submit(
                    press(card, "We'll arrange it ourselves: booked", date=day, time="14:00")
                )
        elif "Booked: your mentoring session" in text and month == 2 and me == "sam":
            if not self.rescheduled:
                self.rescheduled = True
                await person.submit(press(card, "Reschedule"))
                await person.submit(press(person.last_card(), slot_titles(person.last_card())[1]))
        elif "Did your session happen?" in text:
            said = ANSWERS[month][0 if me == "sam" else 1]
            if said == "met":
                await person.submit(press(card, "We met"))
            elif said != "-":
                await person.submit(press(card, "Send", why=said))

    def meetings(self) -> None:
        """What happens in Teams and Outlook: month 1's meeting is attended by both, month 3's
        invitation is declined by Sam."""
        graph, now = self.pair.graph, self.pair.clock.now()
        for month, row in self.rows().items():
            if row.event_id is None or row.booked_for is None:
                continue
            end = session_end(row.booked_for, row.booked_minutes)
            if month == 1 and now >= end and month not in self.reported:
                self.reported.add(month)
                graph.meetings.add_report(
                    row.join_url, row.booked_for, {SAM: 6600, ADELE.aad_object_id: 7000}
                )
            if month == 3 and month not in self.declined:
                self.declined.add(month)
                graph.calendar.respond(row.event_id, SAM_MAIL, "declined")


async def test_six_months_booked_verified_confirmed_reported_and_counted_alike(
    graph_settings, clock, connector, fake_graph
):
    pair = await paired(graph_settings, clock, connector, fake_graph)
    story = Story(pair)
    try:
        month_6 = START + timedelta(days=151)  # 23 April 2027
        while True:
            await pair.sweep(clock.now() + timedelta(hours=2))
            await story.react()
            story.meetings()
            row = story.rows().get(6)
            if clock.now() > month_6 and row is not None and row.booking == "booked":
                break
            assert clock.now() < START + timedelta(days=170), "month 6 was never booked"
        rows = story.rows()

        # Each month's card offered times to both; month 3's "it didn't happen" brought
        # times again (left unbooked here).
        assert {key: n for key, n in story.offers.items() if n != 1} == {
            ("sam", 3): 2,
            ("adele", 3): 2,
        }
        assert len(story.offers) == 12
        assert story.rescheduled
        assert [(m, r.held_as, r.happened) for m, r in sorted(rows.items())] == [
            (1, "verified", True),
            (2, "confirmed", True),
            (3, None, False),
            (4, "reported", True),
            (5, "confirmed", True),
            (6, None, None),
        ]
        assert rows[1].attendance == "verified" and rows[3].attendance == "declined"
        assert rows[5].event_id is None  # arranged by the pair themselves
        assert len(fake_graph.calls_to("create_event")) == 5
        assert len(fake_graph.calls_to("update_event")) == 1
        live = fake_graph.calendar.live_events()
        assert len(live) == 5 and all(len(e.attendees) == 2 for e in live)
        # The month-2 confirmation after the move carries the join link.
        moved = [c for c in connector.cards(f"a:personal-{SAM}") if "Moved:" in card_text(c)]
        assert moved and "Join in Teams" in links(moved[-1])

        listing = await pair.say_in_channel("pairs")
        assert (
            "Sam Taylor ↔ Adele Vance: sessions 4 of 6 planned so far (of 6) · 1 booked · held: "
            "1 verified by attendance, 2 confirmed by both, 1 reported by one"
        ) in listing
        assert "disagree" not in listing

        before = len(connector.requests)
        await pair.say_in_channel("report")
        [card] = [c for r in connector.requests[before:] for c in r.cards]
        facts = {
            fact["title"]: fact["value"]
            for section in card["body"]
            if section.get("type") == "Container"
            and section["items"][0]["text"] == "Pairs and sessions"
            for fact in section["items"][1]["facts"]
        }
        assert {k: facts[k] for k in list(facts)[3:10]} == {
            "Sessions achieved vs planned": "4 of 6 (67%)",
            "Sessions planned so far": "6",
            "Booked, not yet held": "1",
            "Held: verified by Teams attendance": "1",
            "Held: confirmed by both": "2",
            "Held: reported by one": "1",
            "The two answers disagree": "0",
        }

        before = len(connector.requests)
        await pair.say_in_channel("export")
        [export] = [c for r in connector.requests[before:] for c in r.cards]
        url = export["actions"][0]["url"].removeprefix("http://127.0.0.1:3978")
        rows_csv = list(csv.DictReader(io.StringIO(await (await pair.bot.client.get(url)).text())))
        sam = next(r for r in rows_csv if r["Name"] == "Sam Taylor")
        assert {k: sam[k] for k in sam if k.startswith(("Sessions", "Held"))} == {
            "Sessions planned so far": "6",
            "Sessions held": "4",
            "Sessions booked, not yet held": "1",
            "Held: verified by Teams attendance": "1",
            "Held: confirmed by both": "2",
            "Held: reported by one": "1",
        }
    finally:
        await pair.bot.client.close()
