"""The Telegram adapter records every Bot API call's outcome for /healthz and /metrics: an
answer (a refusal is one: the platform works), a failure (5xx, timeout), each 429."""

from __future__ import annotations

import pytest

from bot.core.events import Outgoing, SendError
from tests.fakes.telegram_api import FakeTelegramAPI, Fault
from tests.telegram.conftest import ChannelFactory


async def test_a_sent_message_is_a_success(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("业主群")
    await channel.send(str(group.id), Outgoing("你好"))
    snap = channel.calls.snapshot()
    assert (snap.outcomes, snap.consecutive_failures, snap.last_error) == ({"ok": 1}, 0, None)
    assert snap.last_success is not None


async def test_each_429_is_counted_and_the_retried_send_succeeds(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("业主群")
    fake.fail_next("sendMessage", Fault.flood(1), times=2)
    await channel.send(str(group.id), Outgoing("你好"))
    snap = channel.calls.snapshot()
    assert snap.rate_limited == {"429": 2}
    assert snap.outcomes == {"ok": 1}


async def test_server_errors_are_failures_in_a_row_until_a_success(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("业主群")
    fake.fail_next("sendMessage", Fault.server_error(502), times=4)  # the first try and 3 retries
    with pytest.raises(SendError):
        await channel.send(str(group.id), Outgoing("你好"))
    snap = channel.calls.snapshot()
    assert (snap.outcomes, snap.consecutive_failures, snap.last_success) == ({"error": 4}, 4, None)
    assert snap.last_error is not None
    assert snap.last_error.startswith("sendMessage: ")
    await channel.send(str(group.id), Outgoing("你好"))
    assert channel.calls.snapshot().consecutive_failures == 0


async def test_a_refusal_is_an_answer_not_a_failure(
    fake: FakeTelegramAPI, make_channel: ChannelFactory
) -> None:
    channel, _ = await make_channel()
    group = fake.add_group("业主群")
    fake.fail_next("sendMessage", Fault.kicked())
    with pytest.raises(SendError):
        await channel.send(str(group.id), Outgoing("你好"))
    snap = channel.calls.snapshot()
    assert (snap.outcomes, snap.consecutive_failures) == ({"refused": 1}, 0)
