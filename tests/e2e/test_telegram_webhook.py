"""Webhook mode through Steward's own HTTP server (bot/http.py): Telegram posts updates to
/telegram/webhook with the secret token; anything without the right one is refused (403)
before it is parsed, and nothing of it is processed or stored."""

from __future__ import annotations

import json

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from storage.inbox.models import InboxUpdate
from storage.messages.models import MessageLog, ProcessedDelivery
from storage.tickets.models import Ticket
from tests.e2e.conftest import TelegramFactory, TelegramWorld
from tests.e2e.test_telegram import REPORT, with_text
from tests.e2e.world import World, eventually, free_port

SECRET = "e2e-Secret_token-42"


async def start_webhook_world(telegram_world: TelegramFactory) -> TelegramWorld:
    port = free_port()
    return await telegram_world(
        telegram_mode="webhook",
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        telegram_secret_token=SECRET,
        http_port=port,
    )


async def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers={"Content-Type": "application/json", **headers}) as response,
    ):
        return response.status


async def test_updates_arrive_through_the_webhook(telegram_world: TelegramFactory) -> None:
    tg = await start_webhook_world(telegram_world)
    fake, party, world = tg.fake, tg.party, tg.world
    assert fake.webhook_url == f"{world.base_url}/telegram/webhook"
    assert fake.webhook_secret == SECRET
    assert not fake.calls_of("getUpdates")

    fake.user_says(party.owners, party.owner, REPORT)
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: with_text(fake.sent(party.owners.id), ticket.number), what="the ack")
    await eventually(lambda: with_text(fake.sent(party.stewards.id), ticket.number), what="the card")
    await fake.webhook_idle()
    assert [d.status for d in fake.webhook_deliveries] == [200]

    status, health = await world.get("/healthz")
    assert status == 200
    assert health["db"]["reachable"] is True
    assert isinstance(health["outbox"]["backlog"], int)
    assert health["adapters"]["telegram"] == {"running": True, "mode": "webhook", "bot": "StewardTestBot"}


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    telegram_world: TelegramFactory,
) -> None:
    tg = await start_webhook_world(telegram_world)
    fake, party, world = tg.fake, tg.party, tg.world
    update = {
        "update_id": 990_000_001,
        "message": {
            "message_id": 77,
            "date": 1_800_000_000,
            "chat": party.owners.to_api(),
            "from": party.owner.to_api(),
            "text": REPORT,
        },
    }
    url = f"{world.base_url}/telegram/webhook"
    body = json.dumps(update).encode()
    assert await post(url, body, {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"}) == 403
    assert await post(url, body, {}) == 403
    assert await post(url, body, {"X-Telegram-Bot-Api-Secret-Token": SECRET.upper()}) == 403
    for model in (MessageLog, ProcessedDelivery, Ticket):
        assert await world.count(model) == 0, model
    assert not fake.calls_of("sendMessage")

    # The same update with the right secret is processed once.
    assert await post(url, body, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 200
    assert await post(url, body, {"X-Telegram-Bot-Api-Secret-Token": SECRET}) == 200  # a redelivery
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: with_text(fake.sent(party.owners.id), ticket.number), what="the ack")
    assert await world.count(MessageLog) == 1


async def test_a_stop_answers_503_and_the_next_start_handles_telegrams_retry_once(
    telegram_world: TelegramFactory, engine: AsyncEngine, classifier: Classifier
) -> None:
    """Once a stop has begun nothing new is stored: Telegram is answered 503 and keeps the
    update, and posts it again until Steward is back, which handles it once."""
    tg = await start_webhook_world(telegram_world)
    fake, party, world = tg.fake, tg.party, tg.world
    world.app.inbox.close()  # what `App.stop` does first
    fake.user_says(party.owners, party.owner, REPORT)
    await eventually(lambda: any(d.status == 503 for d in fake.webhook_deliveries), what="a 503")
    assert await world.count(InboxUpdate) == 0
    await world.stop()

    again = World(world.settings, engine, classifier)  # the next start, on the same database
    await again.start()
    try:
        [ticket] = await again.wait_for_tickets(1)
        await eventually(lambda: with_text(fake.sent(party.owners.id), ticket.number), what="the ack")
        await fake.webhook_idle()
        statuses = [d.status for d in fake.webhook_deliveries]
        assert statuses[-1] == 200
        assert statuses.count(200) == 1
        assert set(statuses[:-1]) <= {503, 0}  # refused while stopping, unanswered while down
        assert await again.count(MessageLog) == 1
        assert await again.count(InboxUpdate) == 1
    finally:
        await again.stop()
