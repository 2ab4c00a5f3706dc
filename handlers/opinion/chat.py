"""Chat entry point of opinion monitoring: 「已跟进」 / 「误报」 on an alert card (staff only).

The verdict is the service's; this answers the presser and, where the platform edits in
place and the card is in this chat, brings the card up to date instead of adding a line.
"""

from __future__ import annotations

from bot.core.context import Context
from bot.core.roles import Role
from bot.core.router import Router
from handlers.opinion.buttons import AlertPress
from handlers.opinion.cards import card_now
from handlers.opinion.service import OpinionService


class OpinionChat:
    def __init__(self, service: OpinionService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="opinion")
        router.callback(AlertPress, require=Role.STEWARD)(self.alert_pressed)
        return router

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
