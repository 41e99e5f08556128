"""`stepforward`: serve the bot, run the demo, migrate, run one sweep, package the Teams app."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path

from aiohttp import web

from bot.logs import configure_logging
from bot.settings import Settings
from domain.clock import FixedClock, SystemClock
from store import migrate
from store.db import session_scope


def _parse_now(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date-time: {value!r}") from error
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-03-02T09:00:00+00:00")
    return parsed


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stepforward", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the bot")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)

    demo = sub.add_parser("demo", help="seed the demo programme on SQLite and run the bot")
    demo.add_argument("--host", default=None)
    demo.add_argument("--port", type=int, default=None)
    demo.add_argument(
        "--no-playground", action="store_true", help="run the bot only, without the Playground"
    )
    demo.add_argument(
        "--playground-port",
        type=int,
        default=None,
        help="the coordinator's Playground port (default 56150); the others ask for the next",
    )
    demo.add_argument(
        "--playground-dir", type=Path, default=None, help="Node folder holding the Playground"
    )
    demo.add_argument(
        "--playground-wait",
        type=float,
        default=60,
        help="seconds to wait for each Playground to come up (default 60)",
    )

    sub.add_parser("migrate", help="apply database migrations")

    sweep = sub.add_parser("sweep", help="run one scheduler sweep as if it were --now")
    sweep.add_argument("--now", type=_parse_now, required=True, help="ISO-8601 with zone")
    sweep.add_argument("--dry-run", action="store_true", help="print, do not send")

    package = sub.add_parser("package", help="build the Teams app package (manifest and icons)")
    package.add_argument("--out", type=Path, default=Path("appPackage.zip"), help="zip to write")
    package.add_argument("--app-id", default=None, help="the bot's app id (default MicrosoftAppId)")
    return parser


def _serve(settings: Settings, host: str | None, port: int | None) -> None:
    from bot.app import create_app

    app = create_app(settings)
    # run_app turns SIGINT/SIGTERM into a graceful shutdown (on_cleanup stops the scheduler).
    web.run_app(app, host=host or settings.host, port=port or settings.port, print=None)


def _demo(settings: Settings, args: argparse.Namespace) -> None:
    from bot.tools import playground
    from store.seed import DEMO_COORDINATOR_ID, DEMO_COORDINATOR_NAME, seed_demo

    migrate.upgrade(settings.database_url)
    engine = settings.create_engine()
    with session_scope(engine) as session:
        programme = seed_demo(session, SystemClock().now())
        closes = programme.window_closes_at
    engine.dispose()
    port = args.port or settings.port
    print(f"Demo programme ready: {programme.name} (applications open until {closes:%d %B %Y})")
    print(f"Database: {settings.database_url}")
    print(f"Demo coordinator: {DEMO_COORDINATOR_NAME}, AAD object id {DEMO_COORDINATOR_ID}")
    print(f"Bot endpoint: http://localhost:{port}/api/messages")
    clients = [] if args.no_playground else _start_demo_playgrounds(args, port)
    sys.stdout.flush()
    try:
        _serve(settings, args.host, port)
    finally:
        for client in clients:
            playground.stop_playground(client.process)


def _start_demo_playgrounds(args: argparse.Namespace, bot_port: int) -> list:
    """One Playground per demo persona, or none (with the reason and how to connect printed)."""
    from bot.tools import playground

    setup = playground.PlaygroundSetup(args.playground_dir or playground.NODE_DIR)
    if not setup.node_available():
        print("Node.js was not found, so the bot runs on its own.")
        print(playground.manual_instructions(bot_port))
        return []
    first_port = args.playground_port or playground.DEFAULT_PLAYGROUND_PORT
    started = []
    try:
        if not setup.installed():
            print(f"Installing the Microsoft 365 Agents Playground (npm ci in {setup.node_dir})")
            sys.stdout.flush()
            setup.install()
        for n, who in enumerate(playground.PERSONAS):
            started.append(
                playground.start_playground(
                    setup,
                    bot_port,
                    first_port + n,
                    Path("var") / "playground",
                    who,
                    wait_seconds=args.playground_wait,
                )
            )
    except playground.PlaygroundError as error:
        for client in started:
            playground.stop_playground(client.process)
        print(f"The Playground could not start: {error}")
        print(playground.manual_instructions(bot_port))
        return []
    print("Talk to the bot as each demo persona, one Playground each (open them side by side):")
    for client in started:
        who = client.persona
        print(f"  {who.key}: open {client.url} — {who.user.name}, {who.role}, {who.where}")
    return started


def _sweep(settings: Settings, now: datetime, dry_run: bool) -> None:
    from bot.assembly import assemble
    from bot.context import AppContext
    from bot.teams import TeamsMessenger
    from bot.teams.adapter import create_adapter

    migrate.upgrade(settings.database_url)
    ctx = AppContext(
        settings=settings,
        engine=settings.create_engine(),
        clock=FixedClock(now),
    )
    # Without --dry-run this sends for real, through a CloudAdapter built from the settings.
    messenger = None if dry_run else TeamsMessenger(create_adapter(settings), settings.app_id)
    outbox = assemble(ctx, messenger).outbox
    result = asyncio.run(outbox.sweep(now, dry_run=dry_run))
    ctx.engine.dispose()
    print(result.report())


def _package(settings: Settings, out: Path, app_id: str | None) -> int:
    from bot.tools.packaging import PackagingError, build_package, placeholder_warnings

    try:
        manifest = build_package(settings, out, app_id)
    except PackagingError as error:
        print(f"stepforward package: {error}", file=sys.stderr)
        for detail in error.details:
            print(f"  {detail}", file=sys.stderr)
        return 2
    for warning in placeholder_warnings(settings):
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"wrote {out}: Teams app {manifest['id']} version {manifest['version']}"
        f" (manifest v{manifest['manifestVersion']})"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    if args.command == "serve":
        _serve(settings, args.host, args.port)
    elif args.command == "demo":
        _demo(settings, args)
    elif args.command == "migrate":
        migrate.upgrade(settings.database_url)
        print("database is up to date")
    elif args.command == "sweep":
        _sweep(settings, args.now, args.dry_run)
    elif args.command == "package":
        return _package(settings, args.out, args.app_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
