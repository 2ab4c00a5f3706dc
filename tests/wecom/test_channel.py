"""WeComChannel against the fake WeCom over HTTP: what goes over the wire, limits, retries, errors."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.wecom.channel import WeComChannel
from bot.adapters.wecom.webhook import DEAD_WEBHOOK
from bot.core.events import Button, Incoming, Mention, MessageKind, Outgoing, SendError, SendResult, utcnow
from tests.fakes.wecom_api import (
    ERR_INVALID_MSGTYPE,
    ERR_TOO_FREQUENT,
    FakeWeComAPI,
    RecordedRequest,
)

KEY = "robot-key-1"
CHAT = "wrGroup001"

ChannelFactory = Callable[..., Awaitable[WeComChannel]]


async def _noop(_: Incoming) -> None:
    return None


@pytest.fixture
async def make_channel(fake_api: FakeWeComAPI) -> AsyncIterator[ChannelFactory]:
    channels: list[WeComChannel] = []

    async def make(**kw: Any) -> WeComChannel:
        kw.setdefault("webhook_keys", {CHAT: KEY})
        kw.setdefault("rate_limited_backoff", 0.05)
        channel = WeComChannel(api_base=fake_api.base_url, **kw)
        await channel.start(_noop)
        channels.append(channel)
        return channel

    yield make
    for channel in channels:
        await channel.stop()


def contents(requests: list[RecordedRequest]) -> list[str]:
    return [r.content for r in requests]


# -- what goes over the wire ----------------------------------------------------------------


async def test_plain_text_over_the_wire(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    result = await channel.send(CHAT, Outgoing(text="您的报修 BX-1 已受理，维修师傅将在30分钟内联系您。"))
    assert result == SendResult(message_id=None)
    [request] = fake_api.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.key == KEY
    assert request.body == {
        "msgtype": "text",
        "text": {"content": "您的报修 BX-1 已受理，维修师傅将在30分钟内联系您。"},
    }


async def test_long_text_split_at_2048_bytes_on_sentence_ends(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    text = "".join(f"第{i}条：本周六3栋停水检修，请提前储水。" for i in range(120))
    await channel.send(CHAT, Outgoing(text=text))
    sent = fake_api.sent(KEY)
    assert len(sent) > 1
    assert all(r.body["msgtype"] == "text" for r in sent)
    assert all(len(r.content.encode()) <= 2048 for r in sent)
    assert all(r.content.endswith("。") for r in sent)
    assert "".join(contents(sent)) == text


async def test_mentions_and_buttons_go_as_markdown(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    card = Outgoing(
        text="新报修 BX-20240501-0001\n3栋2单元 电梯困人",
        buttons=((Button("接单", "accept:BX-20240501-0001"),),),
        mentions=(Mention("zhangsan", "张三"),),
    )
    await channel.send(CHAT, card)
    [request] = fake_api.sent(KEY)
    assert request.body["msgtype"] == "markdown"
    assert request.content == (
        "新报修 BX-20240501-0001\n3栋2单元 电梯困人\n\n1. 回复 /accept BX-20240501-0001 接单\n\n<@zhangsan>"
    )


async def test_image_after_text(fake_api: FakeWeComAPI, make_channel: ChannelFactory, tmp_path: Path) -> None:
    chart = tmp_path / "weekly.png"
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    chart.write_bytes(data)
    channel = await make_channel()
    await channel.send(CHAT, Outgoing(text="本周报修统计", image_path=str(chart)))
    text_req, image_req = fake_api.sent(KEY)
    assert text_req.content == "本周报修统计"
    assert image_req.body["msgtype"] == "image"
    assert base64.b64decode(image_req.body["image"]["base64"]) == data
    assert image_req.body["image"]["md5"] == hashlib.md5(data).hexdigest()


async def test_bad_image_refused_before_anything_is_sent(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory, tmp_path: Path
) -> None:
    channel = await make_channel()
    missing = Outgoing(text="图表", image_path=str(tmp_path / "nope.png"))
    with pytest.raises(SendError) as missing_err:
        await channel.send(CHAT, missing)
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024))
    with pytest.raises(SendError) as big_err:
        await channel.send(CHAT, Outgoing(text="图表", image_path=str(big)))
    assert missing_err.value.permanent
    assert big_err.value.permanent
    assert fake_api.requests == []


# -- key resolution ---------------------------------------------------------------------------


async def test_no_key_is_a_permanent_error(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    with pytest.raises(SendError) as err:
        await channel.send("unknown-chat", Outgoing(text="hi"))
    assert err.value.permanent
    assert fake_api.requests == []


async def test_async_key_resolver(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    async def lookup(chat_id: str) -> str | None:
        return {"g2": "key-g2"}.get(chat_id)

    channel = await make_channel(webhook_keys=lookup)
    await channel.send("g2", Outgoing(text="hi"))
    assert [r.key for r in fake_api.requests] == ["key-g2"]


async def test_webhook_url_from_a_callback_is_used_and_remembered(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(webhook_keys={})
    hint = "http://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=learnt-key"
    await channel.send("g3", Outgoing(text="第一条", reply_hint=hint))
    await channel.send("g3", Outgoing(text="第二条"))
    assert [(r.key, r.content) for r in fake_api.requests] == [
        ("learnt-key", "第一条"),
        ("learnt-key", "第二条"),
    ]


async def test_receive_learns_the_group_key_and_delivers(fake_api: FakeWeComAPI) -> None:
    delivered: list[Incoming] = []

    async def deliver(incoming: Incoming) -> None:
        delivered.append(incoming)

    channel = WeComChannel(api_base=fake_api.base_url)
    await channel.start(deliver)
    try:
        incoming = Incoming(
            platform="wecom",
            chat_id="g4",
            sender_id="u",
            text="",
            message_id="m",
            sent_at=utcnow(),
            kind=MessageKind.BOT_ADDED,
            reply_hint="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=added-key",
        )
        await channel.receive(incoming)
        await channel.send("g4", Outgoing(text="请发送 /bind 绑定码"))
    finally:
        await channel.stop()
    assert delivered == [incoming]
    assert [r.key for r in fake_api.requests] == ["added-key"]


# -- errcode handling -------------------------------------------------------------------------


async def test_invalid_webhook_93000_is_a_dead_robot_not_a_gone_chat(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    """The group is still there (its robot was removed, or its key changed): the message fails
    for good, but the chat is not given up on (issue 19: a group silently left broadcasts)."""
    fake_api.valid_keys = {"some-other-key"}
    channel = await make_channel()
    with pytest.raises(SendError) as err:
        await channel.send(CHAT, Outgoing(text="hi"))
    assert err.value.permanent
    assert not err.value.chat_gone
    assert err.value.reason.startswith(DEAD_WEBHOOK)
    assert "93000" in err.value.reason
    assert KEY not in err.value.reason
    [request] = fake_api.requests
    assert request.errcode == 93000


async def test_other_errcode_is_a_send_error(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    fake_api.fail_next(KEY, ERR_INVALID_MSGTYPE)
    channel = await make_channel()
    with pytest.raises(SendError) as err:
        await channel.send(CHAT, Outgoing(text="hi"))
    assert err.value.permanent
    assert not err.value.chat_gone


async def test_system_busy_is_transient(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    fake_api.fail_next(KEY, -1)
    channel = await make_channel()
    with pytest.raises(SendError) as err:
        await channel.send(CHAT, Outgoing(text="hi"))
    assert not err.value.permanent


async def test_45009_retried_after_backoff(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    fake_api.fail_next(KEY, ERR_TOO_FREQUENT, times=2)
    channel = await make_channel(rate_limited_backoff=0.1)
    started = time.monotonic()
    await channel.send(CHAT, Outgoing(text="重要通知"))
    assert time.monotonic() - started >= 0.2
    assert [r.errcode for r in fake_api.requests] == [45009, 45009, 0]
    assert contents(fake_api.sent(KEY)) == ["重要通知"]


async def test_45009_exhausted_is_transient_with_retry_after(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    fake_api.fail_next(KEY, ERR_TOO_FREQUENT, times=10)
    channel = await make_channel(rate_limited_backoff=0.01, max_rate_limited_retries=2)
    with pytest.raises(SendError) as err:
        await channel.send(CHAT, Outgoing(text="hi"))
    assert not err.value.permanent
    assert err.value.retry_after == 0.01
    assert len(fake_api.requests) == 3


async def test_network_failure_is_transient(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel()
    await fake_api.close()
    with pytest.raises(SendError) as err:
        await channel.send(CHAT, Outgoing(text="hi"))
    assert not err.value.permanent


async def test_send_before_start_fails() -> None:
    with pytest.raises(SendError):
        await WeComChannel().send(CHAT, Outgoing(text="hi"))


# -- rate limiting and bursts -----------------------------------------------------------------


async def test_burst_of_60_in_order_at_the_configured_rate(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    window = 0.3
    fake_api.rate_limit, fake_api.rate_window = 20, window
    channel = await make_channel(rate_limit=20, rate_window=window)
    texts = [f"通知 {i:02d}" for i in range(60)]
    started = time.monotonic()
    for text in texts:
        await channel.send(CHAT, Outgoing(text=text))
    elapsed = time.monotonic() - started
    sent = fake_api.sent(KEY)
    assert contents(sent) == texts  # all delivered, once each, in order
    assert elapsed >= 2 * window  # 60 messages at 20 per window need at least two waits
    arrivals = [r.received_at for r in sent]
    for i in range(len(arrivals) - 20):
        assert arrivals[i + 20] - arrivals[i] >= window * 2 / 3  # never more than 20 per window (with slack)


async def test_burst_of_60_against_a_stricter_server_retries_every_45009(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    # The limiter is looser than the server, so the server refuses with 45009 and we retry.
    fake_api.rate_limit, fake_api.rate_window = 20, 0.3
    channel = await make_channel(
        rate_limit=40, rate_window=0.3, rate_limited_backoff=0.05, max_rate_limited_retries=20
    )
    texts = [f"消息 {i:02d}" for i in range(60)]
    for text in texts:
        await channel.send(CHAT, Outgoing(text=text))
    assert contents(fake_api.sent(KEY)) == texts
    refused = [r for r in fake_api.requests if r.errcode == ERR_TOO_FREQUENT]
    assert refused
    assert {r.content for r in refused} <= set(texts)


async def test_concurrent_sends_keep_order_and_parts_together(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    long_text = "这是一条很长的公告。" * 150  # three parts
    messages = [Outgoing(text="第一条"), Outgoing(text=long_text), Outgoing(text="第三条")]
    await asyncio.gather(*(channel.send(CHAT, m) for m in messages))
    got = contents(fake_api.sent(KEY))
    assert got[0] == "第一条"
    assert "".join(got[1:-1]) == long_text
    assert got[-1] == "第三条"


# -- intelligent-robot replies through response_url -------------------------------------------


async def test_reply_through_response_url(fake_api: FakeWeComAPI, make_channel: ChannelFactory) -> None:
    channel = await make_channel(webhook_keys={})
    url = fake_api.new_response_url()
    await channel.send("u-direct", Outgoing(text="已为您登记报修 BX-2。", reply_hint=url))
    [request] = fake_api.requests
    assert request.path == "/cgi-bin/aibot/response"
    assert request.body == {"msgtype": "markdown", "markdown": {"content": "已为您登记报修 BX-2。"}}


async def test_used_response_url_falls_back_to_webhook(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    url = fake_api.new_response_url()
    await channel.send(CHAT, Outgoing(text="第一次", reply_hint=url))
    await channel.send(CHAT, Outgoing(text="第二次", reply_hint=url))  # single use: pushed instead
    assert [(r.path, r.errcode) for r in fake_api.requests] == [
        ("/cgi-bin/aibot/response", 0),
        ("/cgi-bin/aibot/response", fake_api.requests[1].errcode),
        ("/cgi-bin/webhook/send", 0),
    ]
    assert fake_api.requests[1].errcode != 0
    assert contents(fake_api.sent(KEY)) == ["第二次"]


async def test_used_response_url_without_a_key_fails(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel(webhook_keys={})
    url = fake_api.new_response_url()
    await channel.send("u", Outgoing(text="一", reply_hint=url))
    with pytest.raises(SendError):
        await channel.send("u", Outgoing(text="二", reply_hint=url))


async def test_response_url_on_another_host_is_refused(
    fake_api: FakeWeComAPI, make_channel: ChannelFactory
) -> None:
    channel = await make_channel()
    hint = "https://evil.example/cgi-bin/aibot/response?response_code=x"
    with pytest.raises(SendError) as err:
        await channel.send(CHAT, Outgoing(text="hi", reply_hint=hint))
    assert err.value.permanent
    assert fake_api.requests == []


async def test_receive_turns_button_replies_into_presses(fake_api: FakeWeComAPI) -> None:
    delivered: list[Incoming] = []

    async def deliver(incoming: Incoming) -> None:
        delivered.append(incoming)

    channel = WeComChannel(api_base=fake_api.base_url, callback_prefixes=("t:claim:",))
    await channel.start(deliver)
    try:
        for text in ("/t claim 42", "/my"):
            await channel.receive(Incoming("wecom", "g", "u", text, "m", utcnow(), kind=MessageKind.COMMAND))
    finally:
        await channel.stop()
    assert [(m.kind, m.callback_data) for m in delivered] == [
        (MessageKind.CALLBACK, "t:claim:42"),
        (MessageKind.COMMAND, None),
    ]
