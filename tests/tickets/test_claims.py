"""Claims (「接单」 on an unassigned card) go through the state machine: the audit event names
the status the ticket really left, and a claim that loses a race changes nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.core.actor import Actor
from bot.core.roles import Role
from handlers.tickets import SlaBook, TicketService
from storage.directory.models import Steward
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork
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


def service(harness: Harness) -> TicketService:
    return TicketService(harness.app.services.texts, harness.app.services.classifier, SlaBook.load())


async def staff(uow: UnitOfWork, community_id: int, name: str) -> Actor:
    person: Steward | None = await uow.directory.steward_by_name(community_id, name)
    assert person is not None
    return Actor(Role(person.role), f"steward:{person.id}", person.name, steward=person)


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


async def test_a_claim_racing_with_a_cancellation_changes_nothing(harness: Harness) -> None:
    ticket = await unassigned(harness)
    tickets, now = service(harness), harness.clock.now()
    async with harness.app.runtime.transaction() as claiming:
        loaded = await tickets.get(claiming, ticket.id)  # 「接单」 pressed: the ticket is open ...
        async with harness.app.runtime.transaction() as cancelling:  # ... and a supervisor cancels it
            li = await staff(cancelling, ticket.community_id, "李主管")
            await tickets.cancel(cancelling, li, await tickets.get(cancelling, ticket.id), "重复", now)
        wang = await staff(claiming, ticket.community_id, "王管家")
        claim = await tickets.claim(claiming, wang, loaded, now)
        assert (claim.won, claim.holder) == (False, "-")
        assert loaded.status == "cancelled"  # what the loser's answer is based on
    [ticket] = await harness.tickets()
    assert (ticket.status, ticket.assignee_id) == ("cancelled", None)
    moves = [(e.action, e.from_status, e.to_status) for e in await harness.events(ticket.id)]
    assert moves == [("opened", None, "open"), ("cancelled", "open", "cancelled")]


async def test_a_claim_lost_to_another_names_who_won(harness: Harness) -> None:
    ticket = await unassigned(harness)
    tickets, now = service(harness), harness.clock.now()
    async with harness.app.runtime.transaction() as late:
        loaded = await tickets.get(late, ticket.id)
        async with harness.app.runtime.transaction() as first:
            wang = await staff(first, ticket.community_id, "王管家")
            assert (await tickets.claim(first, wang, await tickets.get(first, ticket.id), now)).won
        liu = await staff(late, ticket.community_id, "刘管家")
        claim = await tickets.claim(late, liu, loaded, now)
    assert (claim.won, claim.holder) == (False, "王管家")
    claims = [e for e in await harness.events(ticket.id) if e.action == "claimed"]
    assert [(e.actor, e.from_status) for e in claims] == [(wang.label, "open")]
