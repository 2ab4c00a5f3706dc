"""`steward admin bind-code`: a one-time code a chat sends as `/bind CODE` to join."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, hours, one_shot
from handlers.membership.service import ROLES, create_bind_code


def register(sub: Subparsers) -> None:
    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    bind = admin_sub.add_parser("bind-code", help="create a one-time code a chat uses to join: /bind CODE")
    bind.add_argument("--community", required=True, help="community code, e.g. lxy")
    bind.add_argument("--role", default="owners", choices=list(ROLES))
    bind.add_argument("--buildings", default="", help="comma-separated buildings this group covers")
    bind.add_argument("--hours", type=hours, default=24.0, help="how long the code stays valid")


async def bind_code(settings: Settings, args: argparse.Namespace) -> int:
    buildings = [b.strip() for b in args.buildings.split(",") if b.strip()]
    async with one_shot(settings) as app, app.runtime.transaction() as uow:
        try:
            code = await create_bind_code(
                uow, args.community, args.role, buildings, app.runtime.now, timedelta(hours=args.hours)
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        print(f"{code.code}  (send `/bind {code.code}` in the chat within {args.hours:g} h; one use)")
    return 0


COMMAND = Command(("admin",), register, lambda settings, args: asyncio.run(bind_code(settings, args)))
