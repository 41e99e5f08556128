"""Malformed requests to /api/messages: a 4xx with a reason, never a 500, nothing stored; odd
but harmless text is stored safely; card submits that make no sense here get a kind word."""

from __future__ import annotations

import json
import zlib

import pytest
from sqlmodel import Session, SQLModel, func, select

from bench.teams_activities import card_submit, personal_message
from store.models import Person
from tests.applying import Applicant


def _stored_rows(engine) -> int:
    with Session(engine) as session:
        return sum(
            session.exec(select(func.count()).select_from(table)).one()
            for table in SQLModel.metadata.sorted_tables
            if table.name != "alembic_version"
        )


async def _post_raw(bot, body: bytes, **headers):
    headers = {"Content-Type": "application/json"} | headers
    return await bot.client.post("/api/messages", data=body, headers=headers)


async def _refused(bot, body: bytes, status: int = 400, **headers) -> str:
    before = _stored_rows(bot.ctx.engine)
    response = await _post_raw(bot, body, **headers)
    assert response.status == status, await response.text()
    reason = (await response.json())["error"]
    assert _stored_rows(bot.ctx.engine) == before
    assert bot.connector.requests == []
    return reason


async def _still_answers_help(bot) -> None:
    await bot.post(personal_message(bot.connector.url, "aad-after", "help"))
    assert bot.connector.texts("a:personal-aad-after")[-1].startswith("Here is what you can ask")


async def test_deeply_nested_json_is_400(bot):
    body = b'{"type": "message", "value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert "nested" in await _refused(bot, body)
    moderately = {"type": "message", "value": {}}
    node = moderately["value"]
    for _ in range(200):
        node["x"] = {}
        node = node["x"]
    activity = personal_message(bot.connector.url, "aad-1", "hi") | {"value": moderately}
    assert "nested" in await _refused(bot, json.dumps(activity).encode())
    await _still_answers_help(bot)


@pytest.mark.parametrize(
    "value", [b"NaN", b"Infinity", b"-Infinity", b"1" * 5000], ids=["nan", "inf", "-inf", "digits"]
)
async def test_numbers_json_does_not_have_are_400(bot, value):
    activity = json.dumps(personal_message(bot.connector.url, "aad-1", "help")).encode()
    body = activity[:-1] + b', "value": {"application_id": ' + value + b"}}"
    assert "not valid JSON" in await _refused(bot, body)
    await _still_answers_help(bot)


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_does_not_decode_as_its_content_encoding_is_400(bot, encoding):
    reason = await _refused(
        bot, b"this is not compressed at all" * 10, **{"Content-Encoding": encoding}
    )
    assert "could not be decoded" in reason
    await _still_answers_help(bot)


async def test_a_compressed_body_that_decodes_is_read(bot):
    activity = personal_message(bot.connector.url, "aad-zip", "help")
    response = await _post_raw(
        bot, zlib.compress(json.dumps(activity).encode()), **{"Content-Encoding": "deflate"}
    )
    assert response.status == 200
    assert bot.connector.texts("a:personal-aad-zip")


@pytest.mark.parametrize(
    "where",
    [("id",), ("conversation", "id"), ("from", "id"), ("from", "aadObjectId"), ("serviceUrl",)],
)
async def test_a_lone_surrogate_in_an_id_is_400(bot, where):
    activity = personal_message(bot.connector.url, "aad-1", "help")
    node = activity
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = node[where[-1]] + "\ud800"
    reason = await _refused(bot, json.dumps(activity).encode())
    assert "not valid text" in reason
    await _still_answers_help(bot)


@pytest.mark.parametrize("where", ["id", "replyToId", "conversation"])
async def test_a_dot_segment_for_an_id_is_400(bot, where):
    activity = personal_message(bot.connector.url, "aad-1", "help")
    if where == "conversation":
        activity["conversation"]["id"] = ".."
    else:
        activity[where] = ".."
    assert "is not an id" in await _refused(bot, json.dumps(activity).encode())


async def test_a_display_name_with_a_lone_surrogate_keeps_working(bot):
    url = bot.connector.url
    for text in ("hi", "help", "my data"):
        activity = personal_message(url, "aad-odd", text, user_name="Zo\ud800e")
        response = await _post_raw(bot, json.dumps(activity).encode())
        assert response.status == 200, await response.text()
    texts = bot.connector.texts("a:personal-aad-odd")
    assert texts[-2].startswith("Here is what you can ask")
    assert "Name: Zo\ufffde" in texts[-1]
    with Session(bot.ctx.engine) as session:
        [person] = session.exec(select(Person).where(Person.aad_object_id == "aad-odd")).all()
    assert person.display_name == "Zo\ufffde"


async def test_a_nul_or_lone_surrogate_in_a_message_is_stored_safely(bot):
    from store.models import ActionStep
    from tests.test_escalations import _paired

    sam, _adele, _champion = await _paired(bot)
    activity = personal_message(bot.connector.url, sam.aad, "add step \ud83d tidy up\x00 my CV")
    response = await _post_raw(bot, json.dumps(activity).encode())
    assert response.status == 200
    with Session(bot.ctx.engine) as session:
        [step] = session.exec(select(ActionStep)).all()
    assert step.text == "\ufffd tidy up\ufffd my CV"


@pytest.mark.parametrize("field", ["recipient", "from", "conversation"])
async def test_an_activity_without_its_recipient_sender_or_conversation_is_400(bot, field):
    activity = personal_message(bot.connector.url, "aad-1", "help") | {field: None}
    assert field in await _refused(bot, json.dumps(activity).encode())


async def test_an_action_execute_invoke_is_answered_not_501(bot):
    activity = personal_message(bot.connector.url, "aad-1", "") | {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {"action": {"type": "Action.Execute", "verb": "doSomething", "data": {}}},
    }
    before = _stored_rows(bot.ctx.engine)
    response = await bot.client.post("/api/messages", json=activity)
    assert response.status == 200
    answer = await response.json()
    assert answer["statusCode"] == 400
    assert answer["type"] == "application/vnd.microsoft.error"
    assert "Type help" in answer["value"]["message"]
    assert _stored_rows(bot.ctx.engine) == before


async def test_an_invoke_the_bot_does_not_take_is_400(bot):
    activity = personal_message(bot.connector.url, "aad-1", "") | {
        "type": "invoke",
        "name": "composeExtension/query",
    }
    assert "composeExtension/query" in await _refused(bot, json.dumps(activity).encode())


async def test_ids_that_are_not_text_are_400(bot):
    activity = personal_message(bot.connector.url, "aad-1", "help")
    activity["conversation"]["id"] = {"nested": True}
    assert "conversation" in await _refused(bot, json.dumps(activity).encode())
    activity = personal_message(bot.connector.url, "aad-1", "help") | {"id": 12345}
    assert "'id' must be text" in await _refused(bot, json.dumps(activity).encode())


async def test_change_my_application_without_an_application_gets_a_kind_message(bot):
    from store.seed import seed_demo
    from tests.conftest import START

    with bot.ctx.session() as session:
        seed_demo(session, START)
    await bot.post(card_submit(bot.connector.url, "aad-nobody", {"my_application": "edit"}))
    reply = bot.connector.texts("a:personal-aad-nobody")[-1]
    assert "went wrong" not in reply
    assert (
        reply == "You haven't applied yet, so there is nothing to change. Type **apply** to start."
    )


async def test_a_form_step_that_does_not_exist_gets_a_kind_message(bot):
    from store.seed import seed_demo
    from tests.conftest import START

    with bot.ctx.session() as session:
        seed_demo(session, START)
    sam = Applicant(bot, "aad-sam", "Sam Taylor")
    await sam.say("apply")
    await sam.submit({"form": "start", "role": "trainee", "consent": "true"})
    await sam.submit({"form": "review", "choice": "edit:nonsense"})
    assert "went wrong" not in " ".join(sam.texts())
