"""Photos of tickets end to end over Telegram (issue 21, item 2): the owner's photo after their
report is kept by its file_id (the largest size), the card rewritten in place counts it, a
steward's /resolve sent with a photo keeps the after photo, and /photos has Telegram re-send
them by file_id (sendPhoto, checked by aiogram's models and by the fake, which refuses a
file id it never handed out)."""

from __future__ import annotations

from sqlalchemy import select

from storage.tickets.models import TicketMedia
from tests.e2e.conftest import TelegramWorld
from tests.e2e.test_telegram import REPORT, with_button
from tests.e2e.world import eventually, until


async def test_photos_are_kept_counted_and_forwarded_by_file_id(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, REPORT)
    [ticket] = await world.wait_for_tickets(1)
    card = await eventually(
        lambda: with_button(fake.sent(party.stewards.id), f"t:accept:{ticket.id}"), what="the card"
    )
    sent = fake.user_sends_media(party.owners, party.owner, "photo")
    largest = sent["photo"][-1]

    async def kept(n: int) -> list[TicketMedia] | None:
        async with world.app.sessions() as session:
            rows = list((await session.scalars(select(TicketMedia).order_by(TicketMedia.id))).all())
        return rows if len(rows) >= n else None

    [owner_photo] = await until(lambda: kept(1), what="the owner's photo kept")
    assert (owner_photo.ticket_id, owner_photo.stage) == (ticket.id, "report")
    assert (owner_photo.file_id, owner_photo.unique_id) == (largest["file_id"], largest["file_unique_id"])

    # 接单, then 已到场 on the card: the card is rewritten with the photo and the arrival
    fake.user_presses(party.stewards, party.steward, card.message_id, f"t:accept:{ticket.id}")
    await world.wait_for_ticket(lambda t: t.status == "in_progress")
    arrive = await eventually(
        lambda: with_button(fake.sent(party.stewards.id), f"t:arrive:{ticket.id}"), what="the arrive button"
    )
    fake.user_presses(party.stewards, party.steward, arrive.message_id, f"t:arrive:{ticket.id}")
    await world.wait_for_ticket(lambda t: t.arrived_at is not None)

    def rewritten() -> str | None:
        text = fake.message(party.stewards.id, card.message_id).text or ""
        return text if "已到场" in text else None

    text = await eventually(rewritten, what="the card rewritten after 已到场")
    assert "📷 照片 1 张（报修时 1）" in text
    assert f"t:arrive:{ticket.id}" not in fake.message(party.stewards.id, card.message_id).callback_datas

    # /resolve with a photo: the after photo
    fake.user_sends_media(
        party.stewards, party.steward, "photo", caption=f"/resolve {ticket.number} 已更换角阀"
    )
    await world.wait_for_ticket(lambda t: t.status == "resolved")
    rows = await until(lambda: kept(2), what="the after photo kept")
    assert [r.stage for r in rows] == ["report", "after"]

    fake.user_says(party.stewards, party.steward, f"/photos {ticket.number}")
    calls = await fake.wait_for_call("sendPhoto", 2)
    assert [c.params["photo"] for c in calls] == [r.file_id for r in rows]
    assert all(c.ok for c in calls)
    assert f"{ticket.number} 照片 1/2" in str(calls[0].params.get("caption"))
    assert not fake.violations
