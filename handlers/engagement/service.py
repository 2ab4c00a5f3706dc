"""Owners' voice as use cases, for chat, jobs and the command line alike.

Polls: a supervisor asks the community's owner groups a question (`create_poll`); each owner
(a `Member`: one platform identity) has one vote, changed in place until the close (`vote`);
the close job posts the result once (`close`): counts and shares to the owner groups, nobody
named, and the counts per building to the stewards' and supervisors' chats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from bot.core.services import Services
from handlers.engagement.buttons import PollPress
from handlers.engagement.polls import T, owners_result, parse_poll, staff_counts, wording
from handlers.engagement.when import BadTime, parse_when
from storage.directory.models import Chat, Community, Member
from storage.engagement.models import Poll
from storage.uow import UnitOfWork

DEFAULT_OPEN = timedelta(hours=24)  # a poll written without a close
LONGEST_OPEN = timedelta(days=30)
DATE_ONLY_CLOSE = time(20, 0)  # 「截止 9月20日」: that evening
STAFF_ROLES = ("stewards", "supervisors")


@dataclass(frozen=True)
class CreatedPoll:
    poll: Poll
    groups: int
    closes: str  # the close in the community's time, as written back


@dataclass(frozen=True)
class Voted:
    poll: Poll
    option: str
    before: str | None  # the option voted before (None: a first vote)


def may_act_on(actor: Actor, community_id: int) -> bool:
    """An admin acts on every community; staff on their own."""
    return actor.role is Role.ADMIN or actor.community_id == community_id


def building_of(member: Member, chat: Chat, community: Community) -> str | None:
    """Where an owner lives as far as Steward knows: their registered unit's building, else
    the one building of a single-building group."""
    if member.unit:
        building = member.unit.split("-", 1)[0]
        if building in community.buildings:
            return building
    if len(chat.buildings) == 1 and chat.buildings[0] in community.buildings:
        return chat.buildings[0]
    return None


def closed_when(poll: Poll) -> datetime:
    """When a poll closed: its time, or earlier if a supervisor closed it early (the job
    closing it a little after its time does not move it)."""
    if poll.closed_at is None:
        return poll.closes_at
    return min(poll.closed_at, poll.closes_at)


class EngagementService:
    def __init__(self, services: Services) -> None:
        self.services = services

    def t(self, lang: str) -> T:
        return wording(self.services.texts, lang)

    @staticmethod
    def local(when: datetime, community: Community) -> str:
        return when.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")

    # -- polls ---------------------------------------------------------------------------------
    async def create_poll(
        self, uow: UnitOfWork, actor: Actor, community: Community | None, written: str, now: datetime
    ) -> CreatedPoll:
        """Post a poll to every active owner group of `community`, with a button per option."""
        if community is None or not may_act_on(actor, community.id):
            raise DomainError("eg.poll.err.community")
        request = parse_poll(written)
        closes = now + DEFAULT_OPEN
        if request.closes is not None:
            try:
                closes = parse_when(
                    request.closes, now, ZoneInfo(community.timezone), default_time=DATE_ONLY_CLOSE
                )
            except BadTime:
                raise DomainError("eg.poll.err.when", value=request.closes[:30]) from None
        if closes <= now:
            raise DomainError("eg.poll.err.past", when=self.local(closes, community))
        if closes - now > LONGEST_OPEN:
            raise DomainError("eg.poll.err.far", days=LONGEST_OPEN.days)
        groups = [c for c in await uow.directory.chats_with_role(community.id, "owners") if c.active]
        if not groups:
            raise DomainError("eg.poll.err.no_groups", community=community.name)
        poll = await uow.engagement.add_poll(
            Poll(
                community_id=community.id,
                question=request.question,
                options=list(request.options),
                created_by=actor.label,
                created_at=now,
                closes_at=closes,
            )
        )
        t = self.t(community.language)
        when = self.local(closes, community)
        text = t("eg.poll.post", id=poll.id, question=poll.question, when=when)
        buttons = tuple(
            (Button(option, PollPress(poll.id, i).pack()),) for i, option in enumerate(poll.options)
        )
        for chat in groups:
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, buttons=buttons),
                now,
                ref_type="poll",
                ref_id=poll.id,
                dedupe_key=f"poll:{poll.id}:{chat.id}",
                priority=Priority.BULK,
            )
        return CreatedPoll(poll, len(groups), when)

    async def vote(
        self,
        uow: UnitOfWork,
        press: PollPress,
        member: Member | None,
        chat: Chat | None,
        community: Community | None,
        role: Role,
        now: datetime,
    ) -> Voted:
        """An owner's press: their vote, or a change of it, until the close."""
        if role is not Role.OWNER or member is None or chat is None:
            raise DomainError("eg.poll.err.owner_only")
        poll = await uow.engagement.poll(press.poll_id)
        if poll is None or not 0 <= press.option < len(poll.options):
            raise DomainError("eg.poll.err.stale")
        if community is None or poll.community_id != community.id:
            raise DomainError("eg.poll.err.elsewhere")
        if poll.closed_at is not None or poll.closes_at <= now:
            raise DomainError(
                "eg.poll.err.closed",
                question=poll.question,
                when=self.local(closed_when(poll), community),
            )
        before = await uow.engagement.vote(
            poll.id, member.id, press.option, building_of(member, chat, community), now
        )
        return Voted(poll, poll.options[press.option], poll.options[before] if before is not None else None)

    async def find_poll(self, uow: UnitOfWork, actor: Actor, community: Community | None, ref: str) -> Poll:
        number = ref.strip().lstrip("#Pp")
        poll = await uow.engagement.poll(int(number)) if number.isdigit() and len(number) < 10 else None
        if poll is None or not may_act_on(actor, poll.community_id):
            raise DomainError("eg.poll.err.unknown", ref=ref[:12] or "-")
        if community is not None and actor.role is not Role.ADMIN and poll.community_id != community.id:
            raise DomainError("eg.poll.err.unknown", ref=ref[:12])
        return poll

    async def staff_view(self, uow: UnitOfWork, poll: Poll, now: datetime) -> str:
        """The counts per building, as staff read them (open or closed)."""
        community = await uow.directory.community(poll.community_id)
        assert community is not None
        t = self.t(community.language)
        if poll.closed_at is None:
            state = t("eg.poll.staff.open", when=self.local(poll.closes_at, community))
        else:
            state = t("eg.poll.staff.closed", when=self.local(closed_when(poll), community))
        counts = await uow.engagement.poll_counts(poll.id)
        return staff_counts(t, poll.id, poll.question, poll.options, counts, state, list(community.buildings))

    async def close(self, uow: UnitOfWork, poll: Poll, now: datetime) -> bool:
        """Close the poll and post its result, once: False if it was closed already."""
        if not await uow.engagement.close_poll(poll, now):
            return False
        community = await uow.directory.community(poll.community_id)
        assert community is not None
        t = self.t(community.language)
        counts = await uow.engagement.poll_counts(poll.id)
        result = owners_result(t, poll.id, poll.question, poll.options, counts)
        for chat in await uow.directory.chats_with_role(community.id, "owners"):
            if chat.active:
                await send_to_chat(
                    uow,
                    chat,
                    Outgoing(text=result),
                    now,
                    ref_type="poll_result",
                    ref_id=poll.id,
                    dedupe_key=f"poll-result:{poll.id}:{chat.id}",
                    priority=Priority.BULK,
                )
        staff = await self.staff_view(uow, poll, now)
        for role in STAFF_ROLES:
            for chat in await uow.directory.chats_with_role(community.id, role):
                if chat.active:
                    await send_to_chat(
                        uow,
                        chat,
                        Outgoing(text=staff),
                        now,
                        ref_type="poll_staff",
                        ref_id=poll.id,
                        dedupe_key=f"poll-staff:{poll.id}:{chat.id}",
                    )
        return True

    async def due_polls(self, uow: UnitOfWork, now: datetime) -> list[int]:
        return list(await uow.engagement.due_polls(now))

    async def close_due(self, uow: UnitOfWork, poll_id: int, now: datetime) -> bool:
        poll = await uow.engagement.poll(poll_id)
        return poll is not None and await self.close(uow, poll, now)
