"""A burst of 60 owner messages in one WeCom group: 60 acks pushed through that group's robot,
in ticket order, at the configured rate (20 a minute scaled down to RATE per PERIOD), with
every 45009 (too frequent) retried until accepted."""

from __future__ import annotations

import asyncio
import re

from tests.e2e.conftest import WeComFactory
from tests.e2e.test_wecom import ROBOT, post
from tests.e2e.world import OWNERS_KEY, STEWARDS_KEY, WECOM_OWNERS, eventually
from tests.fakes.wecom_api import ERR_TOO_FREQUENT, group_robot_text

RATE, PERIOD = 10, 0.5
BURST = 60
NUMBER = re.compile(r"BX-\d{8}-\d{4}")


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


async def test_a_burst_of_60_to_one_robot(wecom_world: WeComFactory) -> None:
    wc = await wecom_world(wecom_rate=RATE, wecom_period=PERIOD, wecom_rate_limited_backoff=0.2)
    api, world, robot = wc.party.api, wc.world, wc.party.robot
    api.rate_limit, api.rate_window = RATE, PERIOD
    owners_url = f"{api.base_url}/cgi-bin/webhook/send?key={OWNERS_KEY}"

    async def inject_45009() -> None:
        await eventually(lambda: len(api.sent(OWNERS_KEY)) >= 20, within=30)
        api.fail_next(OWNERS_KEY, ERR_TOO_FREQUENT, times=3)

    injector = asyncio.create_task(inject_45009())
    for n in range(1, BURST + 1):
        xml = group_robot_text(
            f"@物业管家 {n}栋厨房水管漏水了，麻烦派人来修",
            msgid=f"burst-{n:03d}",
            chat_id=WECOM_OWNERS,
            webhook_url=owners_url,
            user_id="owner-zhang",
        )
        assert await post(world, ROBOT, robot.group_robot(xml)) == 200
    await injector

    def acks() -> list[str]:
        return [m for r in api.sent(OWNERS_KEY) for m in NUMBER.findall(r.content)]

    await eventually(lambda: len(acks()) >= BURST, within=60, what="60 acks")
    tickets = await world.tickets()
    assert acks() == [t.number for t in tickets]  # all 60, in order, none twice
    assert len(tickets) == BURST

    owners = [r for r in api.requests if r.key == OWNERS_KEY]
    refused = [r for r in owners if r.errcode == ERR_TOO_FREQUENT]
    assert len(refused) >= 3
    for r in refused:  # each 45009 was retried: the same message accepted afterwards
        assert any(a.accepted and a.raw == r.raw and a.received_at > r.received_at for a in owners)
    accepted = [r.received_at for r in owners if r.accepted]
    assert max_in_window(accepted, PERIOD) <= RATE
    elapsed = accepted[-1] - accepted[0]
    assert elapsed >= (BURST // RATE - 1) * PERIOD  # the limiter, not the fake, set the pace
    cards = await eventually(lambda: len(api.sent(STEWARDS_KEY)) >= BURST, within=30, what="60 cards")
    assert cards
    print(
        f"\nwecom burst: {BURST} acks over {elapsed:.2f} s, max {max_in_window(accepted, PERIOD)} "
        f"per {PERIOD} s (limit {RATE}), {len(refused)} x 45009 retried"
    )
