"""Every kind of update Steward cares about, through the real PTB stack: the fake server serves it
to getUpdates long polling, PTB parses it, and `deliver` receives the right `Incoming`."""

from __future__ import annotations

from datetime import UTC

import pytest

from bot.adapters.telegram import TelegramChannel
from bot.core.channel import IntakeClosed
from bot.core.events import Button, ChatType, Incoming, MessageKind, Outgoing, Photo
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser, Fault
from tests.telegram.conftest import FAST, ChannelFactory, Inbox


async def _marker(fake: FakeTelegramAPI, inbox: Inbox, chat: FakeChat, user: FakeUser) -> list[Incoming]:
    """Push a plain message and wait for it: everything pushed before it was processed by then."""
    fake.user_says(chat, user, "marker")
    while not any(item.text == "marker" for item in inbox.items):
        await inbox.wait_for(len(inbox.items) + 1)
    return [item for item in inbox.items if item.text != "marker"]


async def test_text_in_a_supergroup(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("海濱花園 業主群")
    owner = fake.add_user("大文", last_name="陳")
    sent = fake.user_says(group, owner, "3座12樓 廚房漏水")

    incoming = await inbox.next()

    assert incoming.platform == "telegram"
    assert incoming.kind is MessageKind.TEXT
    assert incoming.text == "3座12樓 廚房漏水"
    assert incoming.chat_id == str(group.id)
    assert incoming.chat_type is ChatType.GROUP
    assert incoming.chat_title == "海濱花園 業主群"
    assert incoming.sender_id == str(owner.id)
    assert incoming.sender_name == "大文 陳"
    assert incoming.message_id == str(sent["message_id"])
    assert incoming.sent_at.tzinfo is not None
    assert incoming.sent_at.utcoffset() == UTC.utcoffset(None)
    assert int(incoming.sent_at.timestamp()) == sent["date"]
    assert (incoming.reply_to, incoming.thread_id, incoming.edited_at) == (None, None, None)


async def test_basic_group_and_private_chat(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("舊群", supergroup=False)
    owner = fake.add_user("Mary")
    private = fake.add_private(owner)
    fake.user_says(group, owner, "hello group")
    fake.user_says(private, owner, "hello bot")

    in_group, in_private = await inbox.wait_for(2)

    assert in_group.chat_type is ChatType.GROUP
    assert in_group.chat_id == str(group.id)
    assert group.id < 0
    assert group.type == "group"
    assert in_private.chat_type is ChatType.PRIVATE
    assert in_private.chat_id == str(owner.id)
    assert in_private.chat_title == "Mary"


async def test_commands_for_us_are_kept_whole_and_others_dropped(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    fake.user_says(group, owner, "/my")
    fake.user_says(group, owner, "/ticket@StewardTestBot BX-0042 urgent")
    fake.user_says(group, owner, "/ticket@stewardtestbot BX-0043")  # usernames are case-insensitive
    fake.user_says(group, owner, "/start@SomeOtherBot")
    fake.user_says(group, owner, "/ not a command")

    items = await _marker(fake, inbox, group, owner)

    assert [(i.kind, i.text) for i in items] == [
        (MessageKind.COMMAND, "/my"),
        (MessageKind.COMMAND, "/ticket@StewardTestBot BX-0042 urgent"),
        (MessageKind.COMMAND, "/ticket@stewardtestbot BX-0043"),
        (MessageKind.TEXT, "/ not a command"),
    ]
    assert items[1].command == ("ticket", ["BX-0042", "urgent"])


async def test_caption_is_text_and_media_without_caption_is_its_kind(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    captioned = fake.user_sends_media(group, owner, "photo", caption="天花板滲水，見相")
    fake.user_sends_media(group, owner, "photo", caption="/ticket BX-1")
    bare = fake.user_sends_media(group, owner, "photo")
    fake.user_sends_media(group, owner, "sticker")
    fake.user_sends_media(group, owner, "voice")
    fake.user_sends_media(group, owner, "document")

    items = await _marker(fake, inbox, group, owner)

    assert [(i.kind, i.text) for i in items] == [
        (MessageKind.TEXT, "天花板滲水，見相"),
        (MessageKind.COMMAND, "/ticket BX-1"),
        (MessageKind.PHOTO, ""),
        (MessageKind.STICKER, ""),
        (MessageKind.VOICE, ""),
        (MessageKind.OTHER_MEDIA, ""),
    ]
    assert not any(i.kind.is_classifiable for i in items[2:])
    # a photo, captioned or not, carries its largest size's file_id and file_unique_id
    largest = captioned["photo"][-1]
    assert items[0].photos == (Photo(largest["file_id"], largest["file_unique_id"]),)
    assert items[2].photos == (Photo(bare["photo"][-1]["file_id"], bare["photo"][-1]["file_unique_id"]),)
    assert items[1].photos  # a command sent with a photo (/resolve BX-… with the after photo)
    assert all(not i.photos for i in items[3:])


async def test_edited_message_keeps_the_id_and_sets_edited_at(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    original = fake.user_says(group, owner, "電梯壞")
    edited = fake.user_edits(group, original["message_id"], "電梯壞了，困人！")

    first, second = await inbox.wait_for(2)

    assert first.edited_at is None
    assert second.message_id == first.message_id == str(original["message_id"])
    assert second.text == "電梯壞了，困人！"
    assert second.edited_at is not None
    assert int(second.edited_at.timestamp()) == edited["edit_date"]
    assert second.delivery_key != first.delivery_key


async def test_replies_in_a_group(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("群")
    owner, neighbour = fake.add_user("Ann"), fake.add_user("Bob")
    first = fake.user_says(group, owner, "停車場燈壞")
    fake.user_says(group, neighbour, "+1 我都見到", reply_to=first["message_id"])

    _, reply = await inbox.wait_for(2)

    assert reply.reply_to == str(first["message_id"])
    assert reply.thread_id is None


async def test_forum_topic_messages_carry_the_thread(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel()
    forum = fake.add_group("屋苑論壇", forum=True)
    owner = fake.add_user("Ann")
    topic = fake.open_topic(forum, owner, "維修")
    in_topic = fake.user_says(forum, owner, "大堂門鎖壞", thread_id=topic)
    fake.user_says(forum, owner, "仲未整", thread_id=topic, reply_to=in_topic["message_id"])

    items = await _marker(fake, inbox, forum, owner)

    # The topic-created service message is not delivered; topic messages carry the thread id.
    assert [(i.text, i.thread_id, i.reply_to) for i in items] == [
        ("大堂門鎖壞", str(topic), None),  # the implicit reply to the topic root is not a reply
        ("仲未整", str(topic), str(in_topic["message_id"])),
    ]


async def test_callback_query_from_a_button_press(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel()
    stewards = fake.add_group("管家群")
    steward = fake.add_user("阿明")

    card = await channel.send(
        str(stewards.id), Outgoing(text="工單 BX-0042", buttons=((Button("接單", "t:42:accept"),),))
    )
    assert card.message_id is not None
    query_id = fake.user_presses(stewards, steward, int(card.message_id), "t:42:accept")

    incoming = await inbox.next()

    assert incoming.kind is MessageKind.CALLBACK
    assert incoming.callback_data == "t:42:accept"
    assert incoming.message_id == query_id
    assert incoming.reply_hint == query_id
    assert incoming.reply_to == card.message_id
    assert incoming.chat_id == str(stewards.id)
    assert incoming.sender_id == str(steward.id)
    assert incoming.text == ""
    await fake.wait_for_call("answerCallbackQuery")
    assert query_id in fake.callback_answers


async def test_bot_added_and_removed(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("新群")
    group.bot_status = "left"
    admin = fake.add_user("Admin")
    fake.bot_added(group, admin)
    fake.bot_removed(group, admin, kicked=True)
    other = fake.add_group("另一群")
    fake.bot_added(other, admin, admin=True)  # left -> administrator

    items = await _marker(fake, inbox, other, admin)

    # One Incoming per change: the new_chat_members / left_chat_member service messages that
    # Telegram sends alongside my_chat_member are not delivered again.
    assert [(i.kind, i.chat_id) for i in items] == [
        (MessageKind.BOT_ADDED, str(group.id)),
        (MessageKind.BOT_REMOVED, str(group.id)),
    ]
    assert items[0].sender_id == str(admin.id)
    assert items[0].chat_title == "新群"
    assert items[0].delivery_key != items[1].delivery_key


async def test_bot_promoted_to_admin_is_not_an_add(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("群")
    admin = fake.add_user("Admin")
    fake.bot_added(group, admin, admin=True)  # member -> administrator: still a member

    assert await _marker(fake, inbox, group, admin) == []


async def test_private_chat_blocked_and_restarted(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel()
    owner = fake.add_user("Ann")
    private = fake.add_private(owner)
    fake.bot_removed(private, owner, kicked=True)  # the user blocked the bot
    fake.bot_added(private, owner)  # ... and unblocked it

    removed, added = await inbox.wait_for(2)

    assert (removed.kind, removed.chat_type) == (MessageKind.BOT_REMOVED, ChatType.PRIVATE)
    assert (added.kind, added.chat_type) == (MessageKind.BOT_ADDED, ChatType.PRIVATE)


async def test_group_migrates_to_a_supergroup(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    _, inbox = await make_channel()
    group = fake.add_group("舊群", supergroup=False)
    admin = fake.add_user("Admin")
    new = fake.migrate_to_supergroup(group, admin)

    items = await _marker(fake, inbox, new, admin)

    assert len(items) == 1  # the migrate_from_chat_id echo in the new supergroup is not delivered
    migrated = items[0]
    assert migrated.kind is MessageKind.CHAT_MIGRATED
    assert migrated.chat_id == str(group.id)
    assert migrated.migrated_to == str(new.id)
    assert new.id < -(10**12)


async def test_updates_arrive_in_order_and_are_confirmed(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    for n in range(30):
        fake.user_says(group, owner, f"message {n}")

    items = await inbox.wait_for(30)
    await channel.stop()

    assert [i.text for i in items] == [f"message {n}" for n in range(30)]
    # getUpdates was always called with offset = last update_id + 1, so nothing is left pending:
    # a restarted channel does not see these updates again.
    offsets = [int(c.params["offset"]) for c in fake.calls_of("getUpdates") if c.params.get("offset")]
    assert offsets == sorted(offsets)
    _, second_inbox = await make_channel()
    fake.user_says(group, owner, "after restart")
    assert (await second_inbox.next()).text == "after restart"
    assert len(second_inbox.items) == 1


async def test_long_poll_honours_timeout_and_allowed_updates(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    _, inbox = await make_channel(poll_timeout=1)
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    polls_before = len(fake.calls_of("getUpdates"))

    # Nothing to deliver for a while: the client long-polls rather than hammering the server.
    await fake.wait_for_call("getUpdates", polls_before + 1, within=3)
    fake.user_says(group, owner, "hi")
    await inbox.next()

    polls = [c for c in fake.calls_of("getUpdates") if c.params.get("timeout")]
    assert polls
    assert all(c.params["timeout"] == 1 for c in polls)
    assert polls[0].params["allowed_updates"] == [
        "message",
        "edited_message",
        "callback_query",
        "my_chat_member",
    ]
    # At most a few polls per second: each one waited up to its timeout.
    assert len(fake.calls_of("getUpdates")) <= polls_before + 4


async def test_an_update_that_was_not_stored_is_fetched_again_and_later_ones_wait(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    """`deliver` raising means the update was not stored: Telegram must not be told it was
    received, so it is fetched again; the updates after it wait for it (order)."""
    _, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")
    failures = 0
    offsets_when_stored: list[object] = []

    async def database_down_twice(incoming: Incoming) -> None:
        nonlocal failures
        if incoming.text == "boom":
            if failures < 2:
                failures += 1
                raise RuntimeError("database down")
            offsets_when_stored.extend(c.params.get("offset") for c in fake.calls_of("getUpdates"))

    inbox.on_deliver = database_down_twice
    fake.user_says(group, owner, "boom")
    fake.user_says(group, owner, "after")

    items = await inbox.wait_for(2)

    assert [i.text for i in items] == ["boom", "after"]
    assert failures == 2
    # Until "boom" was stored, every getUpdates asked from the start again (nothing confirmed).
    assert len(offsets_when_stored) >= 3
    assert set(offsets_when_stored) == {None}


async def test_stop_confirms_what_was_stored_and_leaves_the_rest_with_telegram(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel()
    group = fake.add_group("群")
    owner = fake.add_user("Ann")

    async def stopping_at_the_third(incoming: Incoming) -> None:
        if incoming.text == "3":
            raise IntakeClosed("stopping")

    inbox.on_deliver = stopping_at_the_third
    for n in range(1, 6):
        fake.user_says(group, owner, str(n))
    await inbox.wait_for(2)
    await channel.stop()

    assert [i.text for i in inbox.items] == ["1", "2"]
    polls = fake.calls_of("getUpdates")
    assert len(polls) == 2  # nothing was fetched after the refusal; then the confirmation:
    assert (polls[-1].params["limit"], polls[-1].params["timeout"]) == (1, 0)
    _, second = await make_channel()  # and the next start gets exactly the rest
    assert [i.text for i in await second.wait_for(3)] == ["3", "4", "5"]
    fake.user_says(group, owner, "6")
    assert (await second.next()).text == "6"
    assert [i.text for i in second.items] == ["3", "4", "5", "6"]


async def test_start_with_a_rejected_token_fails_cleanly(fake: FakeTelegramAPI) -> None:
    channel = TelegramChannel("999:rejected-token", api_url=fake.base_url, **FAST)

    with pytest.raises(RuntimeError, match="token was rejected") as raised:
        await channel.start(Inbox())

    assert "rejected-token" not in str(raised.value)
    assert raised.value.__cause__ is None
    await channel.stop()  # a no-op: nothing is left running


async def test_start_when_the_api_is_down_fails_cleanly(fake: FakeTelegramAPI) -> None:
    fake.fail_next("getMe", Fault.server_error(502))
    channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)

    with pytest.raises(RuntimeError, match="cannot start"):
        await channel.start(Inbox())

    inbox = Inbox()
    await channel.start(inbox)  # and can be started again once it is back
    await channel.stop()
