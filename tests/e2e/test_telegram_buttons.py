"""Buttons that have done their work go away (Telegram edits in place): the card shows who took
the ticket and only the buttons that still apply, none once it is resolved; the rating request
shows the rating given instead of its buttons."""

from __future__ import annotations

from tests.e2e.conftest import TelegramWorld
from tests.e2e.test_telegram import REPORT, with_button
from tests.e2e.world import eventually


async def test_cards_and_rating_requests_lose_their_buttons_after_use(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, REPORT)
    [ticket] = await world.wait_for_tickets(1)
    card = await eventually(
        lambda: with_button(fake.sent(party.stewards.id), f"t:accept:{ticket.id}"), what="the card"
    )
    fake.user_presses(party.stewards, party.steward, card.message_id, f"t:accept:{ticket.id}")
    await world.wait_for_ticket(lambda t: t.status == "in_progress")

    def edited(times: int) -> bool:
        return fake.message(party.stewards.id, card.message_id).edits >= times

    await eventually(lambda: edited(1) or None, what="the card rewritten after 接单")
    taken = fake.message(party.stewards.id, card.message_id)
    assert "已由王管家接单" in (taken.text or "")
    assert f"t:accept:{ticket.id}" not in taken.callback_datas
    assert f"t:resolve:{ticket.id}" in taken.callback_datas

    fake.user_presses(party.stewards, party.steward, card.message_id, f"t:resolve:{ticket.id}")
    await world.wait_for_ticket(lambda t: t.status == "resolved")
    await eventually(
        lambda: (not fake.message(party.stewards.id, card.message_id).callback_datas) or None,
        what="the card without buttons",
    )
    assert "已办结" in (fake.message(party.stewards.id, card.message_id).text or "")

    rating = await eventually(
        lambda: with_button(fake.sent(party.owners.id), f"rate:{ticket.id}:1"), what="rating buttons"
    )
    fake.user_presses(party.owners, party.owner, rating.message_id, f"rate:{ticket.id}:1")
    await world.wait_for_ticket(lambda t: t.status == "closed")
    await eventually(
        lambda: (not fake.message(party.owners.id, rating.message_id).callback_datas) or None,
        what="the rating request without buttons",
    )
    assert "已评价：满意" in (fake.message(party.owners.id, rating.message_id).text or "")
    # A second press of a button that is gone cannot happen; the stored buttons are gone too.
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
