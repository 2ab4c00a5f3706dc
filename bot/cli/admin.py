"""`steward admin bind-code`: a one-time code a chat sends as `/bind CODE` to join;
`steward admin console-link --user telegram:2001`: a web console sign-in link for a staff
member (the same signed single-use link `/console` gives in a private chat)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta

from bot.app.settings import ConfigError, Settings
from bot.cli.command import Command, Subparsers, hours, one_shot
from bot.core.errors import DomainError
from handlers.membership.service import ROLES, create_bind_code


def register(sub: Subparsers) -> None:
    admin = sub.add_parser("admin", help="administration")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True)
    bind = admin_sub.add_parser("bind-code", help="create a one-time code a chat uses to join: /bind CODE")
    bind.add_argument("--community", required=True, help="community code, e.g. lxy")
    bind.add_argument("--role", default="owners", choices=list(ROLES))
    bind.add_argument("--buildings", default="", help="comma-separated buildings this group covers")
    bind.add_argument("--hours", type=hours, default=24.0, help="how long the code stays valid")
    link = admin_sub.add_parser("console-link", help="a web console sign-in link (single use, 10 minutes)")
    link.add_argument("--user", required=True, help="platform:user_id of a staff member, e.g. telegram:2001")


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


async def console_link(settings: Settings, args: argparse.Namespace) -> int:
    platform, _, user_id = args.user.partition(":")
    if not platform or not user_id:
        raise ConfigError("--user: write platform:user_id, e.g. telegram:2001")
    async with one_shot(settings) as app, app.runtime.transaction() as uow:
        if app.console is None or not app.console.auth.policy.enabled:
            raise ConfigError("the web console is off: set STEWARD_CONSOLE_SECRET (docs/CONSOLE.md)")
        try:
            url = await app.console.auth.issue_link(uow, platform, user_id, app.runtime.now)
        except DomainError as exc:
            raise ConfigError(f"--user {args.user}: not a staff member on the roster nor an admin") from exc
        print(url)
    return 0


async def admin(settings: Settings, args: argparse.Namespace) -> int:
    if args.admin_command == "console-link":
        return await console_link(settings, args)
    return await bind_code(settings, args)


COMMAND = Command(("admin",), register, lambda settings, args: asyncio.run(admin(settings, args)))
