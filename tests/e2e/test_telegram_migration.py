"""A basic group becomes a supergroup (a new chat id): the binding follows it, whether Steward
hears of it from the migration update or from a send refused with `migrate_to_chat_id`."""

from __future__ import annotations

from tests.e2e.conftest import TelegramFactory
from tests.e2e.test_telegram import REPORT, with_button, with_text
from tests.e2e.world import eventually, telegram_party, until
from tests.fakes.telegram_api import FakeTelegramAPI


async def test_the_migration_update_moves_the_binding(
    telegram_world: TelegramFactory, fake_telegram: FakeTelegramAPI
) -> None:
    party = telegram_party(fake_telegram, basic_group=True)
    tg = await telegram_world(party)
    fake, world = tg.fake, tg.world
    old_id = party.owners.id
    fake.user_says(party.owners, party.owner, REPORT)
    [first] = await world.wait_for_tickets(1)
    await eventually(lambda: with_text(fake.sent(old_id), first.number), what="the ack in the old group")

    new = fake.migrate_to_supergroup(party.owners, party.owner)

    async def moved() -> bool:
        chat = await world.chat("telegram", str(new.id))
        return chat is not None and chat.role == "owners" and chat.active

    await until(moved, what="the binding under the new id")
    assert await world.chat("telegram", str(old_id)) is None  # the same row, renamed

    fake.user_says(new, party.owner, "5栋电梯坏了，困住人了")
    _, second = await world.wait_for_tickets(2)
    await eventually(lambda: with_text(fake.sent(new.id), second.number), what="the ack in the supergroup")

    card = await eventually(lambda: with_button(fake.sent(party.stewards.id), f"t:accept:{first.id}"))
    fake.user_presses(party.stewards, party.steward, card.message_id, f"t:accept:{first.id}")
    await eventually(lambda: with_text(fake.sent(new.id), f"{first.number} 已由王管家受理"), what="update")
    refused = [c for c in fake.calls if not c.ok and c.method != "getUpdates"]
    assert refused == []  # nothing was sent to the old id after the migration


async def test_a_send_refused_as_migrated_rebinds_and_resends(
    telegram_world: TelegramFactory, fake_telegram: FakeTelegramAPI
) -> None:
    """The migration update never reached Steward, and someone wrote in the supergroup first
    (so its id is already known, unbound): the refused send moves the binding onto it and the
    message, and the rest of the queue, go to the supergroup."""
    party = telegram_party(fake_telegram, basic_group=True)
    tg = await telegram_world(party)
    fake, world = tg.fake, tg.world
    old_id = party.owners.id
    fake.user_says(party.owners, party.owner, REPORT)
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: with_text(fake.sent(old_id), ticket.number), what="the ack in the old group")

    new = fake.add_group(party.owners.title or "", supergroup=True)
    party.owners.migrated_to = new.id  # Telegram moved the group; the update was lost
    fake.user_says(new, party.owner, "大家好")

    async def seen_unbound() -> bool:
        chat = await world.chat("telegram", str(new.id))
        return chat is not None and chat.role == "unbound"

    await until(seen_unbound, what="the supergroup seen as an unbound chat")

    card = await eventually(lambda: with_button(fake.sent(party.stewards.id), f"t:accept:{ticket.id}"))
    fake.user_presses(party.stewards, party.steward, card.message_id, f"t:accept:{ticket.id}")
    update = await eventually(lambda: with_text(fake.sent(new.id), "已由王管家受理"), what="resent update")
    assert ticket.number in (update.text or "")
    migrated = [c for c in fake.calls_of("sendMessage", chat_id=old_id) if c.status == 400]
    assert len(migrated) == 1

    bound = await world.chat("telegram", str(new.id))
    assert bound is not None
    assert bound.role == "owners"
    assert bound.active
    assert bound.community_id is not None
    old = await world.chat("telegram", str(old_id))
    assert old is not None
    assert old.role == "unbound"
    assert not old.active

    async def recorded_sent() -> bool:
        rows = [r for r in await world.outbox() if r.ref_id == ticket.id and r.ref_type == "ticket_update"]
        return bool(rows) and all(r.status == "sent" and r.platform_chat_id == str(new.id) for r in rows)

    await until(recorded_sent, what="the update recorded as sent to the supergroup")

    fake.user_says(new, party.owner, "6栋大堂的灯坏了，请派人修理")
    _, second = await world.wait_for_tickets(2)
    assert second.source_chat_id == bound.id
    await eventually(lambda: with_text(fake.sent(new.id), second.number), what="ack in the supergroup")
