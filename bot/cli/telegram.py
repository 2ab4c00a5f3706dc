"""`steward telegram chats | set-commands`."""

from __future__ import annotations

import argparse
import asyncio

from bot.app.platforms import build_telegram
from bot.app.settings import ConfigError, Settings
from bot.cli.chats import list_chats
from bot.cli.command import Command, Subparsers


def register(sub: Subparsers) -> None:
    telegram = sub.add_parser("telegram", help="Telegram tools")
    telegram_sub = telegram.add_subparsers(dest="telegram_command", required=True)
    telegram_sub.add_parser("chats", help="list the Telegram chats the bot has seen (to find ids to bind)")
    telegram_sub.add_parser("set-commands", help="register the command menu (zh-Hant, zh-Hans, en)")


async def set_commands(settings: Settings) -> int:
    if not settings.telegram_token:
        raise ConfigError("STEWARD_TELEGRAM_TOKEN: not set")
    channel = build_telegram(settings)
    try:
        await channel.connect()
        await channel.set_commands()
    except RuntimeError as exc:
        raise ConfigError(str(exc)) from exc
    finally:
        await channel.stop()
    print(f"command menu registered for @{channel.bot_username} (default zh-Hant, zh, en)")
    return 0


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.telegram_command == "chats":
        return asyncio.run(list_chats(settings, "telegram"))
    return asyncio.run(set_commands(settings))


COMMAND = Command(("telegram",), register, run)
