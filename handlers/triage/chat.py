"""Chat entry point of the triage: 开单 / 忽略 pressed on a line of the stewards' digest (on WeCom,
the rendered commands `/dg open 42`, `/dg ignore 42`), stewards and above."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.roles import Role
from bot.core.router import Router
from handlers.triage.buttons import DigestPress
from handlers.triage.service import TriageService


class TriageChat:
    def __init__(self, service: TriageService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="triage")
        router.callback(DigestPress, require=Role.STEWARD)(self.pressed)
        return router

    async def pressed(self, ctx: Context, press: DigestPress) -> None:
        result = await self.service.decide(ctx.uow, ctx.actor, press.item_id, press.decision, ctx.now)
        await ctx.answer(ctx.t(result.key, number=result.number))
