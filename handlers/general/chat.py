"""/start and /help for each kind of chat, unknown commands, and the bot joining, leaving or
following a migrated group. Nothing here needs a role: everyone may ask for help.

Where Steward hears only what is addressed to it and shows no buttons (WeCom), /help says
what to write, "@物业管家 接单 BX-…", not which button to press; and a staff member who
addressed Steward with words no feature read is told how to write them (`last_router`: its
handler runs after every other, intake's included).
"""

from __future__ import annotations

import logging

from bot.core.context import Context
from bot.core.events import MessageKind
from bot.core.roles import Role
from bot.core.router import Router
from handlers.general.texts import TEXTS_HANS

log = logging.getLogger(__name__)

HELP_BY_ROLE = {
    "owners": "help.owners",
    "stewards": "help.stewards",
    "supervisors": "help.supervisors",
    "management": "help.supervisors",
    "private": "help.private",
    "unbound": "help.unbound",
}


STAFF = tuple(role for role in Role if role.is_staff)


def router() -> Router:
    general = Router(name="general")
    general.command("start", "help")(help_command)
    general.fallback_command = unknown_command
    general.on(MessageKind.BOT_ADDED)(bot_added)
    general.on(MessageKind.BOT_REMOVED)(bot_removed)
    general.on(MessageKind.CHAT_MIGRATED)(chat_migrated)
    return general


def last_router() -> Router:
    """What runs after every other feature: the answer to staff words nobody read."""
    last = Router(name="general.last")
    last.message(senders=STAFF)(unheard)
    return last


def help_text(ctx: Context, default: str) -> str:
    """The chat's help, saying what to write where Steward hears only @-mentions."""
    key = HELP_BY_ROLE.get(ctx.chat_role, default)
    if ctx.address and f"{key}.typed" in TEXTS_HANS:
        return ctx.t(f"{key}.typed", robot=ctx.capabilities.addressed_as)
    return ctx.t(key)


async def help_command(ctx: Context) -> None:
    await ctx.reply(help_text(ctx, "help.private"))


async def unheard(ctx: Context) -> None:
    """Staff who addressed Steward with words no feature took (「@物业管家 1」 quoting
    nothing, 「@物业管家 接单了吗」): how to write them, rather than silence."""
    if ctx.incoming.addressed and ctx.incoming.text.strip():
        await ctx.reply(ctx.t("words.unheard", address=ctx.address))


async def unknown_command(ctx: Context) -> None:
    parsed = ctx.incoming.command
    name = parsed[0] if parsed else ctx.incoming.text[:1]
    await ctx.reply(ctx.t("err.unknown_command", name=name[:32]))


async def bot_added(ctx: Context) -> None:
    await ctx.uow.directory.set_chat_active(ctx.incoming.platform, ctx.incoming.chat_id, True)
    await ctx.reply(help_text(ctx, "help.unbound"), quote=False)


async def bot_removed(ctx: Context) -> None:
    await ctx.uow.directory.set_chat_active(ctx.incoming.platform, ctx.incoming.chat_id, False)
    log.warning("removed from a %s chat", ctx.incoming.platform)


async def chat_migrated(ctx: Context) -> None:
    """A Telegram group became a supergroup: keep its binding under the new id."""
    new_id = ctx.incoming.migrated_to
    if new_id and await ctx.uow.directory.migrate_chat(ctx.incoming.platform, ctx.incoming.chat_id, new_id):
        log.info("chat migrated to a new id on %s", ctx.incoming.platform)
