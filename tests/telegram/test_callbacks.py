"""Callback queries are answered exactly once, every time, with the handler's text when it has one."""

from __future__ import annotations

import asyncio
import time

from bot.adapters.telegram import TelegramChannel
from bot.core.events import Button, CallbackAnswer, Incoming, Outgoing
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser
from tests.telegram.conftest import ChannelFactory


async def _card(channel: TelegramChannel, fake: FakeTelegramAPI) -> tuple[FakeChat, FakeUser, int]:
    group = fake.add_group("業主群")
    owner = fake.add_user("Ann")
    card = await channel.send(
        str(group.id),
        Outgoing(text="請為維修評分", buttons=((Button("👍", "r:42:5"), Button("👎", "r:42:1")),)),
    )
    assert card.message_id is not None
    return group, owner, int(card.message_id)


async def test_handler_answers_during_delivery(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, inbox = await make_channel(callback_answer_grace=0.3)

    async def handler(incoming: Incoming) -> None:
        assert await channel.answer_callback(incoming.message_id, "多謝評分！")

    inbox.on_deliver = handler
    group, owner, card = await _card(channel, fake)
    query_id = fake.user_presses(group, owner, card, "r:42:5")
    await inbox.next()
    await asyncio.sleep(0.5)  # past the grace: the fallback must not answer again

    (call,) = fake.calls_of("answerCallbackQuery")
    assert call.ok
    assert call.params["callback_query_id"] == query_id
    assert fake.callback_answers[query_id].text == "多謝評分！"


async def test_answer_carried_by_an_outgoing_sent_after_delivery(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    """The outbox path: the reply is sent after the handler's transaction committed, shortly after
    delivery returned; an `Outgoing.answer` with the press's query id answers it."""
    channel, inbox = await make_channel(callback_answer_grace=0.6)
    group, owner, card = await _card(channel, fake)
    query_id = fake.user_presses(group, owner, card, "r:42:1")
    press = await inbox.next()
    await asyncio.sleep(0.2)  # the outbox picks the rows up

    toast = await channel.send(
        press.chat_id,
        Outgoing(
            text="",
            answer=CallbackAnswer(press.message_id, "已記錄，我們會跟進", alert=True),
        ),
    )
    edit = await channel.send(press.chat_id, Outgoing(text="評分：👎（已記錄）", edit_of=press.reply_to))

    assert toast.message_id is None  # an answer only: nothing posted in the chat
    assert edit.message_id == str(card)
    answer = fake.callback_answers[query_id]
    assert (answer.text, answer.show_alert) == ("已記錄，我們會跟進", True)
    await asyncio.sleep(0.6)  # past the grace: the fallback must not answer again
    assert len(fake.calls_of("answerCallbackQuery")) == 1
    assert fake.message(group.id, card).text == "評分：👎（已記錄）"


async def test_unanswered_press_is_answered_without_text_after_the_grace(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel(callback_answer_grace=0.2)
    group, owner, card = await _card(channel, fake)
    pressed_at = time.monotonic()
    query_id = fake.user_presses(group, owner, card, "r:42:5")
    await inbox.next()

    (call,) = await fake.wait_for_call("answerCallbackQuery", within=2)

    assert call.params["callback_query_id"] == query_id
    assert fake.callback_answers[query_id].text is None
    assert 0.2 <= call.at - pressed_at < 1.0  # after the grace, well before Telegram gives up


async def test_failed_delivery_answers_with_the_error_text(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel(callback_answer_grace=5.0, callback_error_text="暫時未能處理")

    async def broken(incoming: Incoming) -> None:
        raise RuntimeError("database down")

    inbox.on_deliver = broken
    group, owner, card = await _card(channel, fake)
    query_id = fake.user_presses(group, owner, card, "r:42:5")

    await fake.wait_for_call("answerCallbackQuery", within=2)  # at once, not after the 5 s grace

    assert fake.callback_answers[query_id].text == "暫時未能處理"


async def test_second_answer_is_dropped(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, inbox = await make_channel()
    answers: list[bool] = []

    async def handler(incoming: Incoming) -> None:
        answers.append(await channel.answer_callback(incoming.message_id, "first"))
        answers.append(await channel.answer_callback(incoming.message_id, "second"))

    inbox.on_deliver = handler
    group, owner, card = await _card(channel, fake)
    query_id = fake.user_presses(group, owner, card, "r:42:5")
    await inbox.next()

    assert answers == [True, False]
    assert len(fake.calls_of("answerCallbackQuery")) == 1
    assert fake.callback_answers[query_id].text == "first"


async def test_stop_answers_presses_still_waiting(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, inbox = await make_channel(callback_answer_grace=30.0)
    group, owner, card = await _card(channel, fake)
    query_id = fake.user_presses(group, owner, card, "r:42:5")
    await inbox.next()

    await channel.stop()

    assert query_id in fake.callback_answers
