"""Broadcasts from chat: /notice and /outage for supervisors, the preview's confirm and cancel
buttons, and the wiring of the feature's jobs.

Who may: a supervisor, manager or admin, in the stewards', supervisors' or management chat
or in a private chat with Steward; owners are refused. Nothing reaches an owner group before
someone presses 「确认发送」 under the preview.

The work itself lives next door: `broadcasts_request` (parsing), `broadcasts_notices`
(drafts, confirmation, management, reports), `broadcasts_outages`, `broadcasts_fanout`
(rendering and the outbox), `broadcasts_schedules` (schedules, tips, APScheduler jobs).
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Router
from handlers.broadcasts import notices, outages
from handlers.broadcasts.buttons import PreviewPress
from handlers.broadcasts.outages import answer_outage_question
from handlers.broadcasts.policy import policy_of
from handlers.broadcasts.records import discard, parse_ref
from handlers.broadcasts.rendering import Speaker
from handlers.broadcasts.request import parse_notice, parse_outage
from handlers.broadcasts.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["TEXTS_HANS", "TEXTS_HANT", "answer_outage_question", "router"]

log = logging.getLogger(__name__)

router = Router(name="broadcasts")

STAFF_CHATS = ("stewards", "supervisors", "management", "private")


def allow(ctx: Context, minimum: Role = Role.SUPERVISOR) -> Actor:
    """Owners (and staff below `minimum`) are refused; staff must use a staff or private chat."""
    ctx.require(minimum)
    if ctx.chat_role not in STAFF_CHATS:
        raise DomainError("bc.err.chat")
    return ctx.actor


def speaker_of(ctx: Context) -> Speaker:
    return Speaker(ctx.services.texts, ctx.lang)


def arguments(ctx: Context) -> str:
    """The text after the command word, exactly as typed (line breaks kept)."""
    text = ctx.incoming.text.lstrip()
    head, _, rest = text.partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        rest = more + (" " + rest if rest else "")
    return rest.strip()


def split_word(text: str) -> tuple[str, str]:
    parts = text.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


@router.command("notice", "broadcast", "通知")
async def notice_command(ctx: Context) -> None:
    args = arguments(ctx)
    word, rest = split_word(args)
    sub = word.lower()
    speaker = speaker_of(ctx)
    if sub in ("list", "ls", "列表"):
        actor = allow(ctx, Role.STEWARD)
        await ctx.reply(await notices.list_notices(ctx.uow, actor, ctx.community, speaker))
        return
    if sub in ("status", "report", "状态"):
        actor = allow(ctx, Role.STEWARD)
        await ctx.reply(await notices.status_report(ctx.uow, _one(rest), actor, speaker))
        return
    actor = allow(ctx)
    now = ctx.now
    if sub in ("", "help", "帮助"):
        await ctx.reply(speaker.t("bc.help", quiet=policy_of(ctx.services).quiet.describe()))
    elif sub in ("cancel", "取消"):
        await ctx.reply(await notices.cancel(ctx.uow, ctx.services, _one(rest), actor, now, speaker))
    elif sub in ("pause", "暂停"):
        await ctx.reply(await notices.pause(ctx.uow, _one(rest), actor, speaker))
    elif sub in ("resume", "恢复"):
        await ctx.reply(await notices.resume(ctx.uow, ctx.services, _one(rest), actor, now, speaker))
    elif sub in ("delete", "删除"):
        kind, number = parse_ref(_one(rest), default="S")
        if kind == "S":
            await ctx.reply(await notices.delete_schedule(ctx.uow, number, actor, speaker))
        else:
            await ctx.reply(
                await notices.cancel(ctx.uow, ctx.services, f"{kind}{number}", actor, now, speaker)
            )
    elif sub in ("template", "模板") and rest:
        name, body = split_word(rest)
        await ctx.reply(await notices.save_template(ctx.uow, name, body, actor, now, speaker))
    elif sub in ("templates", "模板列表"):
        await ctx.reply(await notices.list_templates(ctx.uow, speaker))
    else:
        today = now.astimezone(_tz(ctx)).date()
        request = parse_notice(args, today)
        preview = await notices.draft_notice(
            ctx.uow, ctx.services, request, actor, ctx.community, now, speaker
        )
        await ctx.reply(preview.text, buttons=preview.buttons(speaker), ref_type="broadcast_preview")


@router.command("outage", "停水", "停电")
async def outage_command(ctx: Context) -> None:
    args = arguments(ctx)
    word, rest = split_word(args)
    sub = word.lower()
    speaker = speaker_of(ctx)
    if sub in ("list", "ls", "列表"):
        allow(ctx, Role.STEWARD)
        if ctx.community is None:
            raise DomainError("bc.err.no_community")
        await ctx.reply(await outages.list_outages(ctx.uow, ctx.community, ctx.now, speaker))
        return
    if sub in ("status", "状态"):
        actor = allow(ctx, Role.STEWARD)
        await ctx.reply(await notices.status_report(ctx.uow, _ref(rest, "T"), actor, speaker))
        return
    actor = allow(ctx)
    now = ctx.now
    if sub in ("", "help", "帮助"):
        await ctx.reply(speaker.t("bc.help", quiet=policy_of(ctx.services).quiet.describe()))
    elif sub in ("restored", "restore", "已恢复", "恢复"):
        ref, more = split_word(rest)
        kind, number = parse_ref(ref, default="T")
        if kind != "T":
            raise DomainError("bc.err.ref", value=ref)
        urgent = more.strip().lower() in ("--urgent", "紧急", "緊急")
        await ctx.reply(
            await outages.restore_outage(ctx.uow, ctx.services, number, actor, now, speaker, urgent)
        )
    elif sub in ("cancel", "取消"):
        kind, number = parse_ref(_one(rest), default="T")
        await ctx.reply(await outages.cancel_outage(ctx.uow, ctx.services, number, actor, now, speaker))
    else:
        today = now.astimezone(_tz(ctx)).date()
        request = parse_outage(args, today)
        preview = await outages.draft_outage(
            ctx.uow, ctx.services, request, actor, ctx.community, now, speaker
        )
        await ctx.reply(preview.text, buttons=preview.buttons(speaker), ref_type="broadcast_preview")


@router.callback(PreviewPress)
async def preview_button(ctx: Context, press: PreviewPress) -> None:
    """「确认发送」 (bc:ok:N12) or 「取消」 (bc:no:N12) under a preview."""
    actor = allow(ctx)
    speaker = speaker_of(ctx)
    if press.decision == "ok":
        text = await notices.confirm(ctx.uow, ctx.services, press.ref, actor, ctx.now, speaker)
    else:
        text = await discard(ctx.uow, press.ref, actor, ctx.now, speaker)
    # The chat sees the outcome; the presser's button stops spinning with a short answer.
    await ctx.reply(text, quote=False, answer=speaker.t(f"bc.answer.{press.decision}"))


def _one(rest: str) -> str:
    word, _ = split_word(rest)
    if not word:
        raise DomainError("bc.err.ref", value="")
    return word


def _ref(rest: str, default: str) -> str:
    kind, number = parse_ref(_one(rest), default=default)
    return f"{kind}{number}"


def _tz(ctx: Context) -> ZoneInfo:
    """The sender's zone, for reading 「11-25」 and 「明天」 (Shanghai for an admin with no community)."""
    return ZoneInfo(ctx.community.timezone) if ctx.community is not None else ZoneInfo("Asia/Shanghai")
