"""Broadcasts from chat: /notice and /outage, and the preview's 「确认发送」 and 「取消」 buttons.

Who may: a supervisor, manager or admin sends, confirms and manages; a steward may list and
read delivery reports; owners are refused. Each sub-command declares its minimum role where it
is registered (`Subcommands`), as the router's filters do for whole commands. Staff use a
staff chat or a private chat with Steward (`bc.err.chat` elsewhere, so nobody types a notice
into an owner group by mistake). Nothing reaches an owner group before someone presses
「确认发送」 under the preview.

Where there are no buttons (WeCom), the preview says what to write instead: 「@物业管家 确认发送
N12」 or 「@物业管家 取消 N12」; 「确认」 alone is the writer's one preview waiting (several:
they are asked which). This module only reads what was typed and replies; the use cases are
`BroadcastService`'s.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import Button
from bot.core.roles import Role
from bot.core.router import Filters, Router
from handlers.broadcasts.buttons import PreviewPress
from handlers.broadcasts.records import Preview, parse_ref
from handlers.broadcasts.request import parse_notice, parse_outage
from handlers.broadcasts.service import BroadcastService

STAFF_CHATS = ("stewards", "supervisors", "management", "private")

# A sub-command's handler gets the text after its word (the default one: every argument).
Run = Callable[[Context, str], Awaitable[None]]

# A preview's decision in words: 「确认发送 N12」, 「确认」, 「取消 N12」 (Simplified or Traditional).
DECISIONS: dict[str, Literal["ok", "no"]] = {
    "确认发送": "ok",
    "確認發送": "ok",
    "确认": "ok",
    "確認": "ok",
    "发送": "ok",
    "發送": "ok",
    "取消发送": "no",
    "取消發送": "no",
    "取消": "no",
}
_DECISION = re.compile(
    r"^(" + "|".join(sorted(DECISIONS, key=len, reverse=True)) + r")\s*([NSTnst]\s*\d+)?[\s。.!！]*$"
)
DECIDERS = (Role.SUPERVISOR, Role.MANAGER, Role.ADMIN)


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


def one_ref(rest: str) -> str:
    word, _ = split_word(rest)
    if not word:
        raise DomainError("bc.err.ref", value="")
    return word


def in_staff_chat(ctx: Context) -> None:
    """Broadcasts are typed in a staff chat or a private one, never in an owner group."""
    if ctx.chat_role not in STAFF_CHATS:
        raise DomainError("bc.err.chat")


@dataclass(frozen=True)
class Subcommand:
    words: frozenset[str]
    filters: Filters
    run: Run
    needs_rest: bool = False  # only when something follows the word (else it is the default's text)


class Subcommands:
    """The first word after a command picks what it does (`/notice list`, `/notice cancel N2`);
    anything else is the default (`/notice 全体 …` drafts a notice). Each declares its minimum
    role, enforced before the staff-chat rule, as a router registration would."""

    def __init__(self, default: Run, *, require: Role) -> None:
        self.default = Subcommand(frozenset(), Filters.of(require), default)
        self.entries: list[Subcommand] = []

    def add(self, *words: str, require: Role, run: Run, needs_rest: bool = False) -> None:
        self.entries.append(Subcommand(frozenset(words), Filters.of(require), run, needs_rest))

    async def __call__(self, ctx: Context) -> None:
        args = arguments(ctx)
        word, rest = split_word(args)
        chosen = next(
            (e for e in self.entries if word.lower() in e.words and (rest or not e.needs_rest)),
            None,
        )
        entry = chosen or self.default
        entry.filters.enforce(ctx)
        in_staff_chat(ctx)
        await entry.run(ctx, rest if chosen is not None else args)


class BroadcastChat:
    def __init__(self, service: BroadcastService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="broadcasts")
        notice = Subcommands(self.draft_notice, require=Role.SUPERVISOR)
        notice.add("list", "ls", "列表", require=Role.STEWARD, run=self.list_notices)
        notice.add("status", "report", "状态", require=Role.STEWARD, run=self.notice_status)
        notice.add("", "help", "帮助", require=Role.SUPERVISOR, run=self.help)
        notice.add("cancel", "取消", require=Role.SUPERVISOR, run=self.cancel)
        notice.add("pause", "暂停", require=Role.SUPERVISOR, run=self.pause)
        notice.add("resume", "恢复", require=Role.SUPERVISOR, run=self.resume)
        notice.add("delete", "删除", require=Role.SUPERVISOR, run=self.delete)
        notice.add("template", "模板", require=Role.SUPERVISOR, run=self.save_template, needs_rest=True)
        notice.add("templates", "模板列表", require=Role.SUPERVISOR, run=self.list_templates)
        router.command("notice", "broadcast", "通知", require=Role.STEWARD)(notice)

        outage = Subcommands(self.draft_outage, require=Role.SUPERVISOR)
        outage.add("list", "ls", "列表", require=Role.STEWARD, run=self.list_outages)
        outage.add("status", "状态", require=Role.STEWARD, run=self.outage_status)
        outage.add("", "help", "帮助", require=Role.SUPERVISOR, run=self.help)
        outage.add("restored", "restore", "已恢复", "恢复", require=Role.SUPERVISOR, run=self.restored)
        outage.add("cancel", "取消", require=Role.SUPERVISOR, run=self.cancel_outage)
        router.command("outage", "停水", "停电", require=Role.STEWARD)(outage)

        router.callback(PreviewPress, require=Role.SUPERVISOR)(self.preview_pressed)
        router.message(senders=DECIDERS)(self.decided_in_words)
        return router

    # -- /notice -----------------------------------------------------------------------------------
    async def draft_notice(self, ctx: Context, args: str) -> None:
        request = parse_notice(args, ctx.now.astimezone(local_zone(ctx)).date())
        preview = await self.service.draft_notice(
            ctx.uow, request, ctx.actor, ctx.community, ctx.now, ctx.lang
        )
        await self.show(ctx, preview)

    async def list_notices(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.list_notices(ctx.uow, ctx.actor, ctx.community, ctx.lang))

    async def notice_status(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.status_report(ctx.uow, one_ref(rest), ctx.actor, ctx.lang))

    async def help(self, ctx: Context, rest: str) -> None:
        await ctx.reply(self.service.help(ctx.lang))

    async def cancel(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.cancel(ctx.uow, one_ref(rest), ctx.actor, ctx.now, ctx.lang))

    async def pause(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.pause(ctx.uow, one_ref(rest), ctx.actor, ctx.lang))

    async def resume(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.resume(ctx.uow, one_ref(rest), ctx.actor, ctx.now, ctx.lang))

    async def delete(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.delete(ctx.uow, one_ref(rest), ctx.actor, ctx.now, ctx.lang))

    async def save_template(self, ctx: Context, rest: str) -> None:
        name, body = split_word(rest)
        await ctx.reply(await self.service.save_template(ctx.uow, name, body, ctx.actor, ctx.now, ctx.lang))

    async def list_templates(self, ctx: Context, rest: str) -> None:
        await ctx.reply(await self.service.list_templates(ctx.uow, ctx.actor, ctx.lang))

    # -- /outage -----------------------------------------------------------------------------------
    async def draft_outage(self, ctx: Context, args: str) -> None:
        request = parse_outage(args, ctx.now.astimezone(local_zone(ctx)).date())
        preview = await self.service.draft_outage(
            ctx.uow, request, ctx.actor, ctx.community, ctx.now, ctx.lang
        )
        await self.show(ctx, preview)

    async def list_outages(self, ctx: Context, rest: str) -> None:
        if ctx.community is None:
            raise DomainError("bc.err.no_community")
        await ctx.reply(await self.service.list_outages(ctx.uow, ctx.community, ctx.now, ctx.lang))

    async def outage_status(self, ctx: Context, rest: str) -> None:
        kind, number = parse_ref(one_ref(rest), default="T")
        await ctx.reply(await self.service.status_report(ctx.uow, f"{kind}{number}", ctx.actor, ctx.lang))

    async def restored(self, ctx: Context, rest: str) -> None:
        ref, more = split_word(rest)
        kind, number = parse_ref(ref, default="T")
        if kind != "T":
            raise DomainError("bc.err.ref", value=ref)
        urgent = more.strip().lower() in ("--urgent", "紧急", "緊急")
        await ctx.reply(
            await self.service.restore_outage(ctx.uow, number, ctx.actor, ctx.now, ctx.lang, urgent=urgent)
        )

    async def cancel_outage(self, ctx: Context, rest: str) -> None:
        _kind, number = parse_ref(one_ref(rest), default="T")
        await ctx.reply(await self.service.cancel_outage(ctx.uow, number, ctx.actor, ctx.now, ctx.lang))

    # -- the preview's buttons ---------------------------------------------------------------------
    async def show(self, ctx: Context, preview: Preview) -> None:
        confirm, cancel = ctx.t("bc.btn.confirm"), ctx.t("bc.btn.cancel")
        buttons = (
            (
                Button(confirm, PreviewPress("ok", preview.ref).pack(), say=f"{confirm} {preview.ref}"),
                Button(cancel, PreviewPress("no", preview.ref).pack(), say=f"{cancel} {preview.ref}"),
            ),
        )
        await ctx.reply(preview.text, buttons=buttons, ref_type="broadcast_preview")

    async def preview_pressed(self, ctx: Context, press: PreviewPress) -> None:
        """「确认发送」 (bc:ok:N12) or 「取消」 (bc:no:N12) under a preview."""
        in_staff_chat(ctx)
        if press.decision == "ok":
            text = await self.service.confirm(ctx.uow, press.ref, ctx.actor, ctx.now, ctx.lang)
        else:
            text = await self.service.discard(ctx.uow, press.ref, ctx.actor, ctx.now, ctx.lang)
        # The chat sees the outcome; the presser's button stops spinning with a short answer.
        # Where the platform edits in place, the outcome takes the place of the preview's
        # buttons: a preview that was decided offers nothing more to press.
        answer = ctx.t(f"bc.answer.{press.decision}")
        shown = None
        if ctx.capabilities.edit_in_place and ctx.incoming.reply_to:
            shown = await self.service.preview_shown(
                ctx.uow, ctx.incoming.platform, ctx.incoming.chat_id, ctx.incoming.reply_to, press.pack()
            )
        if shown is None:
            await ctx.reply(text, quote=False, answer=answer)
            return
        await ctx.reply(
            f"{shown}\n\n{text}",
            quote=False,
            answer=answer,
            edit_of=ctx.incoming.reply_to,
            ref_type="broadcast_preview_edit",
        )

    async def decided_in_words(self, ctx: Context) -> None:
        """「确认发送 N12」 / 「取消 N12」 addressed to Steward: the preview's buttons in words.
        Without a reference, the writer's one preview waiting; several, they are asked which."""
        matched = _DECISION.match(ctx.incoming.text.strip()) if ctx.incoming.addressed else None
        if matched is None:
            return
        decision, ref = DECISIONS[matched.group(1)], (matched.group(2) or "").replace(" ", "").upper()
        if not ref:
            waiting = await self.service.drafts(ctx.uow, ctx.actor)
            if not waiting and decision == "no":
                return  # 「取消」 of something else (a ticket's words are the tickets feature's)
            ctx.stop = True
            if len(waiting) != 1:
                await self.offer(ctx, decision, waiting)
                return
            ref = waiting[0]
        ctx.stop = True
        await self.preview_pressed(ctx, PreviewPress(decision, ref))

    async def offer(self, ctx: Context, decision: Literal["ok", "no"], refs: list[str]) -> None:
        """The previews waiting, each as the line to write for it (none: said so)."""
        verb = ctx.t("bc.btn.confirm" if decision == "ok" else "bc.btn.cancel")
        if not refs:
            await ctx.reply(ctx.t("bc.words.none"))
            return
        lines = [ctx.t("bc.words.choose", n=len(refs))]
        lines += [f"{ctx.address}{verb} {ref}" for ref in refs[:5]]
        await ctx.reply("\n".join(lines))


def local_zone(ctx: Context) -> ZoneInfo:
    """The sender's zone, for reading 「11-25」 and 「明天」 (Shanghai for an admin with no community)."""
    return ZoneInfo(ctx.community.timezone) if ctx.community is not None else ZoneInfo("Asia/Shanghai")
