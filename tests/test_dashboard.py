"""The dashboard: its data agrees with `report`, never carries a suppressed number or a
participant's own words, shows each pair's months and the open escalations; the `dashboard`
command's link opens it only while it lasts and only as far as its holder's roles allow; the
page is served ready to be a Teams tab."""

from __future__ import annotations

import gzip
import json
from datetime import timedelta

import pytest

from bench.teams_activities import CHANNEL_ID, channel_message, personal_message
from bot.dashboard.links import DashboardLinks
from bot.settings import Settings
from domain.report_rules import MIN_GROUP
from store.seed import DEMO_COORDINATOR_ID
from tests.applying import card_text, set_up_channel
from tests.conftest import COORDINATOR_AAD, START, start_bot
from tests.dashboard_programme import CHANNEL, TENANT, seed_dashboard_programme
from tests.test_reports import _facts, report_card, seed_programme

STAGES = ("requested", "submitted", "shortlisted", "selected")


def link_token(url: str) -> str:
    prefix = "http://127.0.0.1:3978/dashboard/#link="
    assert url.startswith(prefix)
    return url.removeprefix(prefix)


async def data_as(bot, aad: str, *, token: str | None = None):
    token = token or link_token(DashboardLinks(bot.ctx.settings).make(aad, bot.ctx.clock.now()).url)
    response = await bot.client.get(
        "/dashboard/api/data", headers={"Authorization": f"Link {token}"}
    )
    return response.status, await response.json()


def report_facts_from(data: dict) -> dict[str, str]:
    """What the report card would say, written out from the dashboard's data."""
    facts = {}
    heading = "Applications by organisation"
    for organisation in data["funnel"]["organisations"]:
        value = organisation.get("hidden") or " → ".join(
            f"{n} {stage}" for n, stage in zip(organisation["counts"], STAGES, strict=True)
        )
        facts[f"{heading} / {organisation['name']}"] = value
    facts[f"{heading} / All"] = " → ".join(
        f"{n} {stage}" for n, stage in zip(data["funnel"]["all"], STAGES, strict=True)
    )
    for question in data["equality"]["questions"]:
        for group, applied, accepted in question["groups"]:
            facts[f"{question['heading']} / {group}"] = f"applied: {applied}, accepted: {accepted}"
        applied, accepted = question["all"]
        facts[f"{question['heading']} / All"] = f"applied: {applied}, accepted: {accepted}"
    pairs = data["pairs_summary"]
    facts["Pairs and sessions / Pairs active"] = str(pairs["active"])
    facts["Pairs and sessions / Pairs completed"] = str(pairs["completed"])
    facts["Pairs and sessions / Pairs ended early"] = str(pairs["ended_early"])
    facts["Pairs and sessions / Sessions achieved vs planned"] = data["sessions"]["rate"]
    facts["Pairs and sessions / Sessions planned so far"] = str(data["sessions"]["so_far"])
    for word, count in data["sessions"]["states"]:
        facts[f"Pairs and sessions / {word}"] = str(count)
    facts["Pairs and sessions / Pairs stalled now"] = str(pairs["stalled"])
    for word, count in data["check_ins"]:
        facts[f"Check-ins (is it running smoothly?) / {word}"] = str(count)
    for survey in data["surveys"]:
        facts[f"Survey response rates / {survey['title']}"] = survey["rate"]
        if "rounds" in survey:
            for round_ in survey["rounds"]:
                if round_["results"] is None:
                    facts[f"Follow-up outcomes / {round_['title']}"] = (
                        f"{round_['answers']} answers so far"
                    )
                else:
                    title = f"{round_['title']} ({round_['answers']} answered)"
                    facts[f"Follow-up outcomes / {title}"] = ", ".join(
                        f"{label} {n}" for item in round_["results"] for label, n in item["counts"]
                    )
        elif survey["results"] is None:
            facts[f"Survey results / {survey['title']}"] = f"{survey['answers']} answers so far"
        else:
            for item in survey["results"]:
                facts[f"Survey results / {survey['title']}: {item['text']}"] = item["shown"]
    for section in data["more"]:
        for fact in section["facts"]:
            facts[f"{section['heading']} / {fact['title']}"] = fact["value"]
    return facts


async def test_the_data_says_what_the_report_says(bot):
    seed_programme(bot.ctx)
    await set_up_channel(bot)
    report = _facts(await report_card(bot))
    status, data = await data_as(bot, COORDINATOR_AAD)
    assert status == 200
    assert report_facts_from(data) == report
    # The hand-computed figures of the report's own test, as the dashboard has them.
    assert data["funnel"]["organisations"][0] == {"name": "City Council", "counts": [6, 5, 4, 3]}
    assert data["sessions"]["rate"] == "2 of 4 (50%)"


@pytest.fixture
async def programme(bot) -> dict:
    with bot.ctx.session() as session:
        seeded = seed_dashboard_programme(session, START)
    return seeded.__dict__


async def test_a_larger_programme_agrees_with_the_report_too(bot, programme):
    await set_up_channel(bot)
    report = _facts(await report_card(bot))
    status, data = await data_as(bot, DEMO_COORDINATOR_ID)
    assert status == 200
    assert report_facts_from(data) == report


def _breakdowns(data: dict):
    """Every breakdown shown with its total: (name, {group: value})."""
    funnel = data["funnel"]["organisations"]
    yield "funnel", {o["name"]: o["counts"][0] if "counts" in o else o["hidden"] for o in funnel}
    for question in data["equality"]["questions"]:
        for column, name in ((1, "applied"), (2, "accepted")):
            yield f"{question['id']} {name}", {g[0]: g[column] for g in question["groups"]}


async def test_no_suppressed_number_reaches_the_browser(bot, programme):
    status, data = await data_as(bot, DEMO_COORDINATOR_ID)
    assert status == 200
    hidden = [o for o in data["funnel"]["organisations"] if "hidden" in o]
    # Probation Service has 3 applications; Fire and Rescue (6) is hidden with it.
    assert hidden == [
        {"name": "Fire and Rescue", "hidden": "not shown"},
        {"name": "Probation Service", "hidden": "fewer than 5"},
    ]
    for name, groups in _breakdowns(data):
        numbers = [value for value in groups.values() if isinstance(value, int)]
        assert all(value >= MIN_GROUP for value in numbers), name
        # One hidden group could be worked out from the total: never exactly one.
        assert len(groups) - len(numbers) != 1, name
    for survey in data["surveys"]:
        if survey.get("results") is not None:
            assert survey["answers"] >= MIN_GROUP
        else:
            assert not isinstance(survey["answers"], int) or survey["answers"] >= MIN_GROUP
    # What people told the coordinators in their own words stays on the cards.
    assert "My own words" not in json.dumps(data)


async def test_each_pair_has_its_months_in_order(bot, programme):
    _status, data = await data_as(bot, DEMO_COORDINATOR_ID)
    grid = data["pairs"]
    assert grid["columns"] == ["id", "trainee", "organisation", "mentor", "status", "paired_on",
                               "months"]  # fmt: skip
    states = grid["month_states"]
    assert states == {
        "v": "verified",
        "h": "held",
        "b": "booked",
        "m": "missed",
        "d": "due",
        "u": "upcoming",
        "x": "ended",
    }
    rows = {row[0]: row for row in grid["rows"]}
    months = [rows[pair_id][6] for pair_id in programme["pair_ids"]]
    # See tests/dashboard_programme.PAIRS: days since pairing, months held, a month booked.
    assert months == [
        "hhhhhd",  # 160 days: five held, the sixth under way
        "hhmhdu",  # 150 days: month 3 missed
        "hmmduu",  # 120 days: stalled
        "hhmbuu",  # 95 days: month 4 booked
        "hhduuu",
        "hmbuuu",
        "mduuuu",  # 40 days: nothing yet
        "huuuuu",
        "hxxxxx",  # ended early in month 2
        "hhhhhh",  # completed
    ]
    first = rows[programme["pair_ids"][0]]
    assert first[1] == "Lynne Robbins"
    assert grid["organisations"][first[2]] == "City Council"
    assert grid["mentors"][first[3]] == ["Megan Bowen", grid["organisations"].index("City Council")]
    assert (
        first[4] == "active"
        and first[5] == (START - timedelta(days=160, hours=3)).date().isoformat()
    )
    assert [rows[p][4] for p in programme["pair_ids"][-2:]] == ["dissolved", "completed"]
    assert grid["health"] == {}


async def test_open_escalations_oldest_first_with_who_is_on_them_and_their_card(bot, programme):
    _status, data = await data_as(bot, DEMO_COORDINATOR_ID)
    first, second, third = data["escalations"]
    assert [e["id"] for e in data["escalations"]] == programme["escalation_ids"]
    assert first == {
        "id": programme["escalation_ids"][0],
        "title": "Stalled pairing: no session for too long",
        "who": "Grady Archie ↔ Isaiah Langer",
        "pair_id": programme["pair_ids"][2],
        "opened_at": (START - timedelta(days=9)).isoformat(),
        "age": "9 days",
        "acknowledged_by": None,
        "assigned_to": None,
        "latest": "No session logged for 52 days; 1 of 4 planned so far.",
        "link": f"https://teams.microsoft.com/l/message/{CHANNEL}/1700000000001"
        f"?parentMessageId=1700000000001&tenantId={TENANT}",
    }
    assert (second["acknowledged_by"], second["assigned_to"]) == ("Alex Wilber", "Alex Wilber")
    assert second["title"] == "Stalled pairing: asked for help" and second["age"] == "4 days"
    assert third["who"] == "Christie Cline" and third["pair_id"] is None
    assert third["age"] == "5 hours" and third["link"] is None


async def test_the_page_data_is_small(bot, programme):
    response = await bot.client.get(
        "/dashboard/api/data",
        headers={
            "Authorization": "Link "
            + link_token(DashboardLinks(bot.ctx.settings).make(DEMO_COORDINATOR_ID, START).url),
            "Accept-Encoding": "gzip",
        },
    )
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.read()
    assert len(gzip.compress(body)) < 4_000


# --- the `dashboard` command and its link ------------------------------------------------------


async def _dashboard_card(bot, who: str = COORDINATOR_AAD) -> dict:
    before = len(bot.connector.requests)
    await bot.post(channel_message(bot.connector.url, who, "dashboard"))
    [reply] = [
        r for r in bot.connector.requests[before:] if r.conversation_id.startswith(CHANNEL_ID)
    ]
    [card] = reply.cards
    return card


def _url(card: dict) -> str:
    [action] = card["actions"]
    assert action["type"] == "Action.OpenUrl" and action["title"] == "Open the dashboard"
    return action["url"]


async def test_the_command_gives_a_coordinator_a_link_that_opens_the_dashboard(bot, programme):
    card = await _dashboard_card(bot)
    text = card_text(card)
    assert "Programme dashboard: Step Forward demo programme" in text
    assert "works until 23 November 2026, 11:00 for whoever has it" in text
    status, data = await data_as(bot, COORDINATOR_AAD, token=link_token(_url(card)))
    assert status == 200 and data["viewer"]["name"] == "Chris Coordinator"
    assert data["programme"]["name"] == "Step Forward demo programme"


async def test_a_link_stops_working_when_it_expires(bot, programme):
    token = link_token(_url(await _dashboard_card(bot)))
    bot.ctx.clock.advance(timedelta(minutes=59))
    assert (await data_as(bot, COORDINATOR_AAD, token=token))[0] == 200
    bot.ctx.clock.advance(timedelta(minutes=1))
    status, body = await data_as(bot, COORDINATOR_AAD, token=token)
    assert status == 401
    assert body == {
        "error": "This dashboard link has expired. Ask for a new one with **dashboard** in the "
        "coordinator channel."
    }


@pytest.mark.parametrize("change", ["payload", "signature"])
async def test_a_tampered_link_opens_nothing(bot, programme, change):
    token = link_token(_url(await _dashboard_card(bot)))
    header, payload, signature = token.split(".")
    if change == "payload":
        other = link_token(DashboardLinks(bot.ctx.settings).make("aad-someone-else", START).url)
        payload = other.split(".")[1]
    else:
        signature = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    status, body = await data_as(bot, COORDINATOR_AAD, token=f"{header}.{payload}.{signature}")
    assert status == 401
    assert body["error"].startswith("This dashboard link is not valid.")


async def test_a_link_signed_with_another_key_opens_nothing(bot, programme):
    elsewhere = Settings(_env_file=None, dashboard_link_secret="another instance's secret")
    token = link_token(DashboardLinks(elsewhere).make(COORDINATOR_AAD, START).url)
    assert (await data_as(bot, COORDINATOR_AAD, token=token))[0] == 401


async def test_instances_with_the_same_secret_open_each_others_links(db_url, clock, connector):
    settings = Settings(_env_file=None, database_url=db_url, dashboard_link_secret="shared")
    made = DashboardLinks(settings).make(COORDINATOR_AAD, START)
    again = DashboardLinks(Settings(_env_file=None, dashboard_link_secret="shared"))
    assert again.holder(link_token(made.url), START) == COORDINATOR_AAD


async def test_a_link_opens_no_more_than_its_holder_may_see(bot, programme):
    status, body = await data_as(bot, "aad-dash-trainee-1")
    assert (status, list(body)) == (403, ["error"])
    status, body = await data_as(bot, "aad-champion-1")
    assert status == 200 and body["pairs"] is None and len(body["escalations"]) == 3


async def test_only_coordinators_and_the_champion_get_a_link(bot, programme):
    before = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, "aad-dash-trainee-1", "dashboard"))
    [reply] = bot.connector.requests[before:]
    assert reply.text.startswith("Sorry, only programme coordinators can do that.")
    assert not reply.cards
    before = len(bot.connector.requests)
    await bot.post(personal_message(bot.connector.url, "aad-champion-1", "dashboard"))
    [reply] = bot.connector.requests[before:]
    assert _url(reply.cards[0]).startswith("http://127.0.0.1:3978/dashboard/#link=")


async def test_without_a_programme_there_is_no_dashboard_yet(bot):
    before = len(bot.connector.requests)
    await bot.post(channel_message(bot.connector.url, COORDINATOR_AAD, "dashboard"))
    [reply] = bot.connector.requests[before:]
    assert reply.text == "There is no programme yet, so there is no dashboard to show."
    status, body = await data_as(bot, COORDINATOR_AAD)
    assert status == 200 and body["programme"] is None
    assert body["message"] == "There is no programme yet, so there is nothing to show."


# --- the page ---------------------------------------------------------------------------------


async def test_the_page_is_served_to_be_framed_by_teams_only(bot):
    response = await bot.client.get("/dashboard/")
    assert response.status == 200 and response.content_type == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://teams.microsoft.com https://*.teams.microsoft.com" in (
        policy
    )
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    html = await response.text()
    assert 'src="static/dashboard.js"' in html
    config = await bot.client.get("/dashboard/config")
    assert config.status == 200 and "Programme dashboard" in await config.text()
    assert config.headers["Content-Security-Policy"] == policy
    moved = await bot.client.get("/dashboard", allow_redirects=False)
    assert moved.status == 302 and moved.headers["Location"] == "dashboard/"


@pytest.mark.parametrize(
    "path",
    [
        "static/dashboard.js",
        "static/dashboard.css",
        "static/config.js",
        "static/vendor/MicrosoftTeams.min.js",
        "static/vendor/chartist.umd.js",
        "static/vendor/chartist.css",
    ],
)
async def test_the_page_s_files_come_from_the_bot_itself(bot, path):
    response = await bot.client.get(f"/dashboard/{path}")
    assert response.status == 200
    assert len(await response.read()) > 500


async def test_the_data_is_not_on_the_page_without_credentials(db_url, clock, connector):
    settings = Settings(_env_file=None, database_url=db_url, coordinators=[COORDINATOR_AAD])
    bot = await start_bot(settings, clock, connector)
    try:
        with bot.ctx.session() as session:
            seed_dashboard_programme(session, START)
        html = await (await bot.client.get("/dashboard/")).text()
        assert "Lynne Robbins" not in html and "City Council" not in html
    finally:
        await bot.client.close()
