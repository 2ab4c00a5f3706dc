"""SLA arithmetic (pure) and the SLA watch: each reminder and escalation exactly once."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from handlers.tickets.jobs import check_sla
from handlers.tickets.sla import PolicyError, SlaBook, WorkingHours
from storage.outbox.models import OutboxMessage
from tests.harness import EXAMPLE, Harness

SH = ZoneInfo("Asia/Shanghai")
OWNERS, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-stewards", "lxy-supervisors"
BOOK = SlaBook.load()  # the policies the app opens tickets with


def test_policy_precedence_and_defaults() -> None:
    book = SlaBook.load()
    start = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    urgent = book.deadlines("repair", "gas", "urgent", start, SH)
    assert (urgent.respond_due - start, urgent.resolve_due - start) == (
        timedelta(minutes=15),
        timedelta(hours=4),
    )
    assert urgent.onsite_due is not None
    assert urgent.onsite_due - start == timedelta(hours=1)
    repair = book.deadlines("repair", "plumbing", "normal", start, SH)
    assert (repair.respond_due - start, repair.resolve_due - start) == (
        timedelta(minutes=30),
        timedelta(hours=48),
    )
    assert book.deadlines("complaint", "noise", "normal", start, SH).resolve_due - start == timedelta(days=3)
    assert book.deadlines("repair", "public_facility", "normal", start, SH).resolve_due - start == timedelta(
        days=5
    )
    general = book.deadlines("complaint", "fees", "normal", start, SH)
    assert (general.respond_due - start, general.resolve_due - start) == (
        timedelta(hours=24),
        timedelta(hours=48),
    )


@pytest.mark.parametrize(
    ("kind", "category"),
    [("repair", "public_facility"), ("complaint", "neighbour"), ("complaint", "noise"), ("repair", None)],
)
def test_urgent_always_runs_on_the_urgent_clock_whatever_the_category(
    kind: str, category: str | None
) -> None:
    """A fallen fitness frame that hurt a child is a facility repair, and urgent: 15 min to
    respond, 1 h on site, 4 h to resolve (the facility's 30 min / 5 days lost to the category
    before, and a neighbour dispute's working days would have stopped the clock at night)."""
    start = datetime(2026, 11, 28, 22, 0, tzinfo=SH)  # a Saturday night, outside working hours
    deadlines = BOOK.deadlines(kind, category, "urgent", start, SH)
    assert deadlines.policy == "urgent"
    assert deadlines.respond_due - start == timedelta(minutes=15)
    assert deadlines.onsite_due is not None
    assert deadlines.onsite_due - start == timedelta(hours=1)
    assert deadlines.resolve_due - start == timedelta(hours=4)


async def test_an_urgent_facility_emergency_gets_the_urgent_deadlines(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋门口的健身器材倒了，砸伤了小孩，快来人")
    [ticket] = await harness.tickets()
    assert (ticket.priority, ticket.category) == ("urgent", "public_facility")
    assert ticket.respond_due_at is not None
    assert ticket.resolve_due_at is not None
    assert ticket.respond_due_at - ticket.created_at == timedelta(minutes=15)
    assert ticket.resolve_due_at - ticket.created_at == timedelta(hours=4)


def test_working_hours_skip_nights_and_sundays() -> None:
    hours = WorkingHours(time(8, 30), time(17, 30), frozenset({1, 2, 3, 4, 5, 6}))
    saturday_late = datetime(2026, 11, 28, 17, 0, tzinfo=SH)  # Saturday 17:00
    due = hours.add(saturday_late, 60, SH)
    assert due.astimezone(SH) == datetime(2026, 11, 30, 9, 0, tzinfo=SH)  # Monday 09:00
    assert hours.elapsed(saturday_late, due, SH) == timedelta(minutes=60)
    night = datetime(2026, 11, 23, 22, 0, tzinfo=SH)
    assert hours.add(night, 30, SH).astimezone(SH) == datetime(2026, 11, 24, 9, 0, tzinfo=SH)


def test_neighbour_dispute_counts_seven_working_days() -> None:
    book = SlaBook.load()
    start = datetime(2026, 11, 23, 9, 0, tzinfo=SH)  # Monday
    due = book.deadlines("complaint", "neighbour", "normal", start, SH).resolve_due
    # seven working days of 9 h from Monday 09:00, Sunday skipped: the next Tuesday 09:00
    assert due.astimezone(SH) == datetime(2026, 12, 1, 9, 0, tzinfo=SH)
    assert book.hours.elapsed(start, due, SH) == timedelta(minutes=7 * 540)
    assert due.astimezone(SH).isoweekday() != 7


def test_bad_policy_file_names_the_entry() -> None:
    with pytest.raises(PolicyError, match=r"policy\[1\] \(broken\)"):
        SlaBook.from_mapping(
            {
                "policy": [
                    {"name": "ok", "respond": 10, "resolve": 20},
                    {"name": "broken", "respond": 30, "resolve": 5},
                ]
            }
        )


async def sla_rows(harness: Harness) -> list[OutboxMessage]:
    return [r for r in await harness.outbox() if r.ref_type == "sla"]


async def test_reminder_breach_and_manager_each_sent_once(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    runtime = harness.app.runtime

    harness.clock.advance(timedelta(minutes=23))  # 77 % of the 30-minute response window
    assert await check_sla(runtime, BOOK) == 0
    harness.clock.advance(timedelta(minutes=2))  # 83 %
    assert await check_sla(runtime, BOOK) == 1
    assert await check_sla(runtime, BOOK) == 0  # the job running twice sends nothing twice
    await harness.app.sender.drain()
    reminder = harness.sent(STEWARDS)[-1]
    assert "时限将到" in reminder.text
    assert [m.name for m in reminder.out.mentions] == ["王管家"]

    harness.clock.advance(timedelta(minutes=6))  # 103 %
    assert await check_sla(runtime, BOOK) == 1
    await harness.app.sender.drain()
    breach = harness.sent(SUPERVISORS)[-1]
    assert "已超过响应时限" in breach.text
    assert [m.name for m in breach.out.mentions] == ["李主管"]

    # a restart: a second process on the same database finds nothing new to send
    other = build_app(
        Settings(database_url=harness.app.settings.database_url, community_file=EXAMPLE),
        channels={"local": LocalChannel(harness.clock)},
        clock=harness.clock,
        classifier=harness.app.services.classifier,
        engine=harness.app.engine,
    )
    assert await check_sla(other.runtime, BOOK) == 0

    harness.clock.advance(timedelta(minutes=30))  # 203 %: to the manager (no management chat → supervisors)
    assert await check_sla(runtime, BOOK) == 1
    assert await check_sla(other.runtime, BOOK) == 0
    await harness.app.sender.drain()
    manager = harness.sent(SUPERVISORS)[-1]
    assert "经理" in manager.text
    assert [m.name for m in manager.out.mentions] == ["陈经理"]
    actions = [e.action for e in await harness.events(ticket.id)]
    assert actions.count("sla_reminder") == 1
    assert actions.count("sla_breach") == 1
    assert actions.count("sla_manager") == 1
    assert len(await sla_rows(harness)) == 3


async def test_accepting_moves_the_watch_to_the_resolution_window(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    harness.clock.advance(timedelta(hours=2))  # the response window is long past, but it was met
    assert await check_sla(harness.app.runtime, BOOK) == 0
    harness.clock.advance(timedelta(hours=37))  # 39 h of 48 h > 80 %
    assert await check_sla(harness.app.runtime, BOOK) == 1
    await harness.app.sender.drain()
    assert "办结时限将到" in harness.sent(STEWARDS)[-1].text


async def test_unrated_tickets_close_after_three_days(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 已修好")
    harness.clock.advance(timedelta(days=2, hours=23))
    await check_sla(harness.app.runtime, BOOK)
    assert (await harness.tickets())[0].status == "resolved"
    harness.clock.advance(timedelta(hours=1))
    await check_sla(harness.app.runtime, BOOK)
    [ticket] = await harness.tickets()
    assert ticket.status == "closed"
    assert ticket.rating is None
    # closed unrated, and put on the stewards' 回访 list (tests/tickets/test_callbacks.py)
    assert [e.action for e in await harness.events(ticket.id)][-2:] == ["auto_closed", "callback_due"]


async def test_the_watch_is_scheduled(harness: Harness) -> None:
    job = harness.app.scheduler.get_job("sla-watch")
    assert job is not None
    assert job.trigger.interval == timedelta(seconds=harness.app.settings.sla_check_interval)


async def thirteen_tickets(harness: Harness) -> list[str]:
    """Thirteen owners, thirteen flats, thirteen problems, reported within one minute."""
    for n in range(13):
        building = 1 + n % 3
        await harness.say(OWNERS, f"u-{n}", f"{building}栋{n + 1}02室厨房水管漏水了，麻烦派人来修")
        harness.clock.advance(timedelta(seconds=4))
    tickets = await harness.tickets()
    assert len(tickets) == 13
    return [t.number for t in tickets]


async def test_what_falls_due_together_is_one_message_per_chat_with_a_line_per_ticket(
    harness: Harness,
) -> None:
    numbers = await thirteen_tickets(harness)
    runtime = harness.app.runtime
    stewards_before = len(harness.sent(STEWARDS))

    harness.clock.advance(timedelta(minutes=24))  # every ticket past 80 % of its 30 minutes
    assert await check_sla(runtime, BOOK) == 1
    assert await check_sla(runtime, BOOK) == 0
    await harness.app.sender.drain()
    [reminder] = harness.sent(STEWARDS)[stewards_before:]
    head, *lines = reminder.text.split("\n")
    assert head == "⏰ 以下 13 张工单的时限将到，请尽快处理："
    assert [line.split("（")[0] for line in lines] == [f"· {n}" for n in numbers]
    assert all("响应时限 11-23 10:30，责任人：" in line for line in lines)
    assert {line.rsplit("：", 1)[1] for line in lines} == {"王管家", "赵师傅"}
    # each assignee mentioned once, not once per ticket
    assert sorted(m.name for m in reminder.out.mentions) == ["王管家", "赵师傅"]

    harness.clock.advance(timedelta(minutes=7))  # every one past its deadline
    assert await check_sla(runtime, BOOK) == 1
    await harness.app.sender.drain()
    [breach] = [m for m in harness.sent(SUPERVISORS) if "超过" in m.text]
    assert breach.text.startswith("🚨 以下 13 张工单已超过时限，请主管跟进：\n")
    assert len(breach.text.split("\n")) == 14
    assert [m.name for m in breach.out.mentions] == ["李主管"]
    for ticket in await harness.tickets():
        actions = [e.action for e in await harness.events(ticket.id)]
        assert (actions.count("sla_reminder"), actions.count("sla_breach")) == (1, 1)
    assert len(await sla_rows(harness)) == 2


async def test_two_watches_at_once_notify_each_ticket_once(harness: Harness) -> None:
    """Two processes' watches run the same pass concurrently (their own engines): the
    database gives each ticket's reminder to one of them."""
    await thirteen_tickets(harness)
    other = build_app(
        Settings(database_url=harness.app.settings.database_url, community_file=EXAMPLE),
        channels={"local": LocalChannel(harness.clock)},
        clock=harness.clock,
        classifier=harness.app.services.classifier,
    )
    try:
        harness.clock.advance(timedelta(minutes=24))
        results = await asyncio.gather(
            check_sla(harness.app.runtime, BOOK), check_sla(other.runtime, BOOK), return_exceptions=True
        )
        sent = [r for r in results if isinstance(r, int)]
        assert sum(sent) == 1, results  # one message; a watch that lost a race tries again later
        assert await check_sla(other.runtime, BOOK) == 0
        for ticket in await harness.tickets():
            actions = [e.action for e in await harness.events(ticket.id)]
            assert actions.count("sla_reminder") == 1
        assert len(await sla_rows(harness)) == 1
    finally:
        await other.engine.dispose()
