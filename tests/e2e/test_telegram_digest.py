"""The stewards' digest end to end on Telegram (the fake Bot API ⇄ TelegramChannel ⇄ the real
app, polling): an owner's message the classifier is not sure of gets no answer and opens
nothing; the digest reaches the stewards' group with 开单 / 忽略; 开单 opens the ticket, answers
the owner under their message and rewrites the digest in place; a second press is 已处理.

The digest's scheduled times are off here (the real clock runs), and the test makes the digest
as the job does, through the service the job carries."""

from __future__ import annotations

from sqlalchemy import select

from handlers.triage import TriageService
from handlers.triage.jobs import JOB_ID
from nlp.classifier import Classifier
from storage.triage.models import TriageItem
from tests.e2e.conftest import TelegramFactory
from tests.e2e.test_telegram_conversation import bot_messages, say, settled, under
from tests.e2e.world import eventually
from tests.triage.conftest import unsure

BINS = "负二楼电梯口那滩东西从周一放到现在了，是打算养着吗"


async def test_an_uncertain_message_waits_for_the_digest_and_open_takes_it(
    telegram_world: TelegramFactory, classifier: Classifier
) -> None:
    unsure(classifier, BINS)
    tg = await telegram_world(triage_digest_times="off")
    fake, party, world = tg.fake, tg.party, tg.world
    message = await say(tg, party.owner, BINS)
    assert bot_messages(fake, party.owners) == []
    assert await world.tickets() == []

    runtime, service = world.app.scheduler.get_job(JOB_ID).args
    assert isinstance(service, TriageService)
    stewards = await world.chat("telegram", str(party.stewards.id))
    assert stewards is not None
    assert stewards.community_id is not None
    async with runtime.transaction() as uow:
        assert await service.send_digest(uow, stewards.community_id, runtime.now, runtime.now)
    digest = await eventually(
        lambda: next((m for m in bot_messages(fake, party.stewards) if (m.text or "").startswith("🗂️")), None),
        what="the digest",
    )
    async with world.app.sessions() as session:
        [item] = (await session.scalars(select(TriageItem))).all()
    assert digest.callback_datas == [f"dg:open:{item.id}", f"dg:ignore:{item.id}"]
    assert "1. 張**（" in (digest.text or "")
    assert "负二楼电梯口那滩东西从周一放到现在了，是打算养着吗" in (digest.text or "")

    # 开单, and at once (before the digest is rewritten) 忽略 on the same line: a double tap, or
    # two stewards at the same moment. The first decides; the second is told it is done.
    query = fake.user_presses(party.stewards, party.steward, digest.message_id, f"dg:open:{item.id}")
    again = fake.user_presses(party.stewards, party.steward, digest.message_id, f"dg:ignore:{item.id}")
    await eventually(lambda: fake.callback_answers.get(query), what="the press answered")
    [ticket] = await world.wait_for_tickets(1)
    assert fake.callback_answers[query].text == f"已开单 {ticket.number}"
    await settled(world)
    [ack] = under(bot_messages(fake, party.owners), message)
    assert ticket.number in (ack.text or "")
    rewritten = fake.message(party.stewards.id, digest.message_id)
    assert rewritten.edits == 1
    assert f"✅ 已开单 {ticket.number}（王管家）" in (rewritten.text or "")
    assert rewritten.callback_datas == []
    assert any(f"t:accept:{ticket.id}" in m.callback_datas for m in bot_messages(fake, party.stewards))
    await eventually(lambda: fake.callback_answers.get(again), what="the second press answered")
    assert fake.callback_answers[again].text == "已处理"
    assert len(await world.tickets()) == 1
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
