"""The emergency clock (issue 21, item 3): 「已到场」 by button, command and words; the urgent
on-site window watched like the other SLA windows; the steward of an open urgent ticket
prompted for progress every 30 minutes; every merged reporter of an urgent incident told of
each step; the time to arrival and the share of simple repairs visited within 30 minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app.policies import report_policy
from handlers.reports import gather_report
from handlers.reports.figures import VisitRule, simple_visits
from handlers.reports.gather import say_in
from handlers.reports.period import Period
from handlers.reports.sheets import staff_caption
from handlers.tickets.jobs import check_sla
from handlers.tickets.sla import SlaBook
from storage.directory.models import Community
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork
from tests.harness import Harness
from tests.tickets.test_flow import button, press

OWNERS = "lxy-owners-1"
STEWARDS = "lxy-stewards"
SUPERVISORS = "lxy-supervisors"
BOOK = SlaBook.load()
URGENT = "3栋门口的健身器材倒了，砸伤了小孩，快来人"


async def urgent(harness: Harness, text: str = URGENT, user: str = "u-zhang") -> Ticket:
    await harness.say(OWNERS, user, text, sender_name="张先生")
    ticket = (await harness.tickets())[-1]
    assert ticket.priority == "urgent"
    return ticket


async def rows(harness: Harness, ref_type: str) -> list[OutboxMessage]:
    return [r for r in await harness.outbox() if r.ref_type == ref_type]


async def watch(harness: Harness) -> int:
    queued = await check_sla(harness.app.runtime, BOOK)
    await harness.app.sender.drain()
    return queued


async def test_an_urgent_ticket_runs_the_one_hour_on_site_clock(harness: Harness) -> None:
    ticket = await urgent(harness)
    assert ticket.onsite_due_at is not None
    assert ticket.onsite_due_at - ticket.created_at == timedelta(hours=1)
    assert ticket.arrived_at is None
    # a plain repair has no on-site window
    await harness.say(OWNERS, "u-li", "5栋厨房水龙头坏了，麻烦派人来修")
    plain = (await harness.tickets())[-1]
    assert plain.priority == "normal"
    assert plain.onsite_due_at is None


async def test_arrival_stops_the_on_site_clock_and_a_late_one_is_escalated(harness: Harness) -> None:
    first = await urgent(harness)
    await harness.say(STEWARDS, "wang", f"/accept {first.number}")
    second = await urgent(harness, "2栋电梯困人了，里面有老人，快来人", user="u-li")
    await harness.say(STEWARDS, "wang", f"/accept {second.number}")
    harness.clock.advance(timedelta(minutes=49))  # > 80 % of the hour on site for both
    await watch(harness)
    [reminder] = [m.text for m in harness.sent(STEWARDS) if "到场时限" in m.text]
    assert first.number in reminder
    assert second.number in reminder
    await harness.say(STEWARDS, "wang", f"/arrive {first.number}")
    harness.clock.advance(timedelta(minutes=12))  # 61 min: the second is late on site
    await watch(harness)
    breaches = [m.text for m in harness.sent(SUPERVISORS) if "已超过到场时限" in m.text]
    assert len(breaches) == 1
    assert second.number in breaches[0]
    assert first.number not in breaches[0]
    await watch(harness)  # nothing twice
    assert len([m for m in harness.sent(SUPERVISORS) if "已超过到场时限" in m.text]) == 1
    events = [(e.action, e.note) for e in await harness.events(first.id)]
    assert ("arrived", "49") in events
    assert ("sla_breach", f"onsite@{int(first.created_at.timestamp())}") not in events


async def test_arrive_by_button_records_the_time_and_tells_the_owner(harness: Harness) -> None:
    ticket = await urgent(harness)
    await press(harness, STEWARDS, "t:accept:", "wang")
    harness.clock.advance(timedelta(minutes=20))
    assert button(harness, STEWARDS, "t:arrive:")[1] == f"t:arrive:{ticket.id}"
    await press(harness, STEWARDS, "t:arrive:", "wang")
    [ticket] = await harness.tickets()
    assert ticket.arrived_at is not None
    assert ticket.arrived_at - ticket.created_at == timedelta(minutes=20)
    assert "王管家已到达现场" in harness.sent(OWNERS)[-1].text
    assert any("王管家 已到场" in m.text and "20 分钟" in m.text for m in harness.sent(STEWARDS))
    # a second arrival is refused, and says when the first was
    await harness.say(STEWARDS, "wang", f"/arrive {ticket.number}")
    assert "已于" in harness.sent(STEWARDS)[-1].text
    assert [e.action for e in await harness.events(ticket.id)].count("arrived") == 1


async def test_arrive_in_words_replying_to_the_card_takes_an_unclaimed_ticket(harness: Harness) -> None:
    """「已到场」 as WeCom's stewards write it (words, the ticket quoted or named); a ticket
    nobody took yet is taken by whoever arrives."""
    await harness.say(OWNERS, "u-zhang", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    card = next(m for m in harness.sent(STEWARDS) if ticket.number in m.text and m.outgoing and m.out.buttons)
    await harness.say(STEWARDS, "wang", "已到场", reply_to=card.message_id)
    [ticket] = await harness.tickets()
    assert ticket.status == "in_progress"
    assert ticket.arrived_at is not None
    actions = [e.action for e in await harness.events(ticket.id)]
    assert actions[-2:] == ["accepted", "arrived"]


async def test_the_steward_of_an_open_urgent_ticket_is_prompted_every_half_hour(harness: Harness) -> None:
    ticket = await urgent(harness)
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    harness.clock.advance(timedelta(minutes=29))
    await watch(harness)
    assert not await rows(harness, "progress_prompt")
    harness.clock.advance(timedelta(minutes=2))  # 31 min
    await watch(harness)
    await watch(harness)  # the watch running twice asks once
    [prompt] = await rows(harness, "progress_prompt")
    asked = harness.sent(STEWARDS)[-1]
    assert "请回复本消息说明处理进度" in asked.text
    assert "尚未到场" in asked.text
    assert [m.name for m in asked.out.mentions] == ["王管家"]
    # a reply to the prompt is the progress note the owner hears
    await harness.say(STEWARDS, "wang", "已拉起警戒线，器材正在加固", reply_to=asked.message_id)
    assert "进度：已拉起警戒线" in harness.sent(OWNERS)[-1].text

    harness.clock.advance(timedelta(minutes=30))  # 61 min: the second prompt
    await watch(harness)
    assert len(await rows(harness, "progress_prompt")) == 2
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 器材已移除")
    harness.clock.advance(timedelta(minutes=60))
    await watch(harness)
    assert len(await rows(harness, "progress_prompt")) == 2  # resolved: no more prompts
    assert prompt.dedupe_key is not None


async def test_a_plain_repair_is_never_prompted(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    harness.clock.advance(timedelta(minutes=95))
    await watch(harness)
    assert not await rows(harness, "progress_prompt")


async def test_every_merged_reporter_of_an_urgent_incident_hears_each_step(harness: Harness) -> None:
    ticket = await urgent(harness, "3栋电梯困人了，有人被困在里面，快来人")
    await harness.say(OWNERS, "u-li", "3栋电梯困人了，快点来人救命", sender_name="李太")
    [ticket] = await harness.tickets()  # merged
    followed = next(m for m in harness.channel.transcript if m.sender == "u-li")

    def to_li() -> list[str]:
        return [m.text for m in harness.sent(OWNERS) if m.out.reply_to == followed.message_id]

    before = len(to_li())
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    await harness.say(STEWARDS, "wang", f"/arrive {ticket.number}")
    await harness.say(STEWARDS, "wang", f"/progress {ticket.number} 已联系电梯公司，正在开门")
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 人已救出")
    told = to_li()[before:]
    assert len(told) == 4, told
    assert "受理" in told[0]
    assert "已到达现场" in told[1]
    assert "已联系电梯公司" in told[2]
    assert "已处理完毕" in told[3]


async def test_a_merged_reporter_of_a_plain_incident_hears_only_the_resolution(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋电梯坏了，一直停在5楼不动")
    await harness.say(OWNERS, "u-li", "3栋电梯又坏了，停在5楼", sender_name="李太")
    [ticket] = await harness.tickets()
    assert ticket.priority == "normal"
    followed = next(m for m in harness.channel.transcript if m.sender == "u-li")
    before = len([m for m in harness.sent(OWNERS) if m.out.reply_to == followed.message_id])
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    await harness.say(STEWARDS, "wang", f"/arrive {ticket.number}")
    told = [m.text for m in harness.sent(OWNERS) if m.out.reply_to == followed.message_id][before:]
    assert told == []


def visit(category: str, minutes: float | None, kind: str = "repair", status: str = "closed") -> Ticket:
    created = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    return Ticket(
        number="BX-20261102-0001",
        community_id=1,
        kind=kind,
        category=category,
        priority="normal",
        status=status,
        summary="",
        created_at=created,
        updated_at=created,
        arrived_at=None if minutes is None else created + timedelta(minutes=minutes),
    )


def test_the_share_of_simple_repairs_visited_within_half_an_hour() -> None:
    rule = VisitRule(simple=frozenset({"plumbing", "electrical"}), within=30, target=0.9)
    tickets = [
        visit("plumbing", 12),
        visit("plumbing", 30),
        visit("electrical", 31),  # late
        visit("electrical", None),  # nobody said they arrived: not visited within 30 min
        visit("elevator", 5),  # not a simple repair
        visit("plumbing", 3, status="cancelled"),  # not counted
        visit("plumbing", 3, kind="complaint"),  # not a repair
    ]
    share = simple_visits(tickets, rule)
    assert (share.visited, share.total) == (2, 4)
    assert share.rate == 0.5
    assert share.met is False
    assert simple_visits([visit("plumbing", 10)], rule).met is True
    assert simple_visits([], rule).rate is None


def test_the_visit_rule_and_the_prompt_interval_are_configured() -> None:
    assert BOOK.policy_for("repair", "gas", "urgent").progress == 30
    assert BOOK.policy_for("repair", "gas", "urgent").onsite == 60
    assert BOOK.visits.within == 30
    assert "plumbing" in BOOK.visits.simple


async def test_the_monthly_figures_count_simple_repairs_visited_in_time(harness: Harness) -> None:
    """From 「已到场」 to the report: the configured rule (sla.toml `[visits]`, through the
    report policy the root builds) counts a leak visited 12 minutes after the report."""
    await harness.say(OWNERS, "u-zhang", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [leak] = await harness.tickets()
    assert leak.category == "plumbing"
    await harness.say(STEWARDS, "wang", f"/accept {leak.number}")
    harness.clock.advance(timedelta(minutes=12))
    await harness.say(STEWARDS, "wang", f"/arrive {leak.number}")
    rule = report_policy(harness.app.settings, sla=BOOK).visits
    assert (rule.within, rule.target) == (30, 0.9)
    async with harness.app.sessions() as session:
        community = await session.scalar(select(Community).where(Community.code == "lxy"))
        assert community is not None
        period = Period.parse("2026-11", ZoneInfo(community.timezone))
        report = await gather_report(
            UnitOfWork(session), harness.app.services, community, period, harness.clock.now(), rule
        )
    assert report.visits is not None
    assert (report.visits.visited, report.visits.total) == (1, 1)
    say = say_in(harness.app.services, community)
    assert "简单维修30分钟内到场 100%（1/1，目标 ≥ 90%）" in staff_caption(report, say)
