"""Callback in, reply out, all over HTTP: the WeCom adapter's two halves wired the way the app wires them.

A stand-in router answers every message; the fake WeCom records what the replies looked like.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.wecom.callback import MemorySeenMessageIds, add_wecom_routes
from bot.adapters.wecom.channel import WeComChannel
from bot.adapters.wecom.crypto import WeComCrypto
from bot.core.channel import Handle
from bot.core.events import Button, Incoming, Mention, MessageKind, Outgoing
from tests.fakes.wecom_api import (
    FakeWeComAPI,
    SignedCallback,
    WeComCallbackDriver,
    aibot_text,
    group_robot_event,
    group_robot_text,
)
from tests.wecom.conftest import AES_KEY, TOKEN

STEWARDS_CHAT = "wrStewards"
STEWARDS_KEY = "stewards-key"


@dataclass
class World:
    client: TestClient[web.Request, web.Application]
    driver: WeComCallbackDriver
    api: FakeWeComAPI
    seen: list[Incoming]

    async def post(self, cb: SignedCallback) -> int:
        async with self.client.post("/wecom/callback", params=cb.params, data=cb.body) as resp:
            return resp.status


@pytest.fixture
async def world(fake_api: FakeWeComAPI) -> AsyncIterator[World]:
    channel = WeComChannel(
        api_base=fake_api.base_url,
        webhook_keys={STEWARDS_CHAT: STEWARDS_KEY},
        callback_prefixes=("t:",),
    )
    seen: list[Incoming] = []

    async def router(incoming: Incoming) -> None:
        """Acknowledge the owner, and post a card with a button to the stewards' group."""
        seen.append(incoming)
        if incoming.kind is not MessageKind.TEXT:
            return
        await channel.send(
            incoming.chat_id, Outgoing(text=f"已收到：{incoming.text}", reply_hint=incoming.reply_hint)
        )
        card = Outgoing(
            text=f"新报修：{incoming.text}",
            buttons=((Button("认领", "t:claim:42"),),),
            mentions=(Mention("zhangsan", "张三"),),
        )
        await channel.send(STEWARDS_CHAT, card)

    async def accept(incoming: Incoming) -> Handle:
        """As the app wires it: the channel prepares the message, the store comes first (here
        nothing to store), the handling after."""
        prepared = channel.prepare(incoming)

        async def handle() -> None:
            await router(prepared)

        return handle

    await channel.start(router)
    app = web.Application()
    add_wecom_routes(
        app,
        path_prefix="/wecom",
        crypto=WeComCrypto(TOKEN, AES_KEY, ""),
        accept=accept,
        seen=MemorySeenMessageIds(),
    )
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield World(client, WeComCallbackDriver(TOKEN, AES_KEY), fake_api, seen)
    finally:
        await client.close()
        await channel.stop()


async def test_intelligent_robot_mention_gets_a_response_url_reply_and_a_steward_card(world: World) -> None:
    url = world.api.new_response_url()
    cb = world.driver.aibot(aibot_text("@物业管家 3栋2单元电梯困人", msgid="m1", response_url=url))
    assert await world.post(cb) == 200
    reply, card = world.api.requests
    assert reply.path == "/cgi-bin/aibot/response"
    assert reply.body == {"msgtype": "markdown", "markdown": {"content": "已收到：3栋2单元电梯困人"}}
    assert card.key == STEWARDS_KEY
    assert card.body["msgtype"] == "markdown"
    assert card.content == "新报修：3栋2单元电梯困人\n\n1. 回复 /t claim 42 认领\n\n<@zhangsan>"


async def test_group_robot_added_then_message_replied_through_its_webhook(world: World) -> None:
    assert await world.post(world.driver.group_robot(group_robot_event("add_to_chat", msgid="e1"))) == 200
    assert (
        await world.post(world.driver.group_robot(group_robot_text("@物业管家 楼道灯坏了", msgid="t1")))
        == 200
    )
    ack = world.api.sent("group-key-1")  # the key from the callbacks' WebhookUrl
    assert [r.content for r in ack] == ["已收到：楼道灯坏了"]
    assert [m.kind for m in world.seen] == [MessageKind.BOT_ADDED, MessageKind.TEXT]


async def test_steward_reply_to_the_card_arrives_as_a_button_press(world: World) -> None:
    cb = world.driver.group_robot(
        group_robot_text("@物业管家 /t claim 42", msgid="c1", chat_id=STEWARDS_CHAT, user_id="zhangsan")
    )
    assert await world.post(cb) == 200
    [press] = world.seen
    assert (press.kind, press.callback_data, press.sender_id) == (
        MessageKind.CALLBACK,
        "t:claim:42",
        "zhangsan",
    )


MARKUP = '[点我](http://evil.example) <font color="warning">紧急</font>\n# 已处理\n> 责任管家：张三 **急** `x` <@all>'


def live_markup(content: str) -> list[str]:
    """What WeCom's markdown would render of `content`: links, tags, headings, quotes, bold, code."""
    patterns = (r"\[[^\]]*\]\(", r"<[A-Za-z@/]", r"(?m)^\s*[#>]", r"\*\*", r"`[^`]*`")
    return [p for p in patterns if re.search(p, content)]


async def test_an_owners_markdown_reaches_the_stewards_group_as_written_not_rendered(world: World) -> None:
    """Issue 18: an owner's links, <font>, headings and fake lines were live in the stewards'
    group. Through the fake WeCom, the markdown card and the markdown reply carry the owner's
    text as written (its signs of markup full-width) and nothing of it renders; the adapter's own
    hints and mention still do."""
    url = world.api.new_response_url()
    assert (
        await world.post(world.driver.aibot(aibot_text(f"@物业管家 {MARKUP}", msgid="m9", response_url=url)))
        == 200
    )
    reply, card = world.api.requests
    for content in (reply.content, card.content):
        owner_part = content.split("\n\n")[0]
        assert live_markup(owner_part) == [], owner_part
        assert unicodedata.normalize("NFKC", owner_part).endswith(unicodedata.normalize("NFKC", MARKUP))
    assert card.content.endswith("\n\n1. 回复 /t claim 42 认领\n\n<@zhangsan>")
