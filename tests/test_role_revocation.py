"""A role taken away counts at the person's next message: roles are read with the sender in
each turn's first transaction, so neither this instance nor another one acts on old roles."""

from __future__ import annotations

from sqlalchemy import delete

from bench.teams_activities import channel_message
from domain.authorisation import Role
from store.models import RoleGrant
from store.people import grant_role
from tests.conftest import START, start_bot

COORDINATOR = "aad-store-coordinator"
REFUSED = "Sorry, only programme coordinators can do that."
SETUP = "setup coordinator channel"


def revoke_coordinator(ctx) -> None:
    with ctx.session() as session:
        session.execute(delete(RoleGrant).where(RoleGrant.aad_object_id == COORDINATOR))


async def test_a_revoked_coordinator_is_refused_at_once(bot, connector):
    with bot.ctx.session() as session:
        grant_role(session, COORDINATOR, Role.COORDINATOR.value, START)
    await bot.post(channel_message(connector.url, COORDINATOR, SETUP))
    assert not connector.texts()[-1].startswith(REFUSED)

    revoke_coordinator(bot.ctx)
    await bot.post(channel_message(connector.url, COORDINATOR, SETUP))
    assert connector.texts()[-1].startswith(REFUSED)
    await bot.post(channel_message(connector.url, COORDINATOR, "help"))
    assert SETUP not in connector.texts()[-1]


async def test_a_role_revoked_at_another_instance_is_refused_here_at_once(
    settings, clock, connector
):
    """Two instances on one database file: one takes the role away, the other, which has
    just let the coordinator act, refuses their very next message."""
    here = await start_bot(settings, clock, connector)
    there = await start_bot(settings, clock, connector)
    try:
        with there.ctx.session() as session:
            grant_role(session, COORDINATOR, Role.COORDINATOR.value, START)
        await here.post(channel_message(connector.url, COORDINATOR, SETUP))
        assert not connector.texts()[-1].startswith(REFUSED)

        revoke_coordinator(there.ctx)
        await here.post(channel_message(connector.url, COORDINATOR, SETUP))
        assert connector.texts()[-1].startswith(REFUSED)

        with there.ctx.session() as session:  # and granted again, at once too
            grant_role(session, COORDINATOR, Role.COORDINATOR.value, START)
        await here.post(channel_message(connector.url, COORDINATOR, SETUP))
        assert not connector.texts()[-1].startswith(REFUSED)
    finally:
        await here.client.close()
        await there.client.close()
