"""No handler holds a database session, and so a pooled connection, across an `await`.

A turn that awaits Teams with its session open keeps a connection from the pool for as long
as Teams takes to answer. Under load the pool runs dry, and a turn waiting for a connection
blocks the event loop, so the bot stops answering. Handlers do their database work in a
session, close it, and only then await (`AppContext.session_then_reply` does both for a
handler that only replies). `tests/test_connection_pool.py` shows the behaviour; this test
keeps the code from drifting back.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("bot", "dialogs")
# "path:line" of a place that genuinely must hold a session across an await, with the reason.
# There are none: keep it that way if at all possible.
ALLOWED: dict[str, str] = {}

_AWAITING = (ast.Await, ast.AsyncFor, ast.AsyncWith)


def _awaits(node: ast.AST) -> bool:
    return any(isinstance(inner, _AWAITING) for inner in ast.walk(node) if inner is not node)


def _opens_session(node: ast.With | ast.AsyncWith) -> bool:
    return any("session" in ast.unparse(item.context_expr) for item in node.items)


def _takes_session(node: ast.AsyncFunctionDef) -> bool:
    arguments = node.args
    return any(
        argument.arg == "session"
        or (argument.annotation is not None and "Session" in ast.unparse(argument.annotation))
        for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
    )


def sessions_across_await(source: str) -> list[tuple[int, str]]:
    """Every `with ...session...:` block that awaits inside, and every async function that
    is given a session and awaits: (line, what), in line order."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.With | ast.AsyncWith) and _opens_session(node) and _awaits(node):
            found.append((node.lineno, "awaits while a session is open"))
        elif isinstance(node, ast.AsyncFunctionDef) and _takes_session(node) and _awaits(node):
            found.append((node.lineno, f"async {node.name}() is given a session and awaits"))
    return sorted(found)


def test_no_handler_holds_a_session_across_an_await():
    found = []
    for folder in CHECKED:
        for file in sorted((ROOT / folder).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            found += [
                f"{path}:{line}: {what}"
                for line, what in sessions_across_await(file.read_text(encoding="utf-8"))
                if f"{path}:{line}" not in ALLOWED
            ]
    assert found == [], "Close the session before awaiting Teams:\n" + "\n".join(found)


def test_the_check_finds_each_way_of_holding_a_session_across_an_await():
    source = """
async def reply_inside(self, turn):
    with self.ctx.session() as session:
        await turn.send_activity("held")

async def helper(self, turn, session):
    await turn.send_activity("held by the caller")

async def typed_helper(self, turn, db: Session):
    await turn.send_activity("held by the caller")

async def replies_helper(self, turn):
    async with self.ctx.session_then_reply(turn) as (session, replies):
        await turn.send_activity("still inside")

async def loops_inside(self, turn):
    with session_scope(engine) as session:
        async for item in stream():
            pass
"""
    assert sessions_across_await(source) == [
        (3, "awaits while a session is open"),
        (6, "async helper() is given a session and awaits"),
        (9, "async typed_helper() is given a session and awaits"),
        (13, "awaits while a session is open"),
        (17, "awaits while a session is open"),
    ]


def test_the_check_accepts_awaiting_after_the_session_is_closed():
    source = """
async def reply_after(self, turn):
    with self.ctx.session() as session:
        text = load(session)
    await turn.send_activity(text)

async def replies_helper(self, turn):
    async with self.ctx.session_then_reply(turn) as (session, replies):
        replies.append(load(session))

def sync_helper(session):
    return load(session)
"""
    assert sessions_across_await(source) == []
