"""Chat entry points of owners' voice: /poll (a supervisor asks; staff read the counts) and
an owner's press on a poll's option. Thin: read what was typed, call the service, answer.

A vote is anonymous to owners: where the platform answers a press to the presser alone
(`Capabilities.answers`) the presser is told what they voted; elsewhere the group is told
only that a vote was received, never which.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.router import Filters, Router
from handlers.engagement.buttons import PollPress
from handlers.engagement.service import EngagementService, closed_when

STAFF_CHATS = ("stewards", "supervisors", "management", "private")

Run = Callable[[Context, str], Awaitable[None]]


def arguments(ctx: Context) -> str:
    """The text after the command word."""
    _, _, rest = ctx.incoming.text.strip().partition(" ")
    if not rest and "\n" in ctx.incoming.text:
        _, _, rest = ctx.incoming.text.strip().partition("\n")
    return rest.strip()


class EngagementChat:
    def __init__(self, service: EngagementService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="engagement")
        router.command("poll", "投票", require=Role.STEWARD)(self.poll)
        router.callback(PollPress, chats=("owners",))(self.poll_pressed)
        return router

    # -- /poll -------------------------------------------------------------------------------------
    async def poll(self, ctx: Context) -> None:
        """`/poll 问题 A|B [截止 …]` (supervisors), `/poll result 3` (staff), `/poll close 3`
        (supervisors). Typed in a staff chat or privately, never in an owner group."""
        args = arguments(ctx)
        word, _, rest = args.partition(" ")
        subcommands: dict[str, tuple[Role, Run]] = {
            "result": (Role.STEWARD, self.poll_result),
            "结果": (Role.STEWARD, self.poll_result),
            "結果": (Role.STEWARD, self.poll_result),
            "close": (Role.SUPERVISOR, self.poll_close),
            "结束": (Role.SUPERVISOR, self.poll_close),
            "結束": (Role.SUPERVISOR, self.poll_close),
        }
        role, run = subcommands.get(word.lower(), (Role.SUPERVISOR, self.poll_create))
        Filters.of(role).enforce(ctx)
        if ctx.chat_role not in STAFF_CHATS:
            raise DomainError("eg.poll.err.community")
        await run(ctx, args if run == self.poll_create else rest)

    async def poll_create(self, ctx: Context, args: str) -> None:
        if not args:
            raise DomainError("eg.poll.usage")
        created = await self.service.create_poll(ctx.uow, ctx.actor, ctx.community, args, ctx.now)
        await ctx.reply(
            ctx.t("eg.poll.created", id=created.poll.id, groups=created.groups, when=created.closes)
        )

    async def poll_result(self, ctx: Context, ref: str) -> None:
        poll = await self.service.find_poll(ctx.uow, ctx.actor, ctx.community, ref)
        await ctx.reply(await self.service.staff_view(ctx.uow, poll, ctx.now))

    async def poll_close(self, ctx: Context, ref: str) -> None:
        poll = await self.service.find_poll(ctx.uow, ctx.actor, ctx.community, ref)
        if not await self.service.close(ctx.uow, poll, ctx.now):
            community = await ctx.uow.directory.community(poll.community_id)
            assert community is not None
            when = self.service.local(closed_when(poll), community)
            await ctx.reply(ctx.t("eg.poll.already_closed", id=poll.id, when=when))
            return
        await ctx.reply(ctx.t("eg.poll.closed_early", id=poll.id))

    async def poll_pressed(self, ctx: Context, press: PollPress) -> None:
        voted = await self.service.vote(
            ctx.uow, press, ctx.member, ctx.chat, ctx.community, ctx.role, ctx.now
        )
        if not ctx.capabilities.answers:
            await ctx.reply(ctx.t("eg.poll.voted.blind"))  # the group reads it: no option named
            return
        if voted.before is None:
            key = "eg.poll.voted"
        elif voted.before == voted.option:
            key = "eg.poll.same"
        else:
            key = "eg.poll.changed"
        await ctx.answer(ctx.t(key, option=voted.option))
