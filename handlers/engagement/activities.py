"""Activities as use cases: a supervisor announces one to the owner groups (`announce`);
owners sign up with the button or 「报名 2人」 (`join`), join the waiting list when it is full,
cancel (`leave`: the waiting list moves up, and whoever gets a place is told); the day before
each participant is reminded, staff get the attendance list, and after it the participants are
asked for a rating (`remind_due`, `ask_feedback_due`, run by the tick).

接龙 without flooding: every change marks the activity's summaries dirty (`ActivityBoard`), and
`refresh` brings each group's summary up to date: the announcement edited in place where the
platform edits (`Capabilities.edit_in_place`), else a new summary at most once per
`BOARD_THROTTLE` (the tick posts what waited). Owners are never answered one by one in the
group: a press is answered to the presser alone, a typed sign-up shows on the summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Mention, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from bot.core.services import Services
from handlers.engagement.boards import MAX_PEOPLE, board_text, parse_activity
from handlers.engagement.buttons import ActivityPress, ActivityRate
from handlers.engagement.polls import T, wording
from handlers.engagement.service import building_of, may_act_on
from handlers.engagement.when import BadTime, parse_when
from handlers.shared.privacy import owner_name
from storage.directory.models import Chat, Community, Member
from storage.engagement.models import Activity, ActivityBoard, ActivitySignup
from storage.uow import UnitOfWork

DEFAULT_START = time(9, 0)  # 「9月28日」 without a time
BOARD_THROTTLE = timedelta(minutes=5)  # a new summary at most this often where nothing is edited
REMIND_AT = time(18, 0)  # the evening before, in the community's time
FEEDBACK_AFTER = timedelta(hours=4)  # after the start, the rating is asked


@dataclass(frozen=True)
class Signed:
    activity: Activity
    state: str  # joined | waiting | same | left | not_signed
    people: int
    place: int = 0  # the place on the waiting list


class ActivityService:
    def __init__(self, services: Services) -> None:
        self.services = services

    def t(self, lang: str) -> T:
        return wording(self.services.texts, lang)

    @staticmethod
    def when(activity: Activity, community: Community) -> str:
        local = activity.starts_at.astimezone(ZoneInfo(community.timezone))
        return local.strftime("%m-%d %H:%M") if activity.timed else local.strftime("%m-%d")

    async def community_of(self, uow: UnitOfWork, activity: Activity) -> Community:
        community = await uow.directory.community(activity.community_id)
        assert community is not None
        return community

    # -- announcing ------------------------------------------------------------------------------
    async def announce(
        self, uow: UnitOfWork, actor: Actor, community: Community | None, written: str, now: datetime
    ) -> tuple[Activity, int, str]:
        """Post the activity to every owner group, with 「报名」 and 「取消报名」; returns it, the
        number of groups and its time as written back."""
        if community is None or not may_act_on(actor, community.id):
            raise DomainError("eg.poll.err.community")
        request = parse_activity(written)
        tz = ZoneInfo(community.timezone)
        try:
            starts = parse_when(request.when, now, tz, default_time=DEFAULT_START)
        except BadTime:
            raise DomainError("eg.act.err.when", value=request.when[:30]) from None
        timed = any(ch in request.when for ch in ":：点點") or "小时" in request.when
        if starts <= now:
            raise DomainError("eg.act.err.past", when=starts.astimezone(tz).strftime("%m-%d %H:%M"))
        groups = list(await uow.directory.chats_with_role(community.id, "owners"))
        if not groups:
            raise DomainError("eg.poll.err.no_groups", community=community.name)
        activity = await uow.engagement.add_activity(
            Activity(
                community_id=community.id,
                title=request.title,
                starts_at=starts,
                timed=timed,
                capacity=request.capacity,
                created_by=actor.label,
                created_at=now,
            )
        )
        for chat in groups:
            await uow.engagement.add_board(
                ActivityBoard(activity_id=activity.id, chat_id=chat.id, dirty=True)
            )
        await self.refresh(uow, activity, now, force=True)
        return activity, len(groups), self.when(activity, community)

    def capacity_text(self, t: T, activity: Activity) -> str:
        return str(activity.capacity) if activity.capacity else t("eg.act.unlimited")

    async def refresh(
        self, uow: UnitOfWork, activity: Activity, now: datetime, *, force: bool = False
    ) -> int:
        """Bring the summaries of `activity` up to date (see the module docstring); returns how
        many were edited or posted. A summary whose message is still unsent, or posted less
        than `BOARD_THROTTLE` ago on a platform that cannot edit, stays dirty for the tick."""
        community = await self.community_of(uow, activity)
        t = self.t(community.language)
        rows = await uow.engagement.signups(activity.id)
        text = "\n\n".join(
            [
                t(
                    "eg.act.post",
                    id=activity.id,
                    title=activity.title,
                    when=self.when(activity, community),
                    capacity=self.capacity_text(t, activity),
                ),
                board_text(t, activity.capacity, rows),
            ]
        )
        open_ = activity.cancelled_at is None and activity.starts_at > now
        buttons: tuple[tuple[Button, ...], ...] = ()
        if open_:
            buttons = (
                (
                    Button(t("eg.act.join"), ActivityPress("join", activity.id).pack(), say=t("eg.act.join")),
                    Button(
                        t("eg.act.leave"), ActivityPress("leave", activity.id).pack(), say=t("eg.act.leave")
                    ),
                ),
            )
        done = 0
        for board in await uow.engagement.boards(activity.id):
            if not (board.dirty or force):
                continue
            chat = await uow.directory.chat(board.chat_id)
            if chat is None or not chat.active:
                board.dirty = False
                continue
            shown = await uow.engagement.message_of(board.outbox_id) if board.outbox_id else None
            if self.services.capabilities(chat.platform).edit_in_place and shown is not None and not force:
                status, message_id = shown
                if message_id is None:
                    if status != "failed":
                        continue  # not sent yet: edited once it is (the tick)
                else:
                    message = Outgoing(text=text, buttons=buttons, edit_of=message_id)
                    await send_to_chat(uow, chat, message, now, ref_type="activity_edit", ref_id=activity.id)
                    board.dirty, board.posted_at = False, now
                    done += 1
                    continue
            if not force and board.posted_at is not None and now - board.posted_at < BOARD_THROTTLE:
                continue
            board.outbox_id = await uow.outbox.enqueue(
                platform=chat.platform,
                platform_chat_id=chat.platform_chat_id,
                chat_id=chat.id,
                payload=Outgoing(text=text, buttons=buttons).to_json(),
                now=now,
                ref_type="activity",
                ref_id=activity.id,
                priority=Priority.BULK,
            )
            board.dirty, board.posted_at = False, now
            done += 1
        return done

    # -- signing up ------------------------------------------------------------------------------
    async def find_open(
        self, uow: UnitOfWork, community: Community | None, ref: int | None, quoted: int | None, now: datetime
    ) -> Activity | None:
        """The activity an owner's typed sign-up is for: the one numbered, the one quoted,
        else the community's only open one (None: there is none, the words are not ours).
        Raises `eg.act.err.which` when several are open and none is named."""
        if community is None:
            return None
        open_ = await uow.engagement.open_activities(community.id, now)
        for wanted in (ref, quoted):
            if wanted is not None:
                found = [a for a in open_ if a.id == wanted]
                if found:
                    return found[0]
        if ref is not None:
            raise DomainError("eg.act.err.unknown", ref=f"#{ref}")
        if len(open_) > 1:
            raise DomainError("eg.act.err.which", titles="、".join(f"#{a.id}「{a.title}」" for a in open_))
        return open_[0] if open_ else None

    async def quoted_activity(
        self, uow: UnitOfWork, platform: str, chat_id: str, message_id: str | None
    ) -> int | None:
        """The activity whose announcement or summary a message quotes."""
        if not message_id:
            return None
        row = await uow.outbox.find_ref(platform, chat_id, message_id)
        if row is None or row.ref_type not in ("activity", "activity_edit"):
            return None
        return row.ref_id

    def check_signer(
        self, activity: Activity, member: Member | None, role: Role, community: Community | None
    ) -> None:
        if role is not Role.OWNER or member is None:
            raise DomainError("eg.act.err.owner_only")
        if community is None or community.id != activity.community_id:
            raise DomainError("eg.act.err.elsewhere")

    async def join(
        self,
        uow: UnitOfWork,
        activity: Activity,
        member: Member | None,
        chat: Chat,
        community: Community | None,
        role: Role,
        people: int,
        now: datetime,
    ) -> Signed:
        """Sign an owner up for `people`, or change how many: joined while it fits, else on
        the waiting list. Sign-ups of one activity take turns (a lock), so two owners cannot
        both take its last place."""
        self.check_signer(activity, member, role, community)
        assert member is not None and community is not None
        if activity.cancelled_at is not None or activity.starts_at <= now:
            raise DomainError("eg.act.err.over", title=activity.title)
        if not 1 <= people <= MAX_PEOPLE:
            raise DomainError("eg.act.err.people", max=MAX_PEOPLE)
        await uow.lock(f"activity:{activity.id}")
        signup = await uow.engagement.signup(activity.id, member.id)
        taken = await uow.engagement.taken(activity.id)
        capacity = activity.capacity
        if signup is not None and signup.state in ("joined", "waiting"):
            if signup.people == people:
                return Signed(activity, "same", people, await self.place(uow, activity, signup))
            if signup.state == "joined":
                most = capacity - (taken - signup.people) if capacity else people
                if people > most:
                    raise DomainError("eg.act.err.no_room", people=signup.people, most=most)
            signup.people = people
            await self.changed(uow, activity, now)
            return Signed(activity, signup.state, people, await self.place(uow, activity, signup))
        fits = capacity is None or taken + people <= capacity
        state = "joined" if fits else "waiting"
        if signup is None:
            signup = await uow.engagement.add_signup(
                ActivitySignup(
                    activity_id=activity.id,
                    member_id=member.id,
                    chat_id=chat.id,
                    people=people,
                    state=state,
                    building=building_of(member, chat, community),
                    signed_at=now,
                )
            )
        else:
            signup.people, signup.state, signup.signed_at, signup.chat_id = people, state, now, chat.id
        await self.changed(uow, activity, now)
        return Signed(activity, state, people, await self.place(uow, activity, signup))

    async def place(self, uow: UnitOfWork, activity: Activity, signup: ActivitySignup) -> int:
        if signup.state != "waiting":
            return 0
        waiting = [s.id for s, _ in await uow.engagement.signups(activity.id) if s.state == "waiting"]
        return waiting.index(signup.id) + 1 if signup.id in waiting else 0

    async def leave(
        self,
        uow: UnitOfWork,
        activity: Activity,
        member: Member | None,
        community: Community | None,
        role: Role,
        now: datetime,
    ) -> Signed:
        """Cancel an owner's sign-up; the waiting list moves up into the places freed."""
        self.check_signer(activity, member, role, community)
        assert member is not None
        await uow.lock(f"activity:{activity.id}")
        signup = await uow.engagement.signup(activity.id, member.id)
        if signup is None or signup.state == "cancelled":
            return Signed(activity, "not_signed", 0)
        signup.state = "cancelled"
        await uow.session.flush()
        await self.promote(uow, activity, now)
        await self.changed(uow, activity, now)
        return Signed(activity, "left", signup.people)

    async def promote(self, uow: UnitOfWork, activity: Activity, now: datetime) -> None:
        """Move the waiting list up, in order, while the next one fits; each is told."""
        if activity.capacity is None or activity.starts_at <= now:
            return
        taken = await uow.engagement.taken(activity.id)
        community = await self.community_of(uow, activity)
        t = self.t(community.language)
        for signup, member in await uow.engagement.signups(activity.id):
            if signup.state != "waiting":
                continue
            if taken + signup.people > activity.capacity:
                break
            signup.state = "joined"
            taken += signup.people
            text = t(
                "eg.act.promoted",
                title=activity.title,
                when=self.when(activity, community),
                people=signup.people,
            )
            await self.tell(
                uow, member, signup.chat_id, text, t("eg.act.promoted.group", title=activity.title), now
            )

    async def tell(
        self, uow: UnitOfWork, member: Member, chat_id: int, text: str, group_text: str, now: datetime
    ) -> None:
        """Tell one owner privately where they opened a private chat with Steward on a platform
        that writes to a person; else in the group they signed up in, @-mentioning them under
        `group_text` (nothing private in it)."""
        private = await self.private_chat(uow, member)
        if private is not None:
            await uow.outbox.enqueue(
                platform=member.platform,
                platform_chat_id=member.platform_user_id,
                chat_id=private.id,
                payload=Outgoing(text=text).to_json(),
                now=now,
            )
            return
        chat = await uow.directory.chat(chat_id)
        if chat is not None and chat.active:
            mention = Mention(member.platform_user_id, owner_name(member.display_name))
            await send_to_chat(uow, chat, Outgoing(text=group_text, mentions=(mention,)), now)

    async def private_chat(self, uow: UnitOfWork, member: Member) -> Chat | None:
        if not self.services.capabilities(member.platform).direct:
            return None
        return await uow.engagement.private_chat(member.platform, member.platform_user_id)

    async def changed(self, uow: UnitOfWork, activity: Activity, now: datetime) -> None:
        await uow.session.flush()
        for board in await uow.engagement.boards(activity.id):
            board.dirty = True
        await self.refresh(uow, activity, now)

    async def rate(self, uow: UnitOfWork, press: ActivityRate, member: Member | None, role: Role) -> int:
        activity = await uow.engagement.activity(press.activity_id)
        if activity is None or not 1 <= press.score <= 5:
            raise DomainError("eg.act.err.stale")
        signup = await uow.engagement.signup(activity.id, member.id) if member is not None else None
        if role is not Role.OWNER or signup is None or signup.state != "joined":
            raise DomainError("eg.act.err.rate_only")
        signup.rating = press.score
        return press.score
