"""A chase (催办) must be about the same problem: an owner with an open door-card ticket who
complains about the lift has a new problem, not a chase of the door card."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.tickets.models import TicketEvent
from tests.harness import Harness

OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"


async def actions(harness: Harness, ticket_id: int) -> list[str]:
    async with harness.app.sessions() as session:
        rows = await session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket_id))
        return list(rows.all())


async def test_a_lift_complaint_is_not_a_chase_of_the_owners_door_card_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "2栋门禁卡刷不了，进不了楼")
    [door] = await harness.tickets()
    harness.clock.advance(timedelta(hours=3))
    await harness.say(OWNERS, "u-a", "2栋电梯又坏了，到现在还没人来修")
    door_now, lift = await harness.tickets()
    assert door_now.id == door.id
    assert "电梯" in lift.summary  # a ticket of its own
    assert "chased" not in await actions(harness, door.id)
    assert not any("催办" in m.text and door.number in m.text for m in harness.sent(STEWARDS))
    # a chase that names the door card is one
    harness.clock.advance(timedelta(minutes=40))
    await harness.say(OWNERS, "u-a", "门禁还没修好？什么时候来修")
    assert "chased" in await actions(harness, door.id)
