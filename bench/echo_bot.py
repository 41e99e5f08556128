"""A minimal botbuilder echo bot, the baseline of the inbound benchmark.

The same SDK, adapter (CloudAdapter, no app id: no JWT) and aiohttp server as the bot, and
nothing else: every message is answered with one text reply through the connector. With
`--keep-clients` it uses the bot's authentication (`bot.teams.connectors`: one connector client kept
per service URL instead of one built per activity), which shows what the SDK itself costs per
activity once that is gone.

    .venv/bin/python -m bench.echo_bot --port 41820 [--keep-clients]
"""

from __future__ import annotations

import argparse

from aiohttp import web
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.integration.aiohttp import (
    ConfigurationBotFrameworkAuthentication as SdkAuthentication,
)

from bot.teams.connectors import ReusingBotFrameworkAuthentication


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"
    APP_TENANTID = ""


class EchoBot(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await turn_context.send_activity(f"Echo: {activity.text or activity.value}")


def create_app(keep_clients: bool = False) -> web.Application:
    authentication = ReusingBotFrameworkAuthentication if keep_clients else SdkAuthentication
    adapter = CloudAdapter(authentication(_Config()))
    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/readyz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="A minimal botbuilder echo bot.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=41820)
    parser.add_argument("--keep-clients", action="store_true")
    args = parser.parse_args()
    web.run_app(
        create_app(args.keep_clients), host=args.host, port=args.port, print=None, access_log=None
    )


if __name__ == "__main__":
    main()
