"""Opening a ticket: number, SLA deadlines, assignment, the audit event, the owner's
acknowledgement and the card in the stewards' group, all in the update's transaction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.events import Button, Mention, Outgoing
from handlers.shared.privacy import mask_text, mask_unit
from handlers.tickets.assignment import choose_assignee
from handlers.tickets.buttons import CardAction
from handlers.tickets.sla import Deadlines, SlaBook
from nlp.classification import Classification
from storage.directory.models import Community, Steward
from storage.directory.repository import account_of
from storage.tickets.models import Ticket

# A building named without a unit: 「C座大堂」, 「5号楼门口」, 「3棟電梯」.
BUILDING_MENTION = re.compile(r"(?<![A-Z0-9])([A-Z]|\d{1,2})\s*(?:座|栋|棟|幢|号楼|號樓|號|号)")
PREFIX = {"repair": "BX", "complaint": "TS", "inquiry": "ZX"}
ICON = {"repair": "🔧", "complaint": "📣", "inquiry": "❓"}
SUMMARY_LIMIT = 500


@dataclass(frozen=True)
class Opened:
    ticket: Ticket
    assignee: Steward | None
    deadlines: Deadlines


def community_tz(community: Community) -> ZoneInfo:
    return ZoneInfo(community.timezone)


def format_duration(ctx: Context, minutes: int) -> str:
    if minutes < 120:
        return ctx.t("dur.minutes", n=minutes)
    if minutes < 48 * 60 or minutes % (24 * 60):
        return ctx.t("dur.hours", n=round(minutes / 60))
    return ctx.t("dur.days", n=minutes // (24 * 60))


def local_time(community: Community, when: datetime | None) -> str:
    if when is None:
        return "-"
    return when.astimezone(community_tz(community)).strftime("%m-%d %H:%M")


def category_label(ctx: Context, code: str | None, kind: str) -> str:
    traditional = ctx.lang.startswith("zh-Hant")
    if code is None:
        return ctx.services.classifier.category_label(kind, traditional)
    return ctx.services.classifier.category_label(code, traditional)


def mention_of(steward: Steward, platform: str) -> Mention | None:
    account = account_of(steward, platform)
    return Mention(account, steward.name) if account else None


def ticket_building(ctx: Context, classification: Classification) -> str | None:
    """The building a report is about: as written, else the owner's registered unit, else
    the group's only building. A building the community does not have is ignored."""
    community, chat, member = ctx.community, ctx.chat, ctx.member
    assert community is not None and chat is not None and member is not None
    unit = classification.unit
    building = unit.building if unit and unit.building else None
    if building is None:
        named = BUILDING_MENTION.search(ctx.incoming.text.upper())
        building = named.group(1) if named else None
    if building is None and member.unit:
        building = member.unit.split("-", 1)[0]
    if building is None and len(chat.buildings) == 1 and chat.buildings[0] != "*":
        building = chat.buildings[0]
    if building is not None and building not in community.buildings:
        building = None  # a typo'd or foreign building must not steer assignment
    return building


async def allocate_number(ctx: Context, kind: str, community: Community) -> str:
    day = ctx.now.astimezone(community_tz(community)).strftime("%Y%m%d")
    prefix = PREFIX[kind]
    serial = await ctx.uow.tickets.next_counter(f"ticket:{prefix}:{day}")
    return f"{prefix}-{day}-{serial:04d}"


async def open_ticket(ctx: Context, classification: Classification, *, kind: str | None = None) -> Opened:
    """Create, assign and announce a ticket for the current owner message."""
    community, chat, member = ctx.community, ctx.chat, ctx.member
    assert community is not None and chat is not None and member is not None
    kind = kind or classification.intent.value
    sla: SlaBook = ctx.services.extras["sla"]
    tz = community_tz(community)
    now = ctx.now
    priority = "urgent" if classification.urgent else "normal"
    unit = classification.unit
    building = ticket_building(ctx, classification)
    deadlines = sla.deadlines(kind, classification.category, priority, now, tz)

    roster = await ctx.uow.directory.roster(community.id)
    counts = await ctx.uow.directory.open_ticket_counts(community.id)
    local = now.astimezone(tz)
    # Nobody on duty who covers it: the ticket stays unassigned, its card offers 「接单」 to
    # any steward, and the supervisors are asked to dispatch it (see post_card).
    assignee = choose_assignee(roster, building, classification.category, local, counts)

    ticket = await ctx.uow.tickets.add(
        Ticket(
            number=await allocate_number(ctx, kind, community),
            community_id=community.id,
            kind=kind,
            category=classification.category,
            priority=priority,
            status="assigned" if assignee else "open",
            building=building,
            unit=(unit.canonical() if unit else member.unit),
            summary=ctx.incoming.text[:SUMMARY_LIMIT],
            owner_member_id=member.id,
            source_chat_id=chat.id,
            source_message_id=ctx.incoming.message_id,
            assignee_id=assignee.id if assignee else None,
            created_at=now,
            updated_at=now,
            respond_due_at=deadlines.respond_due,
            resolve_due_at=deadlines.resolve_due,
            sla_started_at=now,
        )
    )
    await ctx.uow.tickets.record(
        ticket,
        at=now,
        actor=f"member:{member.id}",
        action="opened",
        to_status="open",
        note=f"sla={deadlines.policy} rules={','.join(classification.rules[:8])}",
    )
    if assignee is not None:
        await ctx.uow.tickets.record(
            ticket,
            at=now,
            actor="system",
            action="assigned",
            from_status="open",
            to_status="assigned",
            note=f"{assignee.role}:{assignee.id}",
        )
    await post_card(ctx, ticket, community, assignee, deadlines)
    return Opened(ticket, assignee, deadlines)


def card_text(ctx: Context, ticket: Ticket, community: Community, assignee: Steward | None) -> str:
    title = ctx.t(
        "card.title",
        icon=ICON.get(ticket.kind, "📌"),
        number=ticket.number,
        urgent=ctx.t("card.urgent") if ticket.priority == "urgent" else "",
    )
    owner = ctx.member.display_name if ctx.member and ctx.member.display_name else "-"
    body = ctx.t(
        "card.body",
        category=category_label(ctx, ticket.category, ticket.kind),
        place=mask_unit(ticket.building, ctx.lang) if ticket.building else ctx.t("place.unknown"),
        owner=owner,
        text=mask_text(ticket.summary),
        respond_due=local_time(community, ticket.respond_due_at),
        resolve_due=local_time(community, ticket.resolve_due_at),
    )
    who = ctx.t("card.assignee", name=assignee.name) if assignee else ctx.t("card.unassigned")
    return f"{title}\n{body}\n{who}"


def card_buttons(ctx: Context, ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    """Unassigned: anyone may claim it. Assigned: the assignee accepts, then resolves."""
    if ticket.assignee_id is None:
        return ((Button(ctx.t("btn.claim"), CardAction("claim", ticket.id).pack()),),)
    return (
        (
            Button(ctx.t("btn.accept"), CardAction("accept", ticket.id).pack()),
            Button(ctx.t("btn.resolve"), CardAction("resolve", ticket.id).pack()),
        ),
    )


async def post_card(
    ctx: Context, ticket: Ticket, community: Community, assignee: Steward | None, deadlines: Deadlines
) -> None:
    """The ticket card in every stewards' group of the community, mentioning the assignee;
    urgent tickets and unassigned ones are copied to the supervisors' chat."""
    text = card_text(ctx, ticket, community, assignee)
    buttons = card_buttons(ctx, ticket)
    for chat in await ctx.uow.directory.chats_with_role(community.id, "stewards"):
        mention = mention_of(assignee, chat.platform) if assignee else None
        await ctx.send(
            chat,
            Outgoing(
                text=text,
                buttons=buttons,
                mentions=(mention,) if mention else (),
                urgent=ticket.priority == "urgent",
            ),
            ref_type="ticket_card",
            ref_id=ticket.id,
        )
    if ticket.priority == "urgent" or assignee is None or assignee.role != "steward":
        for chat in await ctx.uow.directory.chats_with_role(community.id, "supervisors"):
            supervisors = await ctx.uow.directory.roster(community.id, "supervisor")
            mentions = tuple(m for m in (mention_of(s, chat.platform) for s in supervisors) if m)
            await ctx.send(
                chat,
                Outgoing(text=text, mentions=mentions, urgent=True),
                ref_type="ticket_card",
                ref_id=ticket.id,
            )


def promise(ctx: Context, deadlines: Deadlines) -> str:
    return ctx.t("promise.respond", duration=format_duration(ctx, deadlines.respond_minutes))


def place_suffix(ctx: Context, ticket: Ticket) -> str:
    return ctx.t("ack.place", place=mask_unit(ticket.building, ctx.lang)) if ticket.building else ""
