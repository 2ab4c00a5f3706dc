"""Stewards work tickets from chat; owners follow them.

Staff: buttons on the ticket card (接单 / 已解决), a reply to a card (a progress note), and
/accept /progress /resolve /transfer /assign /cancel. Owners: /my and /ticket, and the
rating buttons after a resolution (回访). Every step is one short line to the owner's group.
"""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import Button, MessageKind, Outgoing
from bot.core.roles import Role
from bot.core.router import Router
from handlers.shared.privacy import mask_text, mask_unit
from handlers.tickets import lifecycle
from handlers.tickets.buttons import CardAction, RatingPress
from handlers.tickets.opening import category_label, local_time, mention_of
from storage.directory.models import Steward
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE, TicketStatus

router = Router(name="tickets")

NUMBER = re.compile(r"^(BX|TS|ZX)-\d{8}-\d{4}$", re.IGNORECASE)
RATINGS = ("非常满意", "满意", "一般", "不满意")
UNHAPPY = "不满意"
UNHAPPY_DEADLINE_MINUTES = 120

TEXTS_HANS = {
    "t.owner.accepted": "工单 {number} 已由{name}受理，正在处理。",
    "t.owner.progress": "工单 {number} 进度：{note}",
    "t.owner.resolved": "工单 {number} 已处理完毕：{note}\n请您对本次服务进行评价：",
    "t.owner.cancelled": "工单 {number} 已取消：{note}",
    "t.owner.merged": "已有 {n} 位业主反映此问题，已合并处理（工单 {number}），处理完毕会通知您。",
    "t.owner.merged_resolved": "您反映的问题（工单 {number}）已处理完毕：{note}",
    "t.owner.again": "您已反映过此问题（工单 {number}），我们正在处理。",
    "t.staff.accepted": "✅ {name} 已接单 {number}",
    "t.staff.claimed": "✅ {name} 抢单成功 {number}",
    "t.staff.claim_lost": "手慢了，{number} 已由{name}接单。",
    "t.staff.note": "📝 {number} 进度（{name}）：{note}",
    "t.staff.resolved": "🏁 {number} 已办结（{name}）：{note}",
    "t.staff.transferred": "🔁 {number} 已由{from_name}转派给{to_name}，请接单。",
    "t.staff.assigned": "👉 {number} 已派给{to_name}，请接单。",
    "t.staff.cancelled": "🚫 {number} 已取消（{name}）：{note}",
    "t.staff.merged": "➕ {number} 又有业主反映（共 {n} 位）。",
    "t.staff.chased": "⏳ 业主催办 {number}，请尽快处理并回复业主。",
    "t.answer.ok": "已记录",
    "t.rating.thanks": "感谢您的评价「{rating}」！工单 {number} 已归档。",
    "t.rating.unhappy": "抱歉让您不满意，工单 {number} 已重新打开，主管将在2小时内跟进。",
    "t.rating.alert": "⚠️ 业主对工单 {number} 的处理「不满意」，已重新打开，请在2小时内跟进（{deadline}前）。",
    "t.rating.not_yours": "只有提交工单的业主可以评价。",
    "t.rating.closed": "该工单已评价或已归档。",
    "t.my.none": "您目前没有工单。",
    "t.my.title": "您的工单：",
    "t.my.staff_title": "您负责的未完成工单：",
    "t.my.line": "{number}｜{category}｜{status}",
    "t.ticket.head": "工单 {number}（{category}·{place}）\n状态：{status}　责任人：{assignee}",
    "t.ticket.event": "{at} {action}{note}",
    "t.resolved_default": "已处理",
    "err.bad_transition": "工单 {number} 当前为「{status}」，不能改为「{target}」。",
    "err.no_ticket": "找不到工单 {number}。",
    "err.not_your_ticket": "您只能查看自己的工单。",
    "err.not_assignee": "该工单由{name}负责，请由负责人或主管操作。",
    "err.no_person": "找不到管家「{name}」。",
    "err.staff_chat": "请在管家工作群或私聊中操作工单。",
}

TEXTS_HANT = {
    "t.owner.merged": "已有 {n} 位業主反映呢個問題，已合併處理（工單 {number}），處理好會通知你。",
    "t.my.none": "你而家冇工單。",
    "t.my.title": "你嘅工單：",
    "t.rating.thanks": "多謝你嘅評價「{rating}」！工單 {number} 已歸檔。",
    "t.rating.unhappy": "唔好意思令你唔滿意，工單 {number} 已重新開啟，主管會喺2小時內跟進。",
}

ACTION_LABELS = {
    "opened": "受理",
    "assigned": "派单",
    "claimed": "抢单",
    "accepted": "接单",
    "note": "进度",
    "resolved": "办结",
    "transferred": "转派",
    "cancelled": "取消",
    "rated": "评价",
    "reopened": "重新打开",
    "closed": "归档",
    "merged": "合并反映",
    "chased": "业主催办",
    "sla_reminder": "时限提醒",
    "sla_breach": "超时升级",
    "sla_manager": "超时升级（经理）",
    "auto_closed": "超时未评价归档",
}


# -- lookups and checks ------------------------------------------------------------------
async def load_ticket(ctx: Context, number: str) -> Ticket:
    if not NUMBER.match(number):
        raise DomainError("err.no_ticket", number=number[:32])
    ticket = await ctx.uow.tickets.by_number(number)
    if ticket is None or (ctx.community is not None and ticket.community_id != ctx.community.id):
        raise DomainError("err.no_ticket", number=number.upper())
    return ticket


async def ticket_by_id(ctx: Context, ticket_id: int) -> Ticket:
    ticket = await ctx.uow.tickets.get(ticket_id)
    if ticket is None:
        raise DomainError("err.stale_button")
    return ticket


def require_staff_on(ctx: Context, ticket: Ticket) -> Steward:
    """Staff of the ticket's community (admins act as anyone)."""
    ctx.require(Role.STEWARD)
    if ctx.steward is None:
        if ctx.role is Role.ADMIN:
            raise DomainError("err.forbidden")  # an admin is not on a roster: cannot own tickets
        raise DomainError("err.forbidden")
    if ctx.steward.community_id != ticket.community_id:
        raise DomainError("err.forbidden")
    return ctx.steward


async def require_owner_or_supervisor(ctx: Context, ticket: Ticket, steward: Steward) -> None:
    """Only the ticket's assignee (or a supervisor) works an assigned ticket; the refusal names the assignee."""
    if ticket.assignee_id in (None, steward.id) or ctx.role.rank >= Role.SUPERVISOR.rank:
        return
    assignee = await ctx.uow.directory.steward(ticket.assignee_id)
    name = assignee.name if assignee is not None else ctx.t("place.unknown")
    raise DomainError("err.not_assignee", name=name)


async def move(
    ctx: Context, ticket: Ticket, target: TicketStatus, action: str, note: str | None = None
) -> None:
    """A state change by the person behind this update, through the one state machine."""
    await lifecycle.transition(
        ctx.uow.tickets, ticket, target, actor=actor(ctx), at=ctx.now, action=action, note=note
    )


def actor(ctx: Context) -> str:
    if ctx.steward is not None:
        return f"steward:{ctx.steward.id}"
    return f"member:{ctx.member.id}" if ctx.member else "system"


def args_of(ctx: Context) -> list[str]:
    parsed = ctx.incoming.command
    return parsed[1] if parsed else []


# -- telling people ------------------------------------------------------------------------
async def tell_owner(ctx: Context, ticket: Ticket, text: str, **extra: object) -> None:
    """One short line in the owner's group, threaded under their report."""
    if ticket.source_chat_id is None:
        return
    chat = await ctx.uow.directory.chat(ticket.source_chat_id)
    if chat is None or not chat.active:
        return
    buttons = extra.pop("buttons", ())
    await ctx.send(
        chat,
        Outgoing(text=text, reply_to=ticket.source_message_id, buttons=buttons),  # type: ignore[arg-type]
        ref_type=str(extra.get("ref_type", "ticket_update")),
        ref_id=ticket.id,
    )


async def tell_staff(ctx: Context, ticket: Ticket, text: str, *, mention: Steward | None = None) -> None:
    for chat in await ctx.uow.directory.chats_with_role(ticket.community_id, "stewards"):
        who = mention_of(mention, chat.platform) if mention else None
        await ctx.send(chat, Outgoing(text=text, mentions=(who,) if who else ()))


async def answer(ctx: Context, key: str, **values: object) -> None:
    """The short answer to a button press (a toast on Telegram)."""
    if ctx.incoming.kind is not MessageKind.CALLBACK:
        return
    await ctx.answer(ctx.t(key, **values))


def rating_buttons(ticket: Ticket) -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button(label, RatingPress(ticket.id, i).pack()) for i, label in enumerate(RATINGS)),)


# -- the steps ---------------------------------------------------------------------------------
async def accept(ctx: Context, ticket: Ticket) -> None:
    steward = require_staff_on(ctx, ticket)
    await require_owner_or_supervisor(ctx, ticket, steward)
    if ticket.assignee_id is None:
        ticket.assignee_id = steward.id
    await move(ctx, ticket, TicketStatus.IN_PROGRESS, "accepted")
    if ticket.first_response_at is None:
        ticket.first_response_at = ctx.now
    await tell_staff(ctx, ticket, ctx.t("t.staff.accepted", name=steward.name, number=ticket.number))
    await tell_owner(ctx, ticket, ctx.t("t.owner.accepted", number=ticket.number, name=steward.name))
    await answer(ctx, "t.answer.ok")


async def add_note(ctx: Context, ticket: Ticket, note: str) -> None:
    steward = require_staff_on(ctx, ticket)
    await require_owner_or_supervisor(ctx, ticket, steward)
    if ticket.status not in ACTIVE:
        raise lifecycle.refusal(ticket, TicketStatus.IN_PROGRESS)
    if ticket.status in (TicketStatus.ASSIGNED, TicketStatus.REOPENED):
        await accept(ctx, ticket)
    note = note.strip()[:500]
    await ctx.uow.tickets.record(ticket, at=ctx.now, actor=actor(ctx), action="note", note=note)
    ticket.updated_at = ctx.now
    await tell_staff(ctx, ticket, ctx.t("t.staff.note", number=ticket.number, name=steward.name, note=note))
    await tell_owner(ctx, ticket, ctx.t("t.owner.progress", number=ticket.number, note=mask_text(note)))


async def resolve(ctx: Context, ticket: Ticket, note: str) -> None:
    steward = require_staff_on(ctx, ticket)
    await require_owner_or_supervisor(ctx, ticket, steward)
    note = (note.strip() or ctx.t("t.resolved_default"))[:500]
    if ticket.first_response_at is None:
        ticket.first_response_at = ctx.now
    await move(ctx, ticket, TicketStatus.RESOLVED, "resolved", note)
    ticket.rating_requested_at = ctx.now
    await tell_staff(
        ctx, ticket, ctx.t("t.staff.resolved", number=ticket.number, name=steward.name, note=note)
    )
    await tell_owner(
        ctx,
        ticket,
        ctx.t("t.owner.resolved", number=ticket.number, note=mask_text(note)),
        buttons=rating_buttons(ticket),
        ref_type="rating_request",
    )
    for follower in await ctx.uow.tickets.followers(ticket.id):
        chat = await ctx.uow.directory.chat(follower.chat_id)
        if chat is not None and chat.active:
            await ctx.send(
                chat,
                Outgoing(
                    text=ctx.t("t.owner.merged_resolved", number=ticket.number, note=mask_text(note)),
                    reply_to=follower.source_message_id,
                ),
            )
    await answer(ctx, "t.answer.ok")


async def reassign(ctx: Context, ticket: Ticket, name: str, *, transfer: bool) -> None:
    steward = require_staff_on(ctx, ticket)
    if not transfer:
        ctx.require(Role.SUPERVISOR)
    else:
        await require_owner_or_supervisor(ctx, ticket, steward)
    target = await ctx.uow.directory.steward_by_name(ticket.community_id, name.lstrip("@"))
    if target is None or not target.active:
        raise DomainError("err.no_person", name=name[:32])
    previous = await ctx.uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
    ticket.assignee_id = target.id
    if ticket.status in (TicketStatus.OPEN, TicketStatus.REOPENED):
        await move(ctx, ticket, TicketStatus.ASSIGNED, "assigned", f"{target.role}:{target.id}")
    elif ticket.status == TicketStatus.IN_PROGRESS:
        # The new owner has not accepted yet: back to assigned is not a legal move, so the
        # ticket stays in progress and the transfer is recorded as such.
        await ctx.uow.tickets.record(
            ticket, at=ctx.now, actor=actor(ctx), action="transferred", note=f"{target.role}:{target.id}"
        )
    elif ticket.status == TicketStatus.ASSIGNED:
        await ctx.uow.tickets.record(
            ticket, at=ctx.now, actor=actor(ctx), action="transferred", note=f"{target.role}:{target.id}"
        )
    else:
        raise lifecycle.refusal(ticket, TicketStatus.ASSIGNED)
    ticket.updated_at = ctx.now
    key = "t.staff.transferred" if transfer and previous else "t.staff.assigned"
    from_name = previous.name if previous else steward.name
    await tell_staff(
        ctx,
        ticket,
        ctx.t(key, number=ticket.number, from_name=from_name, to_name=target.name),
        mention=target,
    )


async def cancel(ctx: Context, ticket: Ticket, note: str) -> None:
    steward = require_staff_on(ctx, ticket)
    ctx.require(Role.SUPERVISOR)
    note = note.strip()[:500] or "-"
    await move(ctx, ticket, TicketStatus.CANCELLED, "cancelled", note)
    await tell_staff(
        ctx, ticket, ctx.t("t.staff.cancelled", number=ticket.number, name=steward.name, note=note)
    )
    await tell_owner(ctx, ticket, ctx.t("t.owner.cancelled", number=ticket.number, note=mask_text(note)))


# -- commands ----------------------------------------------------------------------------------
async def _numbered(ctx: Context, usage: str, min_args: int = 1) -> tuple[Ticket, list[str]]:
    args = args_of(ctx)
    if len(args) < min_args:
        raise DomainError("err.usage", usage=usage)
    return await load_ticket(ctx, args[0]), args[1:]


@router.command("accept")
async def accept_command(ctx: Context) -> None:
    ticket, _ = await _numbered(ctx, "/accept 工单号")
    await accept(ctx, ticket)


@router.command("progress", "note")
async def progress_command(ctx: Context) -> None:
    ticket, rest = await _numbered(ctx, "/progress 工单号 进度说明", 2)
    await add_note(ctx, ticket, " ".join(rest))


@router.command("resolve", "done")
async def resolve_command(ctx: Context) -> None:
    ticket, rest = await _numbered(ctx, "/resolve 工单号 处理结果")
    await resolve(ctx, ticket, " ".join(rest))


@router.command("transfer")
async def transfer_command(ctx: Context) -> None:
    ticket, rest = await _numbered(ctx, "/transfer 工单号 @管家", 2)
    await reassign(ctx, ticket, rest[0], transfer=True)


@router.command("assign")
async def assign_command(ctx: Context) -> None:
    ticket, rest = await _numbered(ctx, "/assign 工单号 @管家", 2)
    await reassign(ctx, ticket, rest[0], transfer=False)


@router.command("cancel")
async def cancel_command(ctx: Context) -> None:
    ticket, rest = await _numbered(ctx, "/cancel 工单号 原因")
    await cancel(ctx, ticket, " ".join(rest))


@router.command("my", "我的工单", "我嘅工單", "我的工單")
async def my_command(ctx: Context) -> None:
    if ctx.role.is_staff and ctx.steward is not None:
        tickets = [
            t
            for t in await ctx.uow.tickets.by_community(ctx.steward.community_id, assignee_id=ctx.steward.id)
            if t.status in ACTIVE
        ]
        title = ctx.t("t.my.staff_title")
    else:
        tickets = list(await ctx.uow.tickets.visible_to_owner(ctx.member.id)) if ctx.member else []
        title = ctx.t("t.my.title")
    if not tickets:
        await ctx.reply(ctx.t("t.my.none"))
        return
    lines = [
        ctx.t(
            "t.my.line",
            number=t.number,
            category=category_label(ctx, t.category, t.kind),
            status=ctx.services.texts.convert(lifecycle.label(t.status), ctx.lang),
        )
        for t in tickets[:10]
    ]
    await ctx.reply("\n".join([title, *lines]))


@router.command("ticket", "工单", "工單")
async def ticket_command(ctx: Context) -> None:
    args = args_of(ctx)
    if not args:
        raise DomainError("err.usage", usage="/ticket 工单号")
    ticket = await ctx.uow.tickets.by_number(args[0]) if NUMBER.match(args[0]) else None
    if ticket is None:
        raise DomainError("err.no_ticket", number=args[0][:32].upper())
    staff_here = ctx.steward is not None and ctx.steward.community_id == ticket.community_id
    is_owner = ctx.member is not None and (
        ticket.owner_member_id == ctx.member.id or await ctx.uow.tickets.is_follower(ticket.id, ctx.member.id)
    )
    if not (staff_here or is_owner or ctx.role is Role.ADMIN):
        raise DomainError("err.not_your_ticket")
    community = await ctx.uow.directory.community(ticket.community_id)
    assert community is not None
    assignee = await ctx.uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
    head = ctx.t(
        "t.ticket.head",
        number=ticket.number,
        category=category_label(ctx, ticket.category, ticket.kind),
        place=mask_unit(ticket.building, ctx.lang),
        status=ctx.services.texts.convert(lifecycle.label(ticket.status), ctx.lang),
        assignee=assignee.name if assignee else "-",
    )
    lines = [head]
    for event in await ctx.uow.tickets.events(ticket.id):
        if event.action.startswith("sla_") and not staff_here:
            continue  # escalations are internal
        label = ctx.services.texts.convert(ACTION_LABELS.get(event.action, event.action), ctx.lang)
        note = ""
        if event.action in ("note", "resolved", "cancelled", "rated") and event.note:
            note = "：" + mask_text(event.note)
        lines.append(ctx.t("t.ticket.event", at=local_time(community, event.at), action=label, note=note))
    await ctx.reply("\n".join(lines))


# -- buttons ----------------------------------------------------------------------------------
@router.callback(CardAction)
async def card_button(ctx: Context, press: CardAction) -> None:
    ticket = await ticket_by_id(ctx, press.ticket_id)
    if press.action == "claim":
        await claim(ctx, ticket)
    elif press.action == "accept":
        await accept(ctx, ticket)
    else:
        await resolve(ctx, ticket, "")


async def claim(ctx: Context, ticket: Ticket) -> None:
    """First steward to press 「接单」 on an unassigned card gets it; the database decides."""
    steward = require_staff_on(ctx, ticket)
    claimed = await lifecycle.claim(
        ctx.uow.tickets, ticket, steward.id, actor=actor(ctx), at=ctx.now, note=f"{steward.role}:{steward.id}"
    )
    if not claimed:
        holder = await ctx.uow.directory.steward(ticket.assignee_id) if ticket.assignee_id else None
        await answer(ctx, "t.staff.claim_lost", number=ticket.number, name=holder.name if holder else "-")
        return
    await tell_staff(ctx, ticket, ctx.t("t.staff.claimed", name=steward.name, number=ticket.number))
    await accept(ctx, ticket)


@router.callback(RatingPress)
async def rate_button(ctx: Context, press: RatingPress) -> None:
    if press.choice >= len(RATINGS):
        raise DomainError("err.stale_button")
    ticket = await ticket_by_id(ctx, press.ticket_id)
    if ctx.member is None or ticket.owner_member_id != ctx.member.id:
        await answer(ctx, "t.rating.not_yours")
        return
    if ticket.status != TicketStatus.RESOLVED:
        await answer(ctx, "t.rating.closed")
        return
    rating = RATINGS[press.choice]
    ticket.rating = rating
    await ctx.uow.tickets.record(ticket, at=ctx.now, actor=actor(ctx), action="rated", note=rating)
    if rating == UNHAPPY:
        await reopen_unhappy(ctx, ticket)
        return
    await move(ctx, ticket, TicketStatus.CLOSED, "closed")
    await tell_owner(
        ctx,
        ticket,
        ctx.t("t.rating.thanks", rating=ctx.services.texts.convert(rating, ctx.lang), number=ticket.number),
    )
    await answer(ctx, "t.answer.ok")


async def reopen_unhappy(ctx: Context, ticket: Ticket) -> None:
    """「不满意」: reopened with a two-hour deadline and the supervisors alerted."""
    from datetime import timedelta

    community = await ctx.uow.directory.community(ticket.community_id)
    assert community is not None
    await move(ctx, ticket, TicketStatus.REOPENED, "reopened", UNHAPPY)
    ticket.sla_started_at = ctx.now
    ticket.respond_due_at = ctx.now + timedelta(minutes=UNHAPPY_DEADLINE_MINUTES)
    ticket.resolve_due_at = ctx.now + timedelta(minutes=UNHAPPY_DEADLINE_MINUTES)
    ticket.resolved_at = None
    ticket.rating_requested_at = None
    await tell_owner(ctx, ticket, ctx.t("t.rating.unhappy", number=ticket.number))
    supervisors = await ctx.uow.directory.roster(ticket.community_id, "supervisor")
    deadline = local_time(community, ticket.resolve_due_at)
    for chat in await ctx.uow.directory.chats_with_role(ticket.community_id, "supervisors"):
        mentions = tuple(m for m in (mention_of(s, chat.platform) for s in supervisors) if m)
        await ctx.send(
            chat,
            Outgoing(
                text=ctx.t("t.rating.alert", number=ticket.number, deadline=deadline), mentions=mentions
            ),
        )
    await answer(ctx, "t.answer.ok")


# -- a reply to a ticket card is a progress note ---------------------------------------------
@router.on(MessageKind.TEXT)
async def reply_to_card(ctx: Context) -> None:
    incoming = ctx.incoming
    if ctx.chat_role != "stewards" or not incoming.reply_to or not ctx.role.is_staff:
        return
    row = await ctx.uow.outbox.find_ref(incoming.platform, incoming.chat_id, incoming.reply_to)
    if row is None or row.ref_type != "ticket_card" or row.ref_id is None:
        return
    ticket = await ctx.uow.tickets.get(row.ref_id)
    if ticket is None or not incoming.text.strip():
        return
    ctx.stop = True  # consumed: not an owner message for intake
    await add_note(ctx, ticket, incoming.text)
