"""`steward run` (live on the platforms), `steward demo` (a scripted morning) and
`steward chat` (type as an owner or a steward in a simulated community)."""

from __future__ import annotations

import argparse
import asyncio

from bot.app.offices import ROLES, parse_roles
from bot.app.serve import run as serve
from bot.app.settings import Settings
from bot.cli.command import Command, Subparsers, instant
from bot.demo.interactive import run_chat
from bot.demo.play import run_demo


def register_run(sub: Subparsers) -> None:
    run = sub.add_parser("run", help="run Steward on its platforms (Telegram, WeCom) until SIGINT/SIGTERM")
    run.add_argument(
        "--roles",
        default=",".join(ROLES),
        help="what this process does, comma-separated: poller (receive and store updates), worker "
        "(handle them), sender (elected per bot token), scheduler (elected); default all. "
        "Several processes share the work on PostgreSQL; SQLite runs one process with every role",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    return asyncio.run(serve(settings, parse_roles(args.roles)))


def register_demo(sub: Subparsers) -> None:
    sub.add_parser("demo", help="play a scripted scenario on a local simulated chat")


def register_chat(sub: Subparsers) -> None:
    chat = sub.add_parser("chat", help="an interactive local chat: type as an owner or a steward")
    chat.add_argument(
        "--at",
        type=instant,
        help='start the clock at this time, with its offset, e.g. "2026-12-07T10:00+08:00" '
        "(working hours and SLA timers follow it; default: now)",
    )
    chat.add_argument(
        "--database",
        metavar="URL",
        help="play on this database (refused if it holds Telegram or WeCom chats); "
        "default: a throw-away one, gone at /quit",
    )


def demo(settings: Settings, args: argparse.Namespace) -> int:
    tickets = asyncio.run(run_demo())
    return 0 if tickets else 1


RUN = Command(("run",), register_run, run)
DEMO = Command(("demo",), register_demo, demo)
CHAT = Command(
    ("chat",),
    register_chat,
    lambda settings, args: asyncio.run(run_chat(settings, start=args.at, database=args.database)),
)
