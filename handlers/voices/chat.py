"""Chat entry points of suggestions: `/suggestions` (the list for the monthly meeting) and
`/suggestion N 采纳 …` (the decision, told in the owner group). Staff only; the service does
the work."""

from __future__ import annotations

from bot.core.bounds import typed_id
from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Router
from handlers.voices.service import VoiceService


class VoiceChat:
    def __init__(self, service: VoiceService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="voices")
        router.command("suggestions", "建议", "建議", require=Role.STEWARD)(self.suggestions)
        router.command("suggestion", require=Role.SUPERVISOR)(self.answer)
        return router

    async def suggestions(self, ctx: Context) -> None:
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        community_id = self.service.community_of(ctx.actor, ctx.community)
        text = await self.service.listing(ctx.uow, community_id, ctx.lang, all_states=args[:1] == ["all"])
        await ctx.reply(text)

    async def answer(self, ctx: Context) -> None:
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        number = typed_id(args[0]) if len(args) >= 2 else None
        if number is None:
            raise DomainError("err.usage", usage=ctx.t("voice.usage.answer"))
        community_id = self.service.community_of(ctx.actor, ctx.community)
        answered = await self.service.answer_suggestion(
            ctx.uow, ctx.actor, community_id, number, args[1], " ".join(args[2:]), ctx.now
        )
        s = answered.suggestion
        decision = ctx.t(f"voice.state.{s.state}")
        key = "voice.answer.done" if answered.changed else "voice.answer.same"
        await ctx.reply(ctx.t(key, id=s.id, decision=decision))
