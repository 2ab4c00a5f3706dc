"""A burst of 100 tickets from one owner group: every ack and every card delivered, in ticket
order, never faster than the configured per-group rate (scaled down: 20 per 60 s becomes
RATE per PERIOD), every 429 honoured, and the fake's own flood check never tripped."""

from __future__ import annotations

import re
import time

from tests.e2e.conftest import TelegramFactory
from tests.e2e.world import eventually
from tests.fakes.telegram_api import Fault

RATE, PERIOD = 10, 0.5
BURST = 100
NUMBER = re.compile(r"BX-\d{8}-\d{4}")


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


async def test_a_burst_of_100_tickets_to_one_group(telegram_world: TelegramFactory) -> None:
    tg = await telegram_world(
        telegram_group_rate=RATE, telegram_group_period=PERIOD, telegram_overall_rate=1000.0
    )
    fake, party, world = tg.fake, tg.party, tg.world
    fake.set_rate_limit(RATE, PERIOD)  # the fake refuses (429) whatever goes faster
    fake.fail_next("sendMessage", Fault.flood(1), times=1, after=60)  # and one 429 half-way
    started = time.monotonic()
    for n in range(1, BURST + 1):
        fake.user_says(party.owners, party.owner, f"{n}栋厨房水管漏水了，麻烦派人来修")

    def acks() -> list[str]:
        return [m for msg in fake.sent(party.owners.id) for m in NUMBER.findall(msg.text or "")]

    def cards() -> list[str]:
        return [
            NUMBER.findall(msg.text or "")[0] for msg in fake.sent(party.stewards.id) if msg.callback_datas
        ]

    await eventually(
        lambda: len(acks()) >= BURST and len(cards()) >= BURST, within=60, what="100 acks, 100 cards"
    )
    elapsed = time.monotonic() - started
    tickets = await world.tickets()
    numbers = [t.number for t in tickets]
    assert len(numbers) == BURST
    assert acks() == numbers  # none lost, none doubled, in order
    assert cards() == numbers
    buildings = [t.building for t in tickets]
    assert buildings == [str(n) for n in range(1, BURST + 1)]

    assert fake.rate_limit_hits == []  # never faster than the fake allows
    for chat in (party.owners.id, party.stewards.id):
        attempts = [c.at for c in fake.calls_of("sendMessage", chat_id=chat)]
        assert max_in_window(attempts, PERIOD) <= RATE
    floods = [c for c in fake.calls_of("sendMessage") if c.status == 429]
    assert len(floods) == 1
    flood = floods[0]
    later = [c for c in fake.calls_of("sendMessage") if c.chat_id == flood.chat_id and c.at > flood.at]
    assert later
    assert later[0].at - floods[0].at >= 1.0
    print(
        f"\nburst: {BURST} tickets, {2 * BURST} messages in {elapsed:.2f} s; "
        f"max {max_in_window([c.at for c in fake.calls_of('sendMessage', chat_id=party.owners.id)], PERIOD)}"
        f" per {PERIOD} s in the owners' group (limit {RATE})"
    )
