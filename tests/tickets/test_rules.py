"""The state machine, assignment rules, concurrent claims and access rules."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from bot.core.errors import DomainError
from handlers.tickets import lifecycle
from handlers.tickets.assignment import choose_assignee, on_duty
from storage.directory.models import Steward
from storage.tickets.models import Ticket
from storage.tickets.status import TicketStatus
from tests.harness import Harness

SH = ZoneInfo("Asia/Shanghai")
OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"

LEGAL = {
    ("open", "assigned"), ("open", "cancelled"),
    ("assigned", "in_progress"), ("assigned", "resolved"), ("assigned", "cancelled"),
    ("in_progress", "resolved"), ("in_progress", "cancelled"),
    ("resolved", "closed"), ("resolved", "reopened"),
    ("reopened", "assigned"), ("reopened", "in_progress"), ("reopened", "resolved"), ("reopened", "cancelled"),
}  # fmt: skip


class RecordingTickets:
    """Stands in for the repository's audit writer (a test double of a storage port)."""

    def __init__(self) -> None:
        self.events: list[tuple[str | None, str | None, str]] = []

    async def record(self, ticket: Ticket, **kw: object) -> None:
        self.events.append((kw.get("from_status"), kw.get("to_status"), str(kw.get("action"))))  # type: ignore[arg-type]

    async def move(self, ticket: Ticket, *, expected: str, values: dict[str, object]) -> bool:
        """The conditional UPDATE: applied only if the status is still `expected`."""
        if ticket.status != expected:
            return False
        for key, value in values.items():
            setattr(ticket, key, value)
        return True


@pytest.mark.parametrize(("current", "target"), list(product(TicketStatus, TicketStatus)))
async def test_every_transition_is_allowed_or_refused_as_specified(current: str, target: str) -> None:
    ticket = Ticket(number="BX-20261123-0001", status=current)
    repo = RecordingTickets()
    at = datetime(2026, 11, 23, 2, 0, tzinfo=ZoneInfo("UTC"))
    if (current, target) in LEGAL:
        await lifecycle.transition(repo, ticket, target, actor="t", at=at, action="x")  # type: ignore[arg-type]
        assert ticket.status == target
        assert repo.events == [(current, target, "x")]
    else:
        with pytest.raises(DomainError) as err:
            await lifecycle.transition(repo, ticket, target, actor="t", at=at, action="x")  # type: ignore[arg-type]
        assert err.value.key == "err.bad_transition"
        assert ticket.status == current
        assert repo.events == []


def steward(sid: int, buildings: list[str], categories: list[str], hours: str = "08:00-20:00") -> Steward:
    return Steward(
        id=sid, name=f"s{sid}", role="steward", buildings=buildings, categories=categories, hours=hours,
        days=[1, 2, 3, 4, 5, 6, 7], active=True, accounts={},
    )  # fmt: skip


def test_assignment_grid_skills_load_and_duty() -> None:
    grid_a = steward(1, ["1", "2"], ["*"])
    grid_b = steward(2, ["3"], ["*"])
    plumber = steward(3, ["*"], ["plumbing"], "00:00-24:00")
    roster = [grid_a, grid_b, plumber]
    morning = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    night = datetime(2026, 11, 23, 23, 0, tzinfo=SH)
    assert choose_assignee(roster, "1", "noise", morning, {}) is grid_a
    assert choose_assignee(roster, "3", "noise", morning, {}) is grid_b
    # same load: the grid steward before the all-buildings specialist
    assert choose_assignee(roster, "1", "plumbing", morning, {}) is grid_a
    # fewer open tickets first
    assert choose_assignee(roster, "1", "plumbing", morning, {1: 3, 3: 1}) is plumber
    # off duty at night: only the 24 h plumber, and nobody for noise
    assert choose_assignee(roster, "1", "plumbing", night, {}) is plumber
    assert choose_assignee(roster, "1", "noise", night, {}) is None
    assert not on_duty(grid_a, night)
    weekday_only = steward(4, ["*"], ["*"])
    weekday_only.days = [1, 2, 3, 4, 5]
    assert not on_duty(weekday_only, morning + timedelta(days=5))  # Saturday


async def test_nobody_on_duty_leaves_it_unassigned_and_two_stewards_claim_at_once(harness: Harness) -> None:
    harness.clock.advance(timedelta(hours=12))  # 22:00: the grid stewards are off duty
    await harness.say(OWNERS, "u-wang", "楼上邻居每天半夜唱K，吵得睡不着，太过分了")
    [ticket] = await harness.tickets()
    assert ticket.assignee_id is None
    assert ticket.status == "open"
    card = next(m for m in harness.sent(STEWARDS) if ticket.number in m.text)
    work, corrections = card.out.buttons
    assert [b.data for b in work] == [f"t:claim:{ticket.id}"]
    assert [b.data for b in corrections] == [f"tk:{k}:{ticket.id}" for k in ("repair", "inquiry", "none")]
    assert "请主管派单" in harness.sent("lxy-supervisors")[-1].text

    await asyncio.gather(
        harness.channel.press(STEWARDS, card.message_id, f"t:claim:{ticket.id}", "wang"),
        harness.channel.press(STEWARDS, card.message_id, f"t:claim:{ticket.id}", "liu"),
    )
    await harness.app.sender.drain()
    [ticket] = await harness.tickets()
    assert ticket.status == "in_progress"
    claims = [e for e in await harness.events(ticket.id) if e.action == "claimed"]
    assert len(claims) == 1
    toasts = [m.text for m in harness.channel.toasts(STEWARDS)]
    assert sum("手慢了" in t for t in toasts) == 1
    assert sum("抢单成功" in m.text for m in harness.sent(STEWARDS)) == 1


async def test_owners_see_only_their_own_tickets(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋厨房水管漏水了，麻烦派人来修")
    await harness.say(OWNERS, "u-b", "2栋楼道灯坏了，晚上很黑")
    tickets = await harness.tickets()
    await harness.say(OWNERS, "u-a", "/my")
    mine = harness.sent(OWNERS)[-1].text
    assert tickets[0].number in mine
    assert tickets[1].number not in mine
    await harness.say(OWNERS, "u-a", f"/ticket {tickets[1].number}")
    assert harness.sent(OWNERS)[-1].text == f"找不到工单 {tickets[1].number}。"  # as if there were none


async def test_staff_of_another_community_cannot_act(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    await harness.say("hbhy-stewards", "ho", f"/accept {ticket.number}")  # 何姑娘 works at 海濱花園
    assert "找不到工單" in harness.sent("hbhy-stewards")[-1].text
    assert (await harness.tickets())[0].status == "assigned"
