"""Claims (「接单」 on an unassigned card) go through the state machine: the audit event names
the status the ticket really left."""

from __future__ import annotations

from datetime import timedelta

from storage.tickets.models import Ticket
from tests.harness import Harness

OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"


async def unassigned(harness: Harness) -> Ticket:
    """A noise complaint at 22:00: nobody on duty covers it, so its card offers 「接单」."""
    harness.clock.advance(timedelta(hours=12))
    await harness.say(OWNERS, "u-wang", "楼上邻居每天半夜唱K，吵得睡不着，太过分了")
    [ticket] = await harness.tickets()
    assert ticket.assignee_id is None
    assert ticket.status == "open"
    return ticket


async def test_a_claim_of_a_reopened_unassigned_ticket_records_reopened(harness: Harness) -> None:
    ticket = await unassigned(harness)
    async with harness.app.runtime.transaction() as uow:
        stored = await uow.tickets.get(ticket.id)
        assert stored is not None
        stored.status = "reopened"  # e.g. reopened after its assignee left the roster
    await harness.press(STEWARDS, harness.sent(STEWARDS)[-1], f"t:claim:{ticket.id}", "wang")
    [ticket] = await harness.tickets()
    assert ticket.status == "in_progress"
    moves = [(e.action, e.from_status, e.to_status) for e in await harness.events(ticket.id)]
    assert moves[-2:] == [("claimed", "reopened", "assigned"), ("accepted", "assigned", "in_progress")]
    assert "抢单成功" in harness.sent(STEWARDS)[-2].text
