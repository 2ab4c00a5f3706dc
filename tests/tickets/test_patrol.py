"""Stewards open work orders (巡查开单) and the rectification ledger (隐患整改台账), through
the local channel: /open, 「开单：…」, 「巡查发现…」, no owner to tell, /hazards, /hazard … done,
the ticket's resolution or cancellation closing the line, and the overdue watch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.events import Photo
from handlers.tickets.hazards import check_hazards
from storage.hazards.models import Hazard
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket, TicketMedia
from tests.harness import Harness

OWNERS, OWNERS_2, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards", "lxy-supervisors"


async def hazards(harness: Harness) -> list[Hazard]:
    async with harness.app.sessions() as session:
        return list((await session.scalars(select(Hazard).order_by(Hazard.id))).all())


async def test_open_in_the_stewards_group_is_a_patrol_ticket_with_no_owner(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    [ticket] = await harness.tickets()
    assert (ticket.source, ticket.kind, ticket.category) == ("patrol", "complaint", "safety_hazard")
    assert ticket.owner_member_id is None
    assert ticket.source_chat_id is None
    assert ticket.building == "3"
    assert ticket.opened_by_id is not None
    assert ticket.assignee_id is not None
    assert ticket.status == "assigned"
    texts = [m.text for m in harness.sent(STEWARDS)]
    card = next(t for t in texts if "巡查开单：王管家" in t)
    assert ticket.number in card
    assert "隐患整改台账" in card
    answer = texts[-1]
    assert answer.startswith(f"✅ 已开单 {ticket.number}")
    assert "已派给王管家" in answer
    assert "整改期限" in answer
    # nobody to acknowledge: no owners' group hears of it
    assert harness.sent(OWNERS) == []
    assert harness.sent(OWNERS_2) == []
    [hazard] = await hazards(harness)
    assert (hazard.ticket_id, hazard.status, hazard.category) == (ticket.id, "open", "safety_hazard")
    assert hazard.due_at - hazard.created_at == timedelta(hours=24)
    assert hazard.responsible_id == ticket.assignee_id
    assert hazard.found_by_id == ticket.opened_by_id
    assert hazard.photo_before is None
    assert hazard.photo_after is None
    actions = [e.action for e in await harness.events(ticket.id)]
    assert actions == ["opened", "assigned", "hazard_listed"]


async def test_kaidan_privately_and_in_traditional(harness: Harness) -> None:
    await harness.say("wang-dm", "wang", "开单：2栋楼道灯不亮", private=True)
    [ticket] = await harness.tickets()
    assert (ticket.source, ticket.kind, ticket.category, ticket.building) == (
        "patrol",
        "repair",
        "public_facility",
        "2",
    )
    assert await hazards(harness) == []  # a dark corridor is a repair, not a hazard class
    assert harness.sent("wang-dm")[-1].text.startswith(f"✅ 已开单 {ticket.number}")
    assert "隐患" not in harness.sent("wang-dm")[-1].text

    await harness.say("hbhy-stewards", "ho", "開單：B座後樓梯堆滿雜物，阻塞走火通道")
    second = (await harness.tickets())[-1]
    assert (second.source, second.category, second.building) == ("patrol", "safety_hazard", "B")
    reply = harness.sent("hbhy-stewards")[-1].text
    assert f"已開單 {second.number}" in reply
    assert "隱患整改台賬" in reply


async def test_a_patrol_phrase_and_a_problem_open_one_and_chatter_does_not(harness: Harness) -> None:
    for chatter in ("今天巡查一切正常", "巡查发现大家都很配合，辛苦了", "晚上一起吃饭吗", "收到"):
        await harness.say(STEWARDS, "wang", chatter)
    assert await harness.tickets() == []
    await harness.say(STEWARDS, "liu", "巡查发现2栋消防通道堆满杂物")
    [ticket] = await harness.tickets()
    assert (ticket.source, ticket.category, ticket.building) == ("patrol", "safety_hazard", "2")
    assert ticket.summary == "2栋消防通道堆满杂物"
    # the patrol phrase counts in the stewards' group only: privately it takes 开单
    await harness.say("liu-dm", "liu", "巡查发现5栋电梯按钮坏了", private=True)
    assert len(await harness.tickets()) == 1


async def test_owners_cannot_open_work_orders_or_see_the_ledger(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    await harness.say(OWNERS, "u-zhang", "/open 3栋 消防通道堆满杂物")
    assert "仅限物业工作人员" in harness.sent(OWNERS)[-1].text
    await harness.say(OWNERS, "u-zhang", "/hazards")
    assert "仅限物业工作人员" in harness.sent(OWNERS)[-1].text
    assert not any("隐患" in m.text for m in harness.sent(OWNERS))
    [patrolled] = [t for t in await harness.tickets() if t.source == "patrol"]
    # an owner's 「开单：…」 in their group is an owner's report like any other
    await harness.say(OWNERS_2, "u-li", "开单：5栋电梯坏了，麻烦来修")
    owners = [t for t in await harness.tickets() if t.source is None]
    assert len(owners) == 1
    assert owners[0].owner_member_id is not None
    assert owners[0].id != patrolled.id


async def test_open_elsewhere_or_empty_is_explained(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open")
    assert "用法" in harness.sent(STEWARDS)[-1].text
    await harness.say(SUPERVISORS, "li", "/open 3栋 消防通道堆满杂物")
    assert "请在管家工作群或私聊中开单" in harness.sent(SUPERVISORS)[-1].text
    assert await harness.tickets() == []


async def test_hazards_lists_the_communitys_open_ones_and_hazard_done_closes(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    await harness.say(STEWARDS, "wang", "/open 1栋 配电箱门开着，电线裸露")
    first, second = await harness.tickets()
    assert second.category == "electrical"
    await harness.say(STEWARDS, "wang", "/hazards")
    listing = harness.sent(STEWARDS)[-1].text
    assert "未整改 2 项" in listing
    assert first.number in listing
    assert second.number in listing
    assert "责任人 王管家" in listing
    await harness.say("hbhy-stewards", "ho", "/hazards")  # another community's staff
    assert "冇未整改" in harness.sent("hbhy-stewards")[-1].text

    await harness.say(STEWARDS, "wang", f"/hazard {first.number} done 杂物已清走")
    assert harness.sent(STEWARDS)[-1].text == f"✅ 隐患 {first.number} 已整改销项。"
    assert any(
        f"隐患 {first.number} 已整改销项（王管家）：杂物已清走" in m.text for m in harness.sent(STEWARDS)
    )
    first = next(t for t in await harness.tickets() if t.id == first.id)
    assert first.status == "closed"  # no owner to rate it: closed at once
    assert first.rating_requested_at is None
    done = next(h for h in await hazards(harness) if h.ticket_id == first.id)
    assert (done.status, done.note) == ("done", "杂物已清走")
    assert done.closed_at is not None
    assert done.closed_by is not None
    await harness.say(STEWARDS, "wang", f"/hazard {first.number} done")
    assert "已经销项" in harness.sent(STEWARDS)[-1].text
    await harness.say(STEWARDS, "wang", "/hazards")
    assert "未整改 1 项" in harness.sent(STEWARDS)[-1].text
    actions = [e.action for e in await harness.events(first.id)]
    assert actions[-3:] == ["resolved", "hazard_done", "closed"]
    assert harness.sent(OWNERS) == []


async def test_a_photographed_find_keeps_its_photo_before_and_the_rectified_one_after(
    harness: Harness,
) -> None:
    """A photo captioned 「开单：…」 is the ledger line's photo before (and the ticket's); the
    photo sent with `/hazard … done` is its photo after."""
    before, after = Photo("AgAC-before", "AQAD-before"), Photo("AgAC-after", "AQAD-after")
    await harness.say(STEWARDS, "wang", "开单：3栋消防通道堆满杂物", photos=(before,))
    [ticket] = await harness.tickets()
    [line] = await hazards(harness)
    assert (line.ticket_id, line.photo_before, line.photo_after) == (ticket.id, "AgAC-before", None)
    await harness.say(STEWARDS, "wang", f"/hazard {ticket.number} done 已清走", photos=(after,))
    [line] = await hazards(harness)
    assert (line.status, line.photo_before, line.photo_after) == ("done", "AgAC-before", "AgAC-after")
    async with harness.app.sessions() as session:
        kept = (await session.scalars(select(TicketMedia).order_by(TicketMedia.id))).all()
    assert [(m.stage, m.file_id) for m in kept] == [("before", "AgAC-before"), ("after", "AgAC-after")]
    await harness.say(STEWARDS, "wang", f"/ticket {ticket.number}")
    assert "维修前 1" in harness.sent(STEWARDS)[-1].text


async def test_resolving_or_cancelling_the_ticket_closes_the_line(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    await harness.say(STEWARDS, "wang", "/open 2栋 消防栓箱玻璃破了")
    first, second = await harness.tickets()
    await harness.say(STEWARDS, "wang", f"/resolve {first.number} 已清理")
    await harness.say(SUPERVISORS, "li", f"/cancel {second.number} 重复开单")
    by_ticket = {h.ticket_id: h.status for h in await hazards(harness)}
    assert by_ticket == {first.id: "done", second.id: "cancelled"}
    first = next(t for t in await harness.tickets() if t.id == first.id)
    assert first.status == "closed"
    # nothing asked of an owner: no rating request anywhere
    outbox = await harness.outbox()
    assert not [row for row in outbox if row.ref_type == "rating_request"]


async def test_an_overdue_hazard_is_escalated_to_the_supervisors_once(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    [ticket] = await harness.tickets()
    runtime = harness.app.runtime
    harness.clock.advance(timedelta(hours=23, minutes=59))
    assert await check_hazards(runtime) == 0
    harness.clock.advance(timedelta(minutes=1))
    assert await check_hazards(runtime) == 1
    assert await check_hazards(runtime) == 0  # the job running again tells nobody twice
    await harness.app.sender.drain()
    [told] = [m for m in harness.sent(SUPERVISORS) if "隐患整改逾期" in m.text]
    assert ticket.number in told.text
    assert "责任人：王管家" in told.text
    assert [m.user_id for m in told.out.mentions] == ["li"]
    [hazard] = await hazards(harness)
    assert hazard.escalated_at is not None
    assert hazard.status == "open"
    await harness.say(STEWARDS, "wang", "/hazards")
    assert "⏰已逾期" in harness.sent(STEWARDS)[-1].text
    async with harness.app.sessions() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.ref_type == "hazard_overdue"))
        ).all()
    assert len(rows) == 1
    assert "hazard_overdue" in [e.action for e in await harness.events(ticket.id)]


async def test_a_patrol_found_contamination_runs_on_the_30_minute_clock(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "巡查发现3栋大堂有一滩呕吐物")
    [ticket] = await harness.tickets()
    assert (ticket.source, ticket.category) == ("patrol", "contamination")
    assert ticket.respond_due_at is not None
    assert ticket.respond_due_at - ticket.created_at == timedelta(minutes=30)
    assert await hazards(harness) == []
    assert isinstance(ticket, Ticket)


async def test_the_stewards_help_names_open_and_the_ledger(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/help")
    help_text = harness.sent(STEWARDS)[-1].text
    assert "/open 3栋 消防通道堆满杂物" in help_text
    assert "/hazards" in help_text


async def test_not_a_ticket_on_a_patrol_card_cancels_its_line(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    [ticket] = await harness.tickets()
    card = next(m for m in harness.sent(STEWARDS) if m.outgoing and m.out.buttons and ticket.number in m.text)
    await harness.press(STEWARDS, card, f"tk:none:{ticket.id}", "wang")
    [ticket] = await harness.tickets()
    assert ticket.status == "cancelled"
    [hazard] = await hazards(harness)
    assert hazard.status == "cancelled"


async def test_a_patrol_phrase_replying_to_a_card_is_a_progress_note(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/open 3栋 消防通道堆满杂物")
    [ticket] = await harness.tickets()
    card = next(m for m in harness.sent(STEWARDS) if m.outgoing and m.out.buttons and ticket.number in m.text)
    await harness.say(STEWARDS, "wang", "巡查发现楼梯口还有两袋垃圾，一并清理", reply_to=card.message_id)
    assert len(await harness.tickets()) == 1
    assert "note" in [e.action for e in await harness.events(ticket.id)]
