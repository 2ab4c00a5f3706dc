"""Rendering: what `send()` puts on the wire, as the fake Bot API server received and parsed it."""

from __future__ import annotations

import asyncio
import html
import json
from pathlib import Path

import pytest

from bot.adapters.telegram import TelegramChannel
from bot.core.events import Button, Mention, Outgoing, SendError
from tests.fakes.telegram_api import FakeTelegramAPI, UploadedFile
from tests.telegram.conftest import FAST, ChannelFactory

HOSTILE = '<b>x</b><script>alert("pwn")</script> & <a href="https://evil.example">click</a> &amp;'


async def test_owner_text_is_escaped_and_shows_exactly_as_typed(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("群")

    await channel.send(str(group.id), Outgoing(text=f"業主留言：{HOSTILE}"))

    (call,) = fake.calls_of("sendMessage")
    assert call.ok
    assert call.params["parse_mode"] == "HTML"
    assert "<script>" not in call.params["text"]
    assert "<b>" not in call.params["text"]
    assert call.params["text"] == html.escape(f"業主留言：{HOSTILE}", quote=False)
    (message,) = fake.sent(group.id)
    assert message.text == f"業主留言：{HOSTILE}"  # Telegram's parse gives back the original
    assert message.entities == []  # no bold, no link: nothing was interpreted


async def test_mentions_are_links_to_the_user_with_escaped_names(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("管家群")

    await channel.send(
        str(group.id),
        Outgoing(
            text="新工單 BX-0042",
            mentions=(
                Mention("5000123", "阿明"),
                Mention("5000456", "<Kim & Co>"),
                Mention("@duty_steward", ""),
            ),
        ),
    )

    (call,) = fake.calls_of("sendMessage")
    assert call.params["text"] == (
        "新工單 BX-0042\n"
        '<a href="tg://user?id=5000123">阿明</a> '
        '<a href="tg://user?id=5000456">&lt;Kim &amp; Co&gt;</a> '
        "@duty_steward"
    )
    (message,) = fake.sent(group.id)
    assert message.text == "新工單 BX-0042\n阿明 <Kim & Co> @duty_steward"
    mentioned = [
        (e["user"]["id"], e["user"]["first_name"]) for e in message.entities if e["type"] == "text_mention"
    ]
    assert mentioned == [(5000123, "阿明"), (5000456, "<Kim & Co>")]


async def test_inline_keyboard_on_the_wire(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("管家群")
    buttons = (
        (Button("接單", "t:42:accept"), Button("轉交", "t:42:transfer")),
        (Button("⭐⭐⭐⭐⭐", "r:42:5"),),
    )

    result = await channel.send(str(group.id), Outgoing(text="工單 BX-0042", buttons=buttons))

    (call,) = fake.calls_of("sendMessage")
    assert json.loads(json.dumps(call.params["reply_markup"])) == {
        "inline_keyboard": [
            [
                {"text": "接單", "callback_data": "t:42:accept"},
                {"text": "轉交", "callback_data": "t:42:transfer"},
            ],
            [{"text": "⭐⭐⭐⭐⭐", "callback_data": "r:42:5"}],
        ]
    }
    assert result.message_id == str(fake.sent(group.id)[0].message_id)
    assert fake.sent(group.id)[0].callback_datas == ["t:42:accept", "t:42:transfer", "r:42:5"]


async def test_button_data_over_64_bytes_is_refused_before_sending(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("群")

    with pytest.raises(SendError) as raised:
        await channel.send(str(group.id), Outgoing(text="x", buttons=((Button("太長", "工" * 22),),)))

    assert raised.value.permanent
    assert fake.calls_of("sendMessage") == []


async def test_reply_parameters_and_missing_target(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    question = fake.user_says(group, owner, "水壓好低")
    await inbox.next()

    await channel.send(str(group.id), Outgoing(text="已收到", reply_to=str(question["message_id"])))
    await channel.send(str(group.id), Outgoing(text="原訊息已刪", reply_to="999999"))

    first, second = fake.calls_of("sendMessage")
    assert first.params["reply_parameters"] == {
        "message_id": question["message_id"],
        "allow_sending_without_reply": True,
    }
    ack, orphan = fake.sent(group.id)
    assert ack.reply_to == question["message_id"]
    assert ack.payload["reply_to_message"]["text"] == "水壓好低"
    assert second.ok
    assert orphan.reply_to is None


async def test_answer_in_the_same_forum_topic(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, inbox = await make_channel()
    forum = fake.add_group("論壇", forum=True)
    owner = fake.add_user("Ann")
    topic = fake.open_topic(forum, owner, "維修")
    fake.user_says(forum, owner, "大堂門壞", thread_id=topic)
    incoming = await inbox.next()

    await channel.send(incoming.chat_id, Outgoing(text="已登記", thread_id=incoming.thread_id))

    (call,) = fake.calls_of("sendMessage")
    assert call.params["message_thread_id"] == topic
    (message,) = fake.sent(forum.id)
    assert message.thread_id == topic
    assert message.payload["is_topic_message"] is True


async def test_link_previews_are_off(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("群")

    await channel.send(str(group.id), Outgoing(text="見 https://example.com/notice"))

    (call,) = fake.calls_of("sendMessage")
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_photo_is_a_multipart_upload_with_an_escaped_caption(
    fake: FakeTelegramAPI, make_channel: ChannelFactory, tmp_path: Path
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("管理處")
    image = tmp_path / "weekly report.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)

    result = await channel.send(
        str(group.id),
        Outgoing(text="本週報告 <3", image_path=str(image), buttons=((Button("詳情", "rep:1"),),)),
    )

    (call,) = fake.calls_of("sendPhoto")
    assert call.content_type == "multipart/form-data"
    uploaded = next(iter(call.files.values()))
    assert isinstance(uploaded, UploadedFile)
    assert uploaded.data == image.read_bytes()
    assert uploaded.filename == "weekly report.png"
    assert call.params["caption"] == "本週報告 &lt;3"
    assert call.params["parse_mode"] == "HTML"
    (message,) = fake.sent(group.id)
    assert result.message_id == str(message.message_id)
    assert message.text == "本週報告 <3"
    assert message.callback_datas == ["rep:1"]


async def test_photo_with_a_text_too_long_for_a_caption(
    fake: FakeTelegramAPI, make_channel: ChannelFactory, tmp_path: Path
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("管理處")
    image = tmp_path / "chart.png"
    image.write_bytes(b"\x89PNG fake")
    text = "月報：" + "各座維修統計。" * 200  # > 1024 characters

    result = await channel.send(
        str(group.id), Outgoing(text=text, image_path=str(image), buttons=((Button("詳情", "rep:2"),),))
    )

    photo, body = fake.sent(group.id)
    assert photo.photo is not None
    assert not photo.text
    assert photo.callback_datas == []
    assert body.text == text
    assert body.callback_datas == ["rep:2"]
    assert result.message_id == str(body.message_id)


async def test_missing_image_is_a_permanent_error(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("群")

    with pytest.raises(SendError) as raised:
        await channel.send(str(group.id), Outgoing(text="x", image_path="/nonexistent/report.png"))

    assert raised.value.permanent
    assert fake.calls_of("sendPhoto") == []


async def test_long_text_is_split_in_order_with_buttons_on_the_last_part(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("群")
    lines = [f"第{n}項：{'維修記錄' * 20}" for n in range(60)]  # ~5000 characters
    text = "\n".join(lines)

    result = await channel.send(
        str(group.id),
        Outgoing(text=text, buttons=((Button("更多", "more"),),), mentions=(Mention("42", "阿明"),)),
    )

    parts = fake.sent(group.id)
    assert len(parts) == 2
    assert all(p.text is not None and len(p.text) <= 4096 for p in parts)
    assert "".join(p.text or "" for p in parts) == text + "\n阿明"
    assert parts[0].callback_datas == []
    assert parts[1].callback_datas == ["more"]
    assert result.message_id == str(parts[1].message_id)


async def test_edit_updates_the_card_in_place(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("管家群")
    card = await channel.send(
        str(group.id), Outgoing(text="工單 BX-0042：待接單", buttons=((Button("接單", "t:42:accept"),),))
    )
    assert card.message_id is not None

    edited = await channel.send(
        str(group.id),
        Outgoing(
            text="工單 BX-0042：<阿明> 已接單",
            buttons=((Button("完成", "t:42:done"),),),
            edit_of=card.message_id,
        ),
    )
    again = await channel.send(  # identical: Telegram says "not modified", which is success
        str(group.id),
        Outgoing(
            text="工單 BX-0042：<阿明> 已接單",
            buttons=((Button("完成", "t:42:done"),),),
            edit_of=card.message_id,
        ),
    )
    cleared = await channel.send(
        str(group.id), Outgoing(text="", edit_of=card.message_id)
    )  # drop the buttons

    assert edited.message_id == again.message_id == cleared.message_id == card.message_id
    (message,) = fake.sent(group.id)
    assert message.text == "工單 BX-0042：<阿明> 已接單"
    assert message.reply_markup is None
    assert message.edits == 2
    text_edits = fake.calls_of("editMessageText")
    assert [c.status for c in text_edits] == [200, 400]
    assert text_edits[0].params["text"] == "工單 BX-0042：&lt;阿明&gt; 已接單"
    (markup_edit,) = fake.calls_of("editMessageReplyMarkup")
    assert markup_edit.ok
    assert "reply_markup" not in markup_edit.params


async def test_empty_message_is_refused(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("群")

    with pytest.raises(SendError) as raised:
        await channel.send(str(group.id), Outgoing(text="   "))

    assert raised.value.permanent
    assert fake.calls == [c for c in fake.calls if c.method != "sendMessage"]


async def test_send_before_start_is_a_retryable_error(fake: FakeTelegramAPI) -> None:
    channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)

    with pytest.raises(SendError) as raised:
        await channel.send("-100", Outgoing(text="hi"))

    assert not raised.value.permanent


async def test_concurrent_sends_to_one_chat_keep_their_order(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel(group_rate=100)  # the default 20/min would take a minute
    group = fake.add_group("群")

    await asyncio.gather(*(channel.send(str(group.id), Outgoing(text=f"#{n}")) for n in range(25)))

    assert [m.text for m in fake.sent(group.id)] == [f"#{n}" for n in range(25)]
