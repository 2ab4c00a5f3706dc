"""Chat entry points of owners' voice: /poll (a supervisor asks; staff read the counts) and
an owner's press on a poll's option; /activity (a supervisor announces; staff read the
attendance list or cancel), an owner's 「报名」 / 「取消报名」 (button or typed: 「报名 2人」) and
rating; /fees (staff: the collection rate; privately, one unit's case) and an owner's 「已缴」 /
「有异议」 to a fee reminder in their private chat; /care (stewards: the care list and its
safety check-ins) and the check-in's 「已确认」 / 「未联系上」; /survey (a supervisor starts the
quarterly survey; staff read its results) and an owner's score. Thin: read what was typed, call the
service, answer.

A typed sign-up is taken here, before intake (the routing order), so it never becomes a
ticket; words that only look like one (no activity open) are left to intake.

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
from handlers.engagement import attendance
from handlers.engagement.activities import ActivityService, Signed
from handlers.engagement.boards import read_signup
from handlers.engagement.buttons import (
    ActivityPress,
    ActivityRate,
    CareMark,
    FeeAnswer,
    PollPress,
    SurveyPress,
)
from handlers.engagement.care import CareService
from handlers.engagement.fees import FeeService
from handlers.engagement.service import EngagementService, closed_when
from handlers.engagement.surveys import SurveyService

STAFF_CHATS = ("stewards", "supervisors", "management", "private")
# An owner's answer to a fee reminder, typed (WeCom shows the buttons as words to write).
FEE_WORDS = {
    "已缴": "paid",
    "已繳": "paid",
    "已交": "paid",
    "已缴费": "paid",
    "已繳費": "paid",
    "有异议": "dispute",
    "有異議": "dispute",
}

Run = Callable[[Context, str], Awaitable[None]]


def arguments(ctx: Context) -> str:
    """The text after the command word."""
    _, _, rest = ctx.incoming.text.strip().partition(" ")
    if not rest and "\n" in ctx.incoming.text:
        _, _, rest = ctx.incoming.text.strip().partition("\n")
    return rest.strip()


class EngagementChat:
    def __init__(
        self,
        service: EngagementService,
        activities: ActivityService,
        fees: FeeService,
        care: CareService,
        surveys: SurveyService,
    ) -> None:
        self.service = service
        self.activities = activities
        self.fees = fees
        self.care = care
        self.surveys = surveys

    def router(self) -> Router:
        router = Router(name="engagement")
        router.command("poll", "投票", require=Role.STEWARD)(self.poll)
        router.callback(PollPress, chats=("owners",))(self.poll_pressed)
        router.command("activity", "活动", "活動", require=Role.STEWARD)(self.activity)
        router.callback(ActivityPress, chats=("owners",))(self.activity_pressed)
        router.callback(ActivityRate, chats=("owners",))(self.activity_rated)
        router.message(chats=("owners",), senders=(Role.OWNER,))(self.signup_words)
        router.command("fees", "物业费", "物業費", require=Role.STEWARD)(self.fees_command)
        # Sent only privately; the reminder names whom it was sent to, and only they may answer.
        router.callback(FeeAnswer)(self.fee_pressed)
        router.message(chats=("private",), senders=(Role.OWNER,))(self.fee_words)
        router.command("care", "关怀", "關懷", require=Role.STEWARD)(self.care_command)
        router.callback(CareMark, require=Role.STEWARD)(self.care_marked)
        router.command("survey", "满意度", "滿意度", require=Role.STEWARD)(self.survey_command)
        router.callback(SurveyPress, chats=("owners",))(self.survey_pressed)
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

    # -- /activity ---------------------------------------------------------------------------------
    async def activity(self, ctx: Context) -> None:
        """`/activity 名称 日期 [时间] [限N人]` (supervisors), `/activity list 2` (staff: the
        attendance list), `/activity cancel 2` (supervisors)."""
        args = arguments(ctx)
        word, _, rest = args.partition(" ")
        subcommands: dict[str, tuple[Role, Run]] = {
            "list": (Role.STEWARD, self.activity_sheet),
            "名单": (Role.STEWARD, self.activity_sheet),
            "名單": (Role.STEWARD, self.activity_sheet),
            "cancel": (Role.SUPERVISOR, self.activity_cancel),
            "取消": (Role.SUPERVISOR, self.activity_cancel),
        }
        role, run = subcommands.get(word.lower(), (Role.SUPERVISOR, self.activity_announce))
        Filters.of(role).enforce(ctx)
        if ctx.chat_role not in STAFF_CHATS:
            raise DomainError("eg.poll.err.community")
        await run(ctx, args if run == self.activity_announce else rest)

    async def activity_announce(self, ctx: Context, args: str) -> None:
        if not args:
            raise DomainError("eg.act.usage")
        activity, groups, when = await self.activities.announce(
            ctx.uow, ctx.actor, ctx.community, args, ctx.now
        )
        capacity = self.activities.capacity_text(ctx.t, activity)
        await ctx.reply(
            ctx.t(
                "eg.act.created",
                id=activity.id,
                title=activity.title,
                groups=groups,
                when=when,
                capacity=capacity,
            )
        )

    async def activity_sheet(self, ctx: Context, ref: str) -> None:
        activity = await attendance.find_activity(ctx.uow, ctx.actor, ctx.community, ref)
        await ctx.reply(await attendance.sheet(self.activities, ctx.uow, activity))

    async def activity_cancel(self, ctx: Context, ref: str) -> None:
        activity = await attendance.find_activity(ctx.uow, ctx.actor, ctx.community, ref)
        if not await attendance.cancel(self.activities, ctx.uow, activity, ctx.now):
            await ctx.reply(ctx.t("eg.act.already_cancelled", id=activity.id))
            return
        await ctx.reply(ctx.t("eg.act.cancelled.staff", id=activity.id))

    async def activity_pressed(self, ctx: Context, press: ActivityPress) -> None:
        activity = await ctx.uow.engagement.activity(press.activity_id)
        if activity is None:
            raise DomainError("eg.act.err.stale")
        assert ctx.chat is not None
        if press.action == "join":
            signed = await self.activities.join(
                ctx.uow, activity, ctx.member, ctx.chat, ctx.community, ctx.role, 1, ctx.now
            )
        else:
            signed = await self.activities.leave(
                ctx.uow, activity, ctx.member, ctx.community, ctx.role, ctx.now
            )
        await ctx.answer(self.told(ctx, signed))

    async def activity_rated(self, ctx: Context, press: ActivityRate) -> None:
        score = await self.activities.rate(ctx.uow, press, ctx.member, ctx.role)
        await ctx.answer(ctx.t("eg.act.rated", score=score))

    async def signup_words(self, ctx: Context) -> None:
        """「报名 2人」, 「报名 #3」, 「取消报名」 in an owner group, while an activity is open."""
        said = read_signup(ctx.incoming.text)
        if said is None or ctx.chat is None:
            return
        incoming = ctx.incoming
        quoted = await self.activities.quoted_activity(
            ctx.uow, incoming.platform, incoming.chat_id, incoming.reply_to
        )
        activity = await self.activities.find_open(ctx.uow, ctx.community, said.ref, quoted, ctx.now)
        if activity is None:
            return  # nothing open: an owner's words like any other (intake takes them)
        ctx.stop = True  # a sign-up, not a ticket: intake does not see it
        if said.cancel:
            await self.activities.leave(ctx.uow, activity, ctx.member, ctx.community, ctx.role, ctx.now)
        else:
            await self.activities.join(
                ctx.uow, activity, ctx.member, ctx.chat, ctx.community, ctx.role, said.people, ctx.now
            )
        # No reply in the group: the summary shows it (edited, or posted within the throttle).

    @staticmethod
    def told(ctx: Context, signed: Signed) -> str:
        title = signed.activity.title
        if signed.place:  # on the waiting list (just now, or still)
            return ctx.t("eg.act.waiting", n=signed.place, people=signed.people)
        if signed.state == "same":
            return ctx.t("eg.act.same", title=title, people=signed.people)
        if signed.state == "left":
            return ctx.t("eg.act.left", title=title)
        if signed.state == "not_signed":
            return ctx.t("eg.act.not_signed", title=title)
        return ctx.t("eg.act.joined", title=title, people=signed.people)

    # -- fees --------------------------------------------------------------------------------------
    async def fees_command(self, ctx: Context) -> None:
        """`/fees`: the collection rate against the target (staff chats); `/fees case F12`:
        one unit's fees in full, in a private chat only."""
        if ctx.chat_role not in STAFF_CHATS:
            raise DomainError("eg.poll.err.community")
        word, _, rest = arguments(ctx).partition(" ")
        if word.lower() in ("case", "详情", "詳情"):
            if ctx.chat_role != "private":
                raise DomainError("eg.fee.case.private")
            await ctx.reply(await self.fees.case(ctx.uow, ctx.actor, rest))
            return
        if ctx.community is None:
            raise DomainError("eg.poll.err.community")
        await ctx.reply(await self.fees.rates(ctx.uow, ctx.community))

    async def fee_pressed(self, ctx: Context, press: FeeAnswer) -> None:
        reminder = await ctx.uow.fees.reminder(press.reminder_id)
        incoming = ctx.incoming
        key = await self.fees.answer(
            ctx.uow, reminder, incoming.platform, incoming.sender_id, press.answer, ctx.now
        )
        text = ctx.t(key, answer=ctx.t(f"eg.fee.{press.answer}"))
        await ctx.reply(text, quote=False, answer=text)

    async def fee_words(self, ctx: Context) -> None:
        """「已缴」 / 「有异议」 in an owner's private chat: their newest fee reminder's answer."""
        answer = FEE_WORDS.get(ctx.incoming.text.strip().strip("。.!！ "))
        if answer is None:
            return
        incoming = ctx.incoming
        reminder = await self.fees.latest(ctx.uow, incoming.platform, incoming.sender_id, ctx.now)
        if reminder is None:
            return  # no reminder to answer: an owner's words like any other
        ctx.stop = True
        key = await self.fees.answer(
            ctx.uow, reminder, incoming.platform, incoming.sender_id, answer, ctx.now
        )
        await ctx.reply(ctx.t(key, answer=ctx.t(f"eg.fee.{answer}")))

    # -- care list ---------------------------------------------------------------------------------
    async def care_command(self, ctx: Context) -> None:
        """`/care add 3-2-1302 独居老人 [备注]`, `/care list`, `/care remove C3`, `/care check
        原因`: stewards, in a staff chat or privately (the list's units in full only there)."""
        if ctx.chat_role not in STAFF_CHATS:
            raise DomainError("eg.poll.err.community")
        word, _, rest = arguments(ctx).partition(" ")
        word = word.lower()
        community = ctx.community
        if word in ("add", "添加", "加"):
            entry = await self.care.add(ctx.uow, ctx.actor, community, rest, ctx.now)
            assert community is not None
            unit = self.care.unit_of(entry, community, private=False)
            await ctx.reply(ctx.t("eg.care.added", id=entry.id, unit=unit, kind=entry.kind))
        elif word in ("remove", "rm", "删除", "刪除"):
            entry = await self.care.remove(ctx.uow, ctx.actor, rest, ctx.now)
            await ctx.reply(ctx.t("eg.care.removed", id=entry.id))
        elif word in ("list", "ls", "名单", "名單", ""):
            if community is None:
                raise DomainError("eg.poll.err.community")
            await ctx.reply(await self.care.listing(ctx.uow, community, private=ctx.chat_role == "private"))
        elif word in ("check", "确认", "確認"):
            if community is None:
                raise DomainError("eg.poll.err.community")
            check = await self.care.check_in(ctx.uow, community, rest.strip()[:120], ctx.actor.label, ctx.now)
            if check is None:
                raise DomainError("eg.care.err.empty", community=community.name)
            n = len(await ctx.uow.care.lines(check.id))
            await ctx.reply(ctx.t("eg.care.started", n=n, minutes=self.care.minutes()))
        else:
            raise DomainError("eg.care.usage")

    async def care_marked(self, ctx: Context, press: CareMark) -> None:
        marked, community = await self.care.mark(ctx.uow, press, ctx.actor, ctx.now)
        label = ctx.t(f"eg.care.state.{marked.state}", name=ctx.actor.name)
        told = ctx.t("eg.care.marked", n=marked.line, state=label)
        if ctx.capabilities.edit_in_place and ctx.incoming.reply_to:
            text, buttons = await self.care.render(ctx.uow, marked.check, community)
            await ctx.reply(
                text,
                buttons=buttons,
                quote=False,
                edit_of=ctx.incoming.reply_to,
                answer=told,
                ref_type="care_check_edit",
            )
        else:
            await ctx.reply(told, quote=False, ref_type="care_mark", ref_id=marked.check.id)

    # -- satisfaction survey -----------------------------------------------------------------------
    async def survey_command(self, ctx: Context) -> None:
        """`/survey start` (supervisors): the quarterly survey to every owner group; `/survey`
        or `/survey result` (staff): the latest survey's results so far."""
        if ctx.chat_role not in STAFF_CHATS:
            raise DomainError("eg.poll.err.community")
        word, _, _ = arguments(ctx).partition(" ")
        if word.lower() in ("start", "发起", "發起"):
            Filters.of(Role.SUPERVISOR).enforce(ctx)
            survey, groups = await self.surveys.start(ctx.uow, ctx.actor, ctx.community, ctx.now)
            assert ctx.community is not None
            until = self.surveys.until(survey, ctx.community)
            await ctx.reply(
                ctx.t("eg.sv.created", quarter=survey.quarter, id=survey.id, groups=groups, until=until)
            )
            return
        survey = await self.surveys.find(ctx.uow, ctx.actor, ctx.community)
        await ctx.reply(await self.surveys.results(ctx.uow, survey))

    async def survey_pressed(self, ctx: Context, press: SurveyPress) -> None:
        name, score = await self.surveys.answer(
            ctx.uow, press, ctx.member, ctx.chat, ctx.community, ctx.role, ctx.now
        )
        if score == 0:
            await ctx.answer(ctx.t("eg.sv.explain", indicator=name))
        elif ctx.capabilities.answers:
            await ctx.answer(ctx.t("eg.sv.scored", indicator=name, score=score))
        else:
            await ctx.reply(ctx.t("eg.poll.voted.blind"))  # anonymous: the group is not told the score
