"""100 % 回访 (issue 21, item 5): one reminder before an unrated ticket closes, then the
stewards' call list (/callbacks) and the call's outcome recorded by a button; merged
reporters are asked for their rating too."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers.reports.figures import callback_rate
from handlers.reports.files import summary_rows
from handlers.reports.gather import gather_report
from handlers.reports.period import Period
from handlers.tickets.jobs import check_sla
from handlers.tickets.sla import PolicyError, SlaBook
from storage.tickets.models import Ticket, TicketCallback
from tests.harness import Harness
from tests.tickets.test_flow import press, report

OWNERS, OWNERS2, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards", "lxy-supervisors"
BOOK = SlaBook.load()


async def callbacks(harness: Harness) -> list[TicketCallback]:
    async with harness.app.sessions() as session:
        return list((await session.scalars(select(TicketCallback).order_by(TicketCallback.id))).all())


def toast(harness: Harness, chat: str) -> str:
    answer = harness.channel.toasts(chat)[-1].out.answer
    assert answer is not None
    return answer.text


async def resolved_unrated(harness: Harness) -> str:
    """A ticket resolved by 王管家 and left unrated past the close; its number."""
    ticket = await report(harness)
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 已换水管")
    harness.clock.advance(timedelta(days=3))
    await check_sla(harness.app.runtime, BOOK)
    await harness.app.sender.drain()
    return ticket.number


def test_the_rating_clock_is_configured() -> None:
    assert (BOOK.rating.wait, BOOK.rating.remind_before) == (timedelta(hours=72), timedelta(hours=24))
    book = SlaBook.from_mapping(
        {
            "policy": [{"name": "repair", "kind": "repair", "respond": 30, "resolve": 60}],
            "rating": {"close_after_hours": 48, "remind_before_hours": 6},
        }
    )
    assert book.rating.remind_at == timedelta(hours=42)
    with pytest.raises(PolicyError, match="rating"):
        SlaBook.from_mapping(
            {
                "policy": [{"name": "repair", "kind": "repair", "respond": 30, "resolve": 60}],
                "rating": {"close_after_hours": 0},
            }
        )


async def test_the_owner_is_reminded_once_a_day_before_the_close(harness: Harness) -> None:
    ticket = await report(harness)
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 已换水管")
    asked = len(harness.sent(OWNERS))
    harness.clock.advance(timedelta(hours=47))
    await check_sla(harness.app.runtime, BOOK)
    await harness.app.sender.drain()
    assert len(harness.sent(OWNERS)) == asked  # not yet
    harness.clock.advance(timedelta(hours=1))
    await check_sla(harness.app.runtime, BOOK)
    await harness.app.sender.drain()
    reminder = harness.sent(OWNERS)[-1]
    assert "还没收到您的评价" in reminder.text
    assert ticket.number in reminder.text
    assert next(b.data for b in reminder.out.buttons[0]) == f"rate:{ticket.id}:0"
    harness.clock.advance(timedelta(hours=5))
    await check_sla(harness.app.runtime, BOOK)
    await harness.app.sender.drain()
    assert len(harness.sent(OWNERS)) == asked + 1  # once
    # The owner rates from the reminder: closed, rated, nothing for the call list.
    await press(harness, OWNERS, f"rate:{ticket.id}:1", "u-zhang")
    harness.clock.advance(timedelta(days=2))
    await check_sla(harness.app.runtime, BOOK)
    [ticket] = await harness.tickets()
    assert (ticket.status, ticket.rating) == ("closed", "满意")
    assert await callbacks(harness) == []


async def test_an_unrated_ticket_goes_on_the_call_list_and_a_call_is_recorded(harness: Harness) -> None:
    number = await resolved_unrated(harness)
    [ticket] = await harness.tickets()
    assert (ticket.status, ticket.rating) == ("closed", None)
    [due] = await callbacks(harness)
    assert (due.ticket_id, due.outcome, due.done_at) == (ticket.id, None, None)

    await harness.say(STEWARDS, "liu", "/callbacks")
    listing = harness.sent(STEWARDS)[-1]
    assert "待回访工单 1 张" in listing.text
    assert number in listing.text
    assert "张**" in listing.text  # the owner's name, masked
    assert "1302" not in listing.text  # no unit

    # Not reached: still on the list, the attempt counted.
    await press(harness, STEWARDS, f"cb:not_reached:{due.id}:", "liu")
    assert "未接通" in harness.sent(STEWARDS)[-1].text
    await harness.say(STEWARDS, "liu", "/callbacks")
    assert "已拨打 1 次未接通" in harness.sent(STEWARDS)[-1].text
    # Reached, rated 「满意」 by phone: the ticket's rating, off the list.
    await press(harness, STEWARDS, f"cb:reached:{due.id}:1", "liu")
    assert "已接通" in harness.sent(STEWARDS)[-1].text
    assert "满意" in harness.sent(STEWARDS)[-1].text
    [due] = await callbacks(harness)
    assert (due.outcome, due.rating, due.attempts) == ("reached", "满意", 2)
    assert due.called_by is not None
    assert due.called_by.startswith("steward:")
    [ticket] = await harness.tickets()
    assert ticket.rating == "满意"
    actions = [(e.action, e.note) for e in await harness.events(ticket.id)]
    assert ("callback", "not_reached") in actions
    assert ("callback", "reached:满意") in actions
    await harness.say(STEWARDS, "liu", "/callbacks")
    assert "没有待回访" in harness.sent(STEWARDS)[-1].text
    # The same button again records nothing more.
    await harness.channel.press(STEWARDS, listing.message_id, f"cb:refused:{due.id}:0", "liu")
    await harness.app.sender.drain()
    assert "已记录过" in toast(harness, STEWARDS)
    [due] = await callbacks(harness)
    assert due.outcome == "reached"


async def test_an_unhappy_rating_by_phone_alerts_the_supervisors(harness: Harness) -> None:
    await resolved_unrated(harness)
    [due] = await callbacks(harness)
    await harness.say(STEWARDS, "wang", "/callbacks")
    await press(harness, STEWARDS, f"cb:reached:{due.id}:3", "wang")
    alert = harness.sent(SUPERVISORS)[-1]
    assert "电话回访" in alert.text
    assert "不满意" in alert.text
    assert [m.name for m in alert.out.mentions] == ["李主管"]


async def test_refused_takes_the_call_off_the_list(harness: Harness) -> None:
    await resolved_unrated(harness)
    [due] = await callbacks(harness)
    await harness.say(STEWARDS, "wang", "/callbacks")
    await press(harness, STEWARDS, f"cb:refused:{due.id}:", "wang")
    [due] = await callbacks(harness)
    assert (due.outcome, due.rating) == ("refused", None)
    assert due.done_at is not None
    [ticket] = await harness.tickets()
    assert ticket.rating is None


async def test_the_call_list_is_for_staff_of_the_community(harness: Harness) -> None:
    await resolved_unrated(harness)
    await harness.say(OWNERS, "u-zhang", "/callbacks")
    assert "待回访" not in harness.sent(OWNERS)[-1].text
    # Another community's steward sees their own (empty) list, and cannot record this call.
    await harness.say("hbhy-stewards", "ho", "/callbacks")
    theirs = harness.sent("hbhy-stewards")[-1]
    assert "沒有待回訪" in theirs.text
    [due] = await callbacks(harness)
    await harness.channel.press("hbhy-stewards", theirs.message_id, f"cb:reached:{due.id}:0", "ho")
    await harness.app.sender.drain()
    [due] = await callbacks(harness)
    assert due.outcome is None


async def test_merged_reporters_are_asked_for_their_rating(harness: Harness) -> None:
    await harness.say(OWNERS2, "u-a", "5号楼电梯坏了，按了没反应")
    harness.clock.advance(timedelta(minutes=10))
    await harness.say(OWNERS2, "u-b", "5栋的电梯坏了，走楼梯上18楼太累了")
    [ticket] = await harness.tickets()
    await harness.say(SUPERVISORS, "li", f"/resolve {ticket.number} 电梯已修复")
    asked = harness.sent(OWNERS2)[-1]
    assert "请您对本次服务进行评价" in asked.text
    assert [b.data for b in asked.out.buttons[0]] == [f"rate:{ticket.id}:{i}" for i in range(4)]
    await harness.channel.press(OWNERS2, asked.message_id, f"rate:{ticket.id}:3", "u-b")
    await harness.app.sender.drain()
    assert "感谢您的评价" in toast(harness, OWNERS2)
    events = [(e.action, e.note) for e in await harness.events(ticket.id)]
    assert ("follower_rated", "不满意") in events
    assert "合并反映的业主评价「不满意」" in harness.sent(SUPERVISORS)[-1].text
    # Once each: a second press changes nothing.
    await harness.channel.press(OWNERS2, asked.message_id, f"rate:{ticket.id}:0", "u-b")
    await harness.app.sender.drain()
    rated = [e for e in await harness.events(ticket.id) if e.action == "follower_rated"]
    assert len(rated) == 1
    [ticket] = await harness.tickets()
    assert ticket.status == "resolved"  # the owner's rating is still awaited


def test_the_callback_rate_counts_ratings_and_calls_that_reached_the_owner() -> None:
    def ticket(n: int, status: str, rating: str | None = None, owner: int | None = 1) -> Ticket:
        return Ticket(id=n, status=status, rating=rating, owner_member_id=owner)

    tickets = [
        ticket(1, "closed", "满意"),  # rated in chat
        ticket(2, "closed"),  # called, reached, no rating kept
        ticket(3, "closed"),  # refused on the phone
        ticket(4, "closed"),  # not reached yet
        ticket(5, "closed"),  # not called yet
        ticket(6, "resolved"),  # still waiting for the owner: not due
        ticket(7, "closed", owner=None),  # patrol-found: nobody to call
        ticket(8, "cancelled"),
    ]
    rate = callback_rate(tickets, {2: "reached", 3: "refused", 4: "not_reached", 5: None})
    assert (rate.due, rate.done) == (5, 3)
    assert rate.rate == 0.6
    assert callback_rate([], {}).rate is None


async def test_the_monthly_figures_carry_the_callback_rate(harness: Harness) -> None:
    await resolved_unrated(harness)
    [due] = await callbacks(harness)
    async with harness.app.runtime.reading() as uow:
        community = await uow.directory.community_by_code("lxy")
        assert community is not None
        period = Period.parse("2026-11", ZoneInfo(community.timezone))
        before = await gather_report(
            uow, harness.app.runtime.services, community, period, harness.clock.now()
        )
    assert (before.callbacks.due, before.callbacks.done) == (1, 0)
    await harness.say(STEWARDS, "wang", "/callbacks")
    await press(harness, STEWARDS, f"cb:reached:{due.id}:0", "wang")
    async with harness.app.runtime.reading() as uow:
        after = await gather_report(uow, harness.app.runtime.services, community, period, harness.clock.now())
    assert (after.callbacks.due, after.callbacks.done, after.callbacks.rate) == (1, 1, 1.0)
    assert ("callback_rate", "1.000") in summary_rows(after)
