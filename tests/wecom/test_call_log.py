"""The WeCom adapter records every robot request's outcome for /healthz and /metrics: an
answer (errcode 0, or a refusal such as 93000), a failure (-1 system busy, HTTP errors),
each 45009."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.wecom.channel import WeComChannel
from bot.core.events import Incoming, Outgoing, SendError
from tests.fakes.wecom_api import FakeWeComAPI

CHAT = "wrGroup001"
KEY = "robot-key-1"


async def _noop(_: Incoming) -> None:
    return None


@pytest.fixture
async def channel(fake_api: FakeWeComAPI) -> AsyncIterator[WeComChannel]:
    wecom = WeComChannel(
        api_base=fake_api.base_url,
        webhook_keys={CHAT: KEY},
        rate_limited_backoff=0.01,
        max_rate_limited_retries=2,
    )
    await wecom.start(_noop)
    yield wecom
    await wecom.stop()


async def test_outcomes_successes_refusals_failures_and_45009(
    fake_api: FakeWeComAPI, channel: WeComChannel
) -> None:
    await channel.send(CHAT, Outgoing("你好"))
    fake_api.fail_next(KEY, 45009)
    await channel.send(CHAT, Outgoing("你好"))  # retried after the back-off
    snap = channel.calls.snapshot()
    assert snap.rate_limited == {"45009": 1}
    assert snap.outcomes == {"ok": 2, "refused": 1}

    fake_api.fail_next(KEY, -1)
    with pytest.raises(SendError):
        await channel.send(CHAT, Outgoing("你好"))
    snap = channel.calls.snapshot()
    assert (snap.consecutive_failures, snap.last_error) == (1, "errcode -1 (system busy)")

    fake_api.fail_next(KEY, 93000)  # the robot was removed: WeCom answered
    with pytest.raises(SendError):
        await channel.send(CHAT, Outgoing("你好"))
    assert channel.calls.snapshot().consecutive_failures == 0
