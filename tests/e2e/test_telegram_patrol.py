"""Telegram end to end: a steward's work order from a captioned photo in the stewards' group
(「开单：…」), the rectification ledger listed with /hazards and closed with /hazard … done;
the owners' group hears nothing of it."""

from __future__ import annotations

from sqlalchemy import select

from storage.hazards.models import Hazard
from tests.e2e.conftest import TelegramWorld
from tests.e2e.world import eventually, until
from tests.fakes.telegram_api import StoredMessage


def with_text(messages: list[StoredMessage], needle: str) -> StoredMessage | None:
    return next((m for m in reversed(messages) if m.text and needle in m.text), None)


async def test_a_captioned_photo_opens_a_work_order_and_the_ledger_closes_it(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_sends_media(party.stewards, party.steward, "photo", caption="开单：3栋消防通道堆满杂物")

    [ticket] = await world.wait_for_tickets(1)
    assert (ticket.source, ticket.category, ticket.building) == ("patrol", "safety_hazard", "3")
    assert ticket.owner_member_id is None
    answer = await eventually(
        lambda: with_text(fake.sent(party.stewards.id), f"已开单 {ticket.number}"),
        what="the steward's answer",
    )
    assert "整改期限" in (answer.text or "")
    card = await eventually(lambda: with_text(fake.sent(party.stewards.id), "巡查开单"), what="the card")
    assert ticket.number in (card.text or "")

    fake.user_says(party.stewards, party.steward, "/hazards")
    listing = await eventually(
        lambda: with_text(fake.sent(party.stewards.id), "未整改 1 项"), what="the ledger listed"
    )
    assert ticket.number in (listing.text or "")

    fake.user_says(party.stewards, party.steward, f"/hazard {ticket.number} done 杂物已清走")
    await eventually(
        lambda: with_text(fake.sent(party.stewards.id), f"隐患 {ticket.number} 已整改销项。"), what="closed"
    )
    closed = await world.wait_for_ticket(lambda t: t.status == "closed")
    assert closed.rating_requested_at is None

    async def done() -> Hazard | None:
        async with world.app.sessions() as session:
            hazard = await session.scalar(select(Hazard).where(Hazard.ticket_id == ticket.id))
        return hazard if hazard is not None and hazard.status == "done" else None

    hazard = await until(done, what="the line closed")
    assert hazard.note == "杂物已清走"
    # nothing of the work order or the ledger reached the owners' group
    assert not [
        m for m in fake.sent(party.owners.id) if m.text and ("隐患" in m.text or ticket.number in m.text)
    ]
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
