"""Webhook mode: the fake server POSTs updates to Steward's own aiohttp server, where
`add_telegram_routes` checks the secret token before anything is parsed or delivered."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.telegram import SECRET_HEADER, TelegramChannel
from bot.core.channel import IntakeClosed
from bot.core.events import Button, Incoming, MessageKind, Outgoing
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.conftest import FAST, Inbox

SECRET = "s3cret-Token_for-tests"
PATH = "/telegram/webhook"


class WebhookHost:
    """Steward's shared HTTP server, reduced to the Telegram route and /healthz.

    The socket is bound first so the webhook URL (with its port) is known before the channel is
    built, and routes are added before the aiohttp runner freezes the router, as in production."""

    def __init__(self, fake: FakeTelegramAPI) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.app = web.Application()
        self.runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        self.inbox = Inbox()
        self.channel = TelegramChannel(
            fake.token,
            api_url=fake.base_url,
            mode="webhook",
            webhook_url=self.url,
            secret_token=SECRET,
            **FAST,
        )

    async def start(self) -> None:
        async def healthz(request: web.Request) -> web.Response:
            return web.Response(text="ok")

        self.app.router.add_get("/healthz", healthz)
        self.channel.add_telegram_routes(self.app, PATH)
        await self.runner.setup()
        await web.SockSite(self.runner, self.sock).start()
        await self.channel.start(self.inbox)

    async def close(self) -> None:
        await self.channel.stop()
        await self.runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    async def post(self, body: bytes, headers: dict[str, str]) -> int:
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                self.url, data=body, headers={"Content-Type": "application/json", **headers}
            ) as response,
        ):
            return response.status


@pytest.fixture
async def host(fake: FakeTelegramAPI) -> AsyncIterator[WebhookHost]:
    host = WebhookHost(fake)
    await host.start()
    yield host
    await host.close()


def _update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "supergroup", "title": "群"},
            "from": {"id": 42, "is_bot": False, "first_name": "Forger"},
            "text": text,
        },
    }


async def test_start_registers_the_webhook_with_the_secret(fake: FakeTelegramAPI, host: WebhookHost) -> None:
    (call,) = fake.calls_of("setWebhook")
    assert call.params["url"] == host.url
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "edited_message", "callback_query", "my_chat_member"]
    assert call.params["max_connections"] == 1
    assert fake.calls_of("getUpdates") == []  # no polling in webhook mode


async def test_updates_pushed_by_telegram_are_delivered(fake: FakeTelegramAPI, host: WebhookHost) -> None:
    group = fake.add_group("業主群")
    owner = fake.add_user("Ann")
    fake.user_says(group, owner, "水管爆")
    fake.user_says(group, owner, "/help@StewardTestBot")

    first, second = await host.inbox.wait_for(2)
    await fake.webhook_idle()

    assert (first.kind, first.text, first.chat_id) == (MessageKind.TEXT, "水管爆", str(group.id))
    assert second.kind is MessageKind.COMMAND
    assert [d.status for d in fake.webhook_deliveries] == [200, 200]
    assert all(d.secret_sent == SECRET for d in fake.webhook_deliveries)


async def test_callback_press_over_webhook_is_answered(fake: FakeTelegramAPI, host: WebhookHost) -> None:
    group = fake.add_group("管家群")
    steward = fake.add_user("阿明")
    card = await host.channel.send(
        str(group.id), Outgoing(text="工單", buttons=((Button("接單", "t:1:a"),),))
    )
    assert card.message_id is not None
    query_id = fake.user_presses(group, steward, int(card.message_id), "t:1:a")

    press = await host.inbox.next()
    await fake.wait_for_call("answerCallbackQuery", within=2)

    assert press.kind is MessageKind.CALLBACK
    assert query_id in fake.callback_answers


@pytest.mark.parametrize(
    "headers",
    [{}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}, {SECRET_HEADER: ""}],
    ids=["missing", "wrong", "prefix", "empty"],
)
async def test_requests_without_the_right_secret_are_refused(
    host: WebhookHost, headers: dict[str, str]
) -> None:
    body = json.dumps(_update(1, -100123, "/bind 管理員")).encode()

    status = await host.post(body, headers)

    assert status == 403
    # A well-formed request afterwards goes through, proving the forged one was not merely queued.
    assert await host.post(json.dumps(_update(2, -100123, "real")).encode(), {SECRET_HEADER: SECRET}) == 200
    assert [i.text for i in host.inbox.items] == ["real"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'{"no_update_id": true}',
        b'{"update_id": 5, "message": {"text": "x"}}',
        b"\xff\xfe",
    ],
    ids=["malformed", "array", "no-update-id", "invalid-message", "not-utf8"],
)
async def test_bodies_that_are_not_updates_are_400(host: WebhookHost, body: bytes) -> None:
    assert await host.post(body, {SECRET_HEADER: SECRET}) == 400
    assert host.inbox.items == []


async def test_failed_delivery_is_a_500_so_telegram_redelivers(host: WebhookHost) -> None:
    async def broken(incoming: Incoming) -> None:
        raise RuntimeError("database down")

    host.inbox.on_deliver = broken

    assert await host.post(json.dumps(_update(3, -100123, "x")).encode(), {SECRET_HEADER: SECRET}) == 500


async def test_while_stopping_an_update_is_503_so_telegram_keeps_it(host: WebhookHost) -> None:
    async def closed(incoming: Incoming) -> None:
        raise IntakeClosed("stopping")

    host.inbox.on_deliver = closed

    assert await host.post(json.dumps(_update(4, -100123, "x")).encode(), {SECRET_HEADER: SECRET}) == 503
    assert host.inbox.items == []


async def test_healthz_is_served_alongside(host: WebhookHost) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{host.port}/healthz") as response,
    ):
        assert response.status == 200


def test_webhook_mode_needs_a_url_and_a_secret() -> None:
    with pytest.raises(ValueError, match="secret_token"):
        TelegramChannel("1:x", mode="webhook", webhook_url="https://example.com/tg")
    with pytest.raises(ValueError, match="webhook_url"):
        TelegramChannel("1:x", mode="webhook", secret_token=SECRET)


async def test_polling_channel_refuses_webhook_requests(fake: FakeTelegramAPI) -> None:
    channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)

    assert await channel.process_webhook(b"{}", SECRET) == 404
