"""/start and /help for each kind of chat, unknown commands, and the bot joining, leaving or
following a migrated group. Nothing here needs a role: everyone may ask for help."""

from __future__ import annotations

import logging

from bot.core.context import Context
from bot.core.events import MessageKind
from bot.core.router import Router

log = logging.getLogger(__name__)

HELP_BY_ROLE = {
    "owners": "help.owners",
    "stewards": "help.stewards",
    "supervisors": "help.supervisors",
    "management": "help.supervisors",
    "private": "help.private",
    "unbound": "help.unbound",
}


def router() -> Router:
    general = Router(name="general")
    general.command("start", "help")(help_command)
    general.fallback_command = unknown_command
    general.on(MessageKind.BOT_ADDED)(bot_added)
    general.on(MessageKind.BOT_REMOVED)(bot_removed)
    general.on(MessageKind.CHAT_MIGRATED)(chat_migrated)
    return general


async def help_command(ctx: Context) -> None:
    await ctx.reply(ctx.t(HELP_BY_ROLE.get(ctx.chat_role, "help.private")))


async def unknown_command(ctx: Context) -> None:
    parsed = ctx.incoming.command
    name = parsed[0] if parsed else ctx.incoming.text[:1]
    await ctx.reply(ctx.t("err.unknown_command", name=name[:32]))


async def bot_added(ctx: Context) -> None:
    await ctx.uow.directory.set_chat_active(ctx.incoming.platform, ctx.incoming.chat_id, True)
    await ctx.reply(ctx.t(HELP_BY_ROLE.get(ctx.chat_role, "help.unbound")), quote=False)


async def bot_removed(ctx: Context) -> None:
    await ctx.uow.directory.set_chat_active(ctx.incoming.platform, ctx.incoming.chat_id, False)
    log.warning("removed from a %s chat", ctx.incoming.platform)


async def chat_migrated(ctx: Context) -> None:
    """A Telegram group became a supergroup: keep its binding under the new id."""
    new_id = ctx.incoming.migrated_to
    if new_id and await ctx.uow.directory.migrate_chat(ctx.incoming.platform, ctx.incoming.chat_id, new_id):
        log.info("chat migrated to a new id on %s", ctx.incoming.platform)
