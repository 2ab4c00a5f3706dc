"""The database away costs delay, never a message (docs/RELIABILITY.md, "Inbound").

`steward run` as a separate process against the fake Bot API while its database is taken
away for real: on SQLite another process holds the write lock, on PostgreSQL the server is
stopped (a cluster of the test's own, `pg_ctl stop -m fast`) and started again.
- polling: 20 s without the database in the middle of a flood; nothing is acknowledged that
  was not stored, and every message is handled, once, soon after the database is back;
- webhook: an update that cannot be stored is answered 500, so Telegram posts it again, and
  that redelivery is handled once.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import pytest

from tests.e2e.world import eventually
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.reliability.conftest import OutageDatabase, StewardFactory
from tests.reliability.inbound import Books, answered, owners, report, until

pytestmark = pytest.mark.slow

OUTAGE = 20.0  # seconds
SECRET = "fault-Suite_secret"


async def test_the_database_away_for_20_s_during_a_flood_loses_nothing(
    fake: FakeTelegramAPI, outage_database: OutageDatabase, steward_at: StewardFactory
) -> None:
    db = outage_database
    steward = steward_at(db.url)
    party = steward.party
    people = owners(fake, 40)
    books = Books(db.url)
    try:
        await steward.start()
        users = {str(fake.user_says(party.owners, people[n], report(n))["message_id"]) for n in range(20)}
        await until(lambda: _handled(books, 20), within=60, what="the first 20 handled")

        await db.outage.begin()
        began = time.monotonic()
        during = set()
        for n in range(20, 40):  # the flood goes on while the database is away
            during.add(str(fake.user_says(party.owners, people[n], report(n))["message_id"]))
            await asyncio.sleep(0.25)
        users |= during
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - began)))
        counts = answered(fake.sent(party.owners.id))
        assert not any(counts[int(i)] for i in during)  # really away: none of these was handled
        await db.outage.end()
        back = time.monotonic()

        await until(lambda: _handled(books, 40), within=60, what="all 40 handled once the database is back")
        handled_in = time.monotonic() - back
        await eventually(
            lambda: all(answered(fake.sent(party.owners.id))[int(i)] >= 1 for i in users),
            within=60,
            what="every message answered",
        )
        assert await steward.terminate() == 0, steward.log
    finally:
        await books.close()

    books = Books(db.url)
    try:
        assert await books.inbox() == {"done": 40}
        logged = await books.logged(party.owners.id)
        assert sorted(logged) == sorted(users)  # every message, once
        assert sorted(a.reply_to for a in await books.answers(party.owners.id)) == sorted(logged)
    finally:
        await books.close()
    assert handled_in < 30  # the spec: handled within 30 s of the database's return
    print(
        f"\n{db.kind} for {OUTAGE:.0f} s in a flood of 40: all handled {handled_in:.1f} s after it was back"
    )


async def test_a_webhook_update_that_cannot_be_stored_is_500_and_its_redelivery_is_handled_once(
    fake: FakeTelegramAPI, outage_database: OutageDatabase, steward_at: StewardFactory
) -> None:
    db = outage_database
    steward = steward_at(db.url)
    steward.settings.update(
        telegram_mode="webhook",
        telegram_webhook_url=f"http://127.0.0.1:{steward.port}/telegram/webhook",
        telegram_secret_token=SECRET,
    )
    party = steward.party
    books = Books(db.url)
    try:
        await steward.start()
        assert fake.webhook_url
        fake.user_says(party.owners, party.owner, report(0))
        await until(lambda: _handled(books, 1), within=30, what="the first update handled")

        await db.outage.begin()
        second = fake.user_says(party.owners, party.owner, report(1))
        await eventually(
            lambda: any(d.status == 500 for d in fake.webhook_deliveries), within=60, what="a 500"
        )
        await db.outage.end()
        await until(lambda: _handled(books, 2), within=60, what="the redelivery handled")
        await fake.webhook_idle()
        await eventually(
            lambda: answered(fake.sent(party.owners.id))[second["message_id"]] >= 1,
            within=30,
            what="the answer",
        )
        assert await steward.terminate() == 0, steward.log
    finally:
        await books.close()

    by_update: dict[int, list[int]] = defaultdict(list)
    for delivery in fake.webhook_deliveries:
        by_update[delivery.update_id].append(delivery.status)
    first_id, second_id = sorted(by_update)
    assert by_update[first_id] == [200]
    statuses = by_update[second_id]
    assert statuses[-1] == 200
    assert statuses.count(200) == 1  # acknowledged once, when stored ...
    assert 500 in statuses[:-1]  # ... after Telegram was told to try again
    books = Books(db.url)
    try:
        assert await books.inbox() == {"done": 2}
        assert len(await books.logged(party.owners.id)) == 2  # handled once
        counts = answered(fake.sent(party.owners.id))
        assert counts[second["message_id"]] == 1
    finally:
        await books.close()
    print(f"\n{db.kind}: the webhook was answered {statuses}; the update handled once")


async def _handled(books: Books, n: int) -> bool:
    return await books.handled() >= n
