"""An activity's staff side and its scheduled steps: the attendance list (签到表), cancelling
it, the day-before reminders (each participant, and the list to the stewards) and the rating
asked after it. The tick (`jobs`) runs the scheduled steps; each happens once per activity
(a conditional UPDATE of `reminded_at` / `feedback_at`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Mention, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from handlers.engagement.activities import FEEDBACK_AFTER, REMIND_AT, ActivityService
from handlers.engagement.buttons import ActivityRate
from handlers.engagement.service import may_act_on
from handlers.shared.privacy import owner_name
from storage.directory.models import Community, Member
from storage.engagement.models import Activity
from storage.uow import UnitOfWork


async def find_activity(uow: UnitOfWork, actor: Actor, community: Community | None, ref: str) -> Activity:
    number = ref.strip().lstrip("#")
    activity = await uow.engagement.activity(int(number)) if number.isdigit() and len(number) < 10 else None
    if activity is None or not may_act_on(actor, activity.community_id):
        raise DomainError("eg.act.err.unknown", ref=ref[:12] or "-")
    if community is not None and actor.role is not Role.ADMIN and activity.community_id != community.id:
        raise DomainError("eg.act.err.unknown", ref=ref[:12])
    return activity


async def sheet(service: ActivityService, uow: UnitOfWork, activity: Activity) -> str:
    """The attendance list for staff: every household signed up (masked name, building,
    people) with a box to tick, the waiting list, and the ratings once given."""
    community = await service.community_of(uow, activity)
    t = service.t(community.language)
    rows = await uow.engagement.signups(activity.id)
    joined = [(s, m) for s, m in rows if s.state == "joined"]
    waiting = [(s, m) for s, m in rows if s.state == "waiting"]

    def line(n: int, people: int, member: Member, building: str | None) -> str:
        where = " " + t("eg.building", building=building) if building else ""
        return t(
            "eg.act.sheet.line", n=n, name=owner_name(member.display_name), building=where, people=people
        )

    lines = [line(i, s.people, m, s.building) for i, (s, m) in enumerate(joined, start=1)]
    if not lines:
        lines.append(t("eg.act.sheet.none"))
    if waiting:
        lines.append(t("eg.act.sheet.waiting"))
        lines += [line(i, s.people, m, s.building) for i, (s, m) in enumerate(waiting, start=1)]
    ratings = [s.rating for s, _ in joined if s.rating is not None]
    if ratings:
        lines.append(t("eg.act.sheet.rating", average=f"{sum(ratings) / len(ratings):.1f}", n=len(ratings)))
    text = t(
        "eg.act.sheet",
        id=activity.id,
        title=activity.title,
        when=service.when(activity, community),
        households=len(joined),
        taken=sum(s.people for s, _ in joined),
        capacity=service.capacity_text(t, activity),
        lines="\n".join(lines),
    )
    return text + (t("eg.act.sheet.cancelled") if activity.cancelled_at is not None else "")


async def cancel(service: ActivityService, uow: UnitOfWork, activity: Activity, now: datetime) -> bool:
    """Cancel the activity: the owner groups are told and the sign-up buttons go; False if it
    was cancelled already."""
    if activity.cancelled_at is not None:
        return False
    activity.cancelled_at = now
    community = await service.community_of(uow, activity)
    t = service.t(community.language)
    text = t("eg.act.cancelled", id=activity.id, title=activity.title, when=service.when(activity, community))
    for chat in await uow.directory.chats_with_role(community.id, "owners"):
        await send_to_chat(
            uow, chat, Outgoing(text=text), now, ref_type="activity_cancel", ref_id=activity.id
        )
    await service.changed(uow, activity, now)
    return True


def reminder_time(activity: Activity, community: Community) -> datetime:
    """The evening before the activity (`REMIND_AT`), in the community's time."""
    tz = ZoneInfo(community.timezone)
    day = activity.starts_at.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day, REMIND_AT, tz)


async def remind(service: ActivityService, uow: UnitOfWork, activity: Activity, now: datetime) -> bool:
    """The day-before reminder, once: each participant privately where the platform writes to
    a person, else one line per group @-mentioning its participants; the stewards get the
    attendance list."""
    if not await uow.engagement.mark_activity(activity, "reminded_at", now):
        return False
    community = await service.community_of(uow, activity)
    t = service.t(community.language)
    when = service.when(activity, community)
    in_groups: dict[int, list[Mention]] = defaultdict(list)
    for signup, member in await uow.engagement.signups(activity.id):
        if signup.state != "joined":
            continue
        if await service.private_chat(uow, member) is not None:
            text = t("eg.act.remind", title=activity.title, when=when, people=signup.people)
            await service.tell(uow, member, signup.chat_id, text, text, now)
        else:
            in_groups[signup.chat_id].append(
                Mention(member.platform_user_id, owner_name(member.display_name))
            )
    for chat_id, mentions in in_groups.items():
        chat = await uow.directory.chat(chat_id)
        if chat is not None and chat.active:
            text = t("eg.act.remind.group", title=activity.title, when=when)
            await send_to_chat(uow, chat, Outgoing(text=text, mentions=tuple(mentions)), now)
    attendance = await sheet(service, uow, activity)
    for chat in await uow.directory.chats_with_role(community.id, "stewards"):
        await send_to_chat(
            uow, chat, Outgoing(text=attendance), now, ref_type="activity_sheet", ref_id=activity.id
        )
    return True


async def ask_feedback(service: ActivityService, uow: UnitOfWork, activity: Activity, now: datetime) -> bool:
    """After the activity, once: the groups where someone took part are asked for a rating
    (1-5 buttons; only participants' presses count)."""
    if not await uow.engagement.mark_activity(activity, "feedback_at", now):
        return False
    community = await service.community_of(uow, activity)
    t = service.t(community.language)
    chats = {s.chat_id for s, _ in await uow.engagement.signups(activity.id) if s.state == "joined"}
    buttons = (tuple(Button("⭐" * n, ActivityRate(activity.id, n).pack()) for n in range(1, 6)),)
    text = t("eg.act.feedback", title=activity.title)
    for chat_id in sorted(chats):
        chat = await uow.directory.chat(chat_id)
        if chat is not None and chat.active:
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, buttons=buttons),
                now,
                ref_type="activity_feedback",
                ref_id=activity.id,
                priority=Priority.BULK,
            )
    return True


async def due_steps(service: ActivityService, uow: UnitOfWork, now: datetime) -> list[tuple[str, int]]:
    """What the tick has to do: ("remind" | "feedback" | "board", activity id)."""
    steps: list[tuple[str, int]] = []
    for activity in await uow.engagement.activities_to_remind(now + timedelta(days=2), now):
        if reminder_time(activity, await service.community_of(uow, activity)) <= now:
            steps.append(("remind", activity.id))
    for activity in await uow.engagement.activities_for_feedback(now - FEEDBACK_AFTER):
        steps.append(("feedback", activity.id))
    steps += [("board", activity_id) for activity_id in await uow.engagement.dirty_boards()]
    return steps


async def run_step(
    service: ActivityService, uow: UnitOfWork, step: str, activity_id: int, now: datetime
) -> bool:
    activity = await uow.engagement.activity(activity_id)
    if activity is None:
        return False
    if step == "remind":
        return await remind(service, uow, activity, now)
    if step == "feedback":
        return await ask_feedback(service, uow, activity, now)
    return bool(await service.refresh(uow, activity, now))
