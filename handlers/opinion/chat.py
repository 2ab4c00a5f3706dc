"""Chat entry points of opinion monitoring: 「已跟进」 / 「误报」 on an alert card (staff only);
a crisis's record (`/crisis N`), its spokesperson (`/spokesperson N`, 「我来统一口径」), its
drafted public reply (`/crisis N draft 核实… | 回应…`) and a manager's 「确认发送」.

The verdict is the service's; this answers the presser and, where the platform edits in
place and the card is in this chat, brings the card up to date instead of adding a line.
"""

from __future__ import annotations

from bot.core.bounds import typed_id
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Router
from handlers.opinion.buttons import AlertPress, CrisisPress
from handlers.opinion.cards import card_now
from handlers.opinion.service import OpinionService


class OpinionChat:
    def __init__(self, service: OpinionService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="opinion")
        router.callback(AlertPress, require=Role.STEWARD)(self.alert_pressed)
        router.callback(CrisisPress, require=Role.SUPERVISOR)(self.crisis_pressed)
        router.command("crisis", "危机", "危機", require=Role.STEWARD)(self.crisis)
        router.command("spokesperson", "统一口径", "統一口徑", require=Role.SUPERVISOR)(self.spokesperson)
        return router

    @staticmethod
    def alert_number(ctx: Context, usage: str) -> tuple[int, list[str]]:
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        number = typed_id(args[0]) if args else None
        if number is None:
            raise DomainError("err.usage", usage=ctx.t(usage))
        return number, args[1:]

    def community_id(self, ctx: Context) -> int | None:
        return ctx.community.id if ctx.community is not None else ctx.actor.community_id

    async def crisis(self, ctx: Context) -> None:
        """`/crisis N`: the crisis record; `/crisis N draft 核实… | 回应…`: the public reply."""
        alert_id, rest = self.alert_number(ctx, "op.crisis.usage")
        if rest and rest[0] in ("draft", "草拟", "草擬", "回应", "回應"):
            if not ctx.actor.at_least(Role.SUPERVISOR):
                raise DomainError("err.forbidden", role=Role.SUPERVISOR.value)
            body = " ".join(rest[1:])
            verified, _, response = body.partition("|")
            await self.service.draft_reply(
                ctx.uow, ctx.actor, alert_id, verified, response, self.community_id(ctx), ctx.now
            )
            await ctx.reply(ctx.t("op.crisis.drafted", id=alert_id))
            return
        await ctx.reply(
            await self.service.crisis_text(ctx.uow, ctx.actor, alert_id, self.community_id(ctx), ctx.lang)
        )

    async def spokesperson(self, ctx: Context) -> None:
        """`/spokesperson N [name]`: who speaks for the company (统一口径); the sender if unnamed."""
        alert_id, rest = self.alert_number(ctx, "op.speaker.usage")
        name = await self.service.set_spokesperson(
            ctx.uow, ctx.actor, alert_id, " ".join(rest), self.community_id(ctx), ctx.now
        )
        await ctx.reply(ctx.t("op.speaker.set", id=alert_id, name=name))

    async def crisis_pressed(self, ctx: Context, press: CrisisPress) -> None:
        if press.action == "speak":
            name = await self.service.set_spokesperson(
                ctx.uow, ctx.actor, press.alert_id, "", self.community_id(ctx), ctx.now
            )
            text = ctx.t("op.speaker.set", id=press.alert_id, name=name)
        else:
            await self.service.send_reply(ctx.uow, ctx.actor, press.alert_id, self.community_id(ctx), ctx.now)
            text = ctx.t("op.crisis.sent", id=press.alert_id)
        await ctx.reply(text, quote=False, answer=text)

    async def alert_pressed(self, ctx: Context, press: AlertPress) -> None:
        marked = await self.service.mark(
            ctx.uow,
            press.alert_id,
            press.verdict,
            ctx.actor,
            community_id=ctx.community.id if ctx.community is not None else None,
            now=ctx.now,
        )
        alert = marked.alert
        label = ctx.t(f"op.verdict.{marked.verdict}")
        if not marked.changed:
            await ctx.reply(
                ctx.t("op.pressed.again", id=alert.id, verdict=label, name=alert.handled_by or "-"),
                quote=False,
            )
            return
        confirmation = ctx.t("op.pressed", id=alert.id, verdict=label, name=alert.handled_by)
        card = await self.service.card_in(ctx.uow, alert.id, ctx.incoming.platform, ctx.incoming.chat_id)
        if ctx.capabilities.edit_in_place and ctx.incoming.reply_to and card is not None:
            await ctx.reply(
                card_now(card.text, alert, ctx.t),
                buttons=card.buttons,
                quote=False,
                edit_of=ctx.incoming.reply_to,
                answer=confirmation,
                ref_type="opinion_edit",
                ref_id=alert.id,
            )
        else:
            await ctx.reply(confirmation, quote=False, ref_type="opinion_verdict", ref_id=alert.id)
