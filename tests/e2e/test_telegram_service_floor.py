"""The service floor end to end on Telegram (issue 21; the fake Bot API ⇄ TelegramChannel ⇄ the
real app, polling): an unrated ticket goes on the 回访 list and a steward records the call with
a button; a suggestion is a 建议 record answered in the owner group, praise of a named steward
is thanked.

The real clock runs here: the 回访 clock is moved on by calling the SLA watch's own step with
a later time (`callbacks.rating_clock`), as the job would after three days."""

from __future__ import annotations

from sqlalchemy import select

from handlers.tickets.callbacks import rating_clock
from handlers.tickets.cards import Wording
from handlers.tickets.sla import SlaBook
from storage.opinion.models import OpinionCrisis
from storage.tickets.models import TicketCallback
from storage.voices.models import Praise, Suggestion
from tests.e2e.conftest import TelegramWorld
from tests.e2e.test_telegram import REPORT, with_button, with_text
from tests.e2e.world import eventually, until


async def test_an_unrated_ticket_is_called_back_and_the_call_recorded(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, REPORT)
    [ticket] = await world.wait_for_tickets(1)
    card = await eventually(
        lambda: with_button(fake.sent(party.stewards.id), f"t:resolve:{ticket.id}"), what="the card"
    )
    fake.user_presses(party.stewards, party.steward, card.message_id, f"t:resolve:{ticket.id}")
    await world.wait_for_ticket(lambda t: t.status == "resolved")

    job = world.app.scheduler.get_job("sla-watch")
    assert job is not None
    runtime, book = job.args
    assert isinstance(book, SlaBook)
    services = runtime.services
    async with runtime.transaction() as uow:
        stored = await uow.tickets.get(ticket.id)
        assert stored is not None
        wording = Wording(services.texts, services.classifier, "zh-Hans")
        await rating_clock(uow, wording, book.rating, stored, runtime.now + book.rating.wait)
    await world.wait_for_ticket(lambda t: t.status == "closed")

    fake.user_says(party.stewards, party.steward, "/callbacks")
    listing = await eventually(lambda: with_text(fake.sent(party.stewards.id), "待回访工单"), what="the list")
    assert ticket.number in (listing.text or "")
    async with world.app.sessions() as session:
        [call] = (await session.scalars(select(TicketCallback))).all()
    data = f"cb:reached:{call.id}:0"
    assert data in listing.callback_datas
    fake.user_presses(party.stewards, party.steward, listing.message_id, data)

    async def recorded() -> TicketCallback | None:
        async with world.app.sessions() as session:
            found = await session.scalar(select(TicketCallback).where(TicketCallback.done_at.is_not(None)))
            return found

    done = await until(recorded, what="the call recorded")
    assert (done.outcome, done.rating) == ("reached", "非常满意")
    closed = await world.wait_for_ticket(lambda t: t.rating == "非常满意")
    assert closed.status == "closed"
    await eventually(lambda: with_text(fake.sent(party.stewards.id), "回访已记录"), what="the confirmation")
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")


async def test_a_suggestion_and_praise_on_telegram(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, "建议物业在地下车库增加充电桩")
    ack = await eventually(lambda: with_text(fake.sent(party.owners.id), "感谢您的建议"), what="the ack")
    assert "建议 #" in (ack.text or "")
    assert await world.tickets() == []
    assert await world.count(Suggestion) == 1

    fake.user_says(party.owners, party.owner, "多谢王管家，修得好快")
    await eventually(lambda: with_text(fake.sent(party.owners.id), "已转达王管家"), what="the thanks")
    await eventually(lambda: with_text(fake.sent(party.stewards.id), "业主表扬了王管家"), what="the credit")
    assert await world.count(Praise) == 1
    assert await world.tickets() == []
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")


async def test_a_crisis_on_telegram_raises_its_ticket_and_keeps_a_record(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    fake.user_says(party.owners, party.owner, "3栋电梯坏了三天了，物业再不修我就找报社记者曝光")
    await world.wait_for_tickets(1)
    raised = await world.wait_for_ticket(lambda t: t.priority == "urgent")
    assert raised.respond_due_at is not None
    card = await eventually(
        lambda: with_text(fake.sent(party.stewards.id), "舆情预警（三级"), what="the card"
    )
    async with world.app.sessions() as session:
        crisis = await session.scalar(select(OpinionCrisis))
    assert crisis is not None
    assert f"cr:speak:{crisis.alert_id}" in card.callback_datas
    await eventually(
        lambda: with_text(fake.sent(party.stewards.id), f"因舆情预警 #{crisis.alert_id}"), what="the raise"
    )
    fake.user_presses(party.stewards, party.steward, card.message_id, f"op:done:{crisis.alert_id}")
    fake.user_says(party.stewards, party.steward, f"/crisis {crisis.alert_id}")
    record = await eventually(
        lambda: with_text(fake.sent(party.stewards.id), "危机处理记录"), what="the record"
    )
    assert "跟进人：王管家" in (record.text or "")
    assert "预警触发" in (record.text or "")
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
