"""The inbox on both databases: every update stored before it is handled, handled once and in
its chat's order, a failure retried with back-off and parked in the end (the owner apologised
to, the admins told), what a crash leaves taken by a worker, dead letters sent back."""

from __future__ import annotations

import asyncio
import errno
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.channel import IntakeClosed
from bot.core.context import Outcome
from bot.core.events import Incoming
from nlp.classifier import Classifier
from storage.inbox.repository import database_unavailable
from storage.messages.models import MessageLog, ProcessedDelivery
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork
from tests.harness import EXAMPLE, MONDAY_MORNING, Harness, text_message

OWNERS = "lxy-owners-1"
OTHER_OWNERS = "lxy-owners-2"
REPORT = "3栋厨房水管漏水了，麻烦派人来修"


@pytest.fixture
async def admins_harness(engine: AsyncEngine, db_url: str, classifier: Classifier) -> AsyncIterator[Harness]:
    """The harness with two admins (one who can be written to privately) and 3 tries."""
    h = Harness(engine, db_url, classifier)
    h.app = build_app(
        Settings(
            database_url=db_url,
            community_file=EXAMPLE,
            admins="local:root,wecom:boss",
            inbox_max_failures=3,
        ),
        channels={"local": h.channel},
        clock=h.clock,
        classifier=classifier,
        engine=engine,
    )
    await h.start()
    yield h
    await h.stop()


def break_sla(h: Harness) -> list[object]:
    """Opening a ticket fails for real: the SLA book loses its policies. Returns them."""
    book = h.app.scheduler.get_job("sla-watch").args[1]
    saved = list(book.policies)
    book.policies.clear()
    return saved


def mend_sla(h: Harness, saved: list[object]) -> None:
    h.app.scheduler.get_job("sla-watch").args[1].policies.extend(saved)


async def test_an_update_is_stored_then_handled_and_marked_done_with_its_work(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT)
    [row] = await harness.inbox()
    assert (row.status, row.platform, row.platform_chat_id, row.kind) == ("done", "local", OWNERS, "text")
    assert row.handled_at is not None
    assert row.attempts == row.failures == 0
    assert Incoming.from_json(row.payload).text == REPORT
    assert await harness.count(MessageLog) == 1
    assert await harness.count(ProcessedDelivery) == 1
    assert len(await harness.tickets()) == 1


async def test_a_redelivery_is_stored_once_and_handled_once(harness: Harness) -> None:
    update = text_message(OWNERS, "u-zhang", REPORT, "m-1")
    assert await harness.app.inbox.deliver(update) is Outcome.HANDLED
    assert await harness.app.inbox.deliver(update) is Outcome.DUPLICATE
    await harness.app.sender.drain()
    assert len(await harness.inbox()) == 1
    assert await harness.count(MessageLog) == 1
    assert len(await harness.tickets()) == 1
    assert len(harness.sent(OWNERS)) == 1  # one acknowledgement


async def test_a_refusal_is_an_answer_and_its_row_is_done(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "/frobnicate now")
    [row] = await harness.inbox()
    assert row.status == "done"
    [reply] = harness.sent(OWNERS)
    assert "未知命令" in reply.text


async def test_while_closed_nothing_is_stored(harness: Harness) -> None:
    harness.app.inbox.close()
    with pytest.raises(IntakeClosed):
        await harness.say(OWNERS, "u-zhang", REPORT)
    assert await harness.inbox() == []
    harness.app.inbox.open()
    await harness.say(OWNERS, "u-zhang", REPORT)
    assert len(await harness.inbox()) == 1


async def test_a_failure_is_retried_then_parked_the_owner_apologised_to_and_the_admins_told(
    admins_harness: Harness,
) -> None:
    h = admins_harness
    saved = break_sla(h)
    await h.say(OWNERS, "u-zhang", REPORT)
    [row] = await h.inbox()
    assert (row.status, row.attempts, row.failures) == ("pending", 1, 1)
    assert row.next_attempt_at == MONDAY_MORNING + timedelta(seconds=1)  # the first back-off
    assert h.sent(OWNERS) == []

    # Not due yet: nothing happens before the back-off has passed.
    await h.app.inbox.drain()
    assert (await h.inbox())[0].failures == 1
    h.clock.advance(timedelta(seconds=1))
    await h.app.inbox.drain()
    [row] = await h.inbox()
    assert (row.status, row.failures) == ("pending", 2)
    assert row.next_attempt_at == h.clock.now() + timedelta(seconds=2)
    h.clock.advance(timedelta(seconds=2))
    await h.app.inbox.drain()
    await h.app.sender.drain()

    [row] = await h.inbox()
    assert (row.status, row.failures) == ("failed", 3)
    [apology] = h.sent(OWNERS)
    assert "系统开小差" in apology.text
    [note] = h.channel.sent_to("root")  # the admin on a platform that can write privately
    assert f"编号 {row.id}" in note.text
    assert "失败 3 次" in note.text
    assert f"steward inbox retry {row.id}" in note.text
    assert "PolicyError" in note.text
    assert REPORT not in note.text  # no message text in the note
    assert "boss" not in {m.chat_id for m in h.channel.transcript}  # WeCom cannot write privately

    # Mended and sent back: handled once, in the chat it came from.
    mend_sla(h, saved)
    async with h.app.runtime.transaction() as uow:
        assert await uow.inbox.requeue([row.id], h.clock.now()) == [row.id]
    await h.app.inbox.drain()
    await h.app.sender.drain()
    [row] = await h.inbox()
    assert row.status == "done"
    [ticket] = await h.tickets()
    assert ticket.number in h.sent(OWNERS)[-1].text
    assert await h.count(MessageLog) == 1


async def test_a_chat_waits_for_its_failed_update_other_chats_do_not(harness: Harness) -> None:
    saved = break_sla(harness)
    first = await harness.app.inbox.deliver(text_message(OWNERS, "u-a", "1栋电梯坏了，困人了", "m-1"))
    assert first is Outcome.UNFINISHED
    mend_sla(harness, saved)

    second = await harness.app.inbox.deliver(text_message(OWNERS, "u-b", "2栋厨房水管漏水了", "m-2"))
    assert second is Outcome.NOT_TAKEN  # its chat's older update is still pending
    elsewhere = await harness.app.inbox.deliver(text_message(OTHER_OWNERS, "u-c", "3栋楼道灯坏了", "m-3"))
    assert elsewhere is Outcome.HANDLED
    assert [t.building for t in await harness.tickets()] == ["3"]

    harness.clock.advance(timedelta(seconds=1))  # the first one's retry is due
    await harness.app.inbox.drain()
    assert [t.building for t in await harness.tickets()] == ["3", "1", "2"]  # in their chat's order
    assert {row.status for row in await harness.inbox()} == {"done"}


async def test_what_a_crash_leaves_is_taken_by_a_worker_once_the_reservation_runs_out(
    harness: Harness, engine: AsyncEngine, db_url: str, classifier: Classifier
) -> None:
    # Stored, then the process died before handling it.
    update = text_message(OWNERS, "u-zhang", REPORT, "m-crash")
    await harness.app.inbox.store(update)
    [row] = await harness.inbox()
    assert row.status == "pending"

    # A new process on the same database: not before the reservation (the lease) has passed.
    channel = LocalChannel(harness.clock)
    other = build_app(
        Settings(database_url=db_url, community_file=EXAMPLE),
        channels={"local": channel},
        clock=harness.clock,
        classifier=classifier,
        engine=engine,
    )
    await other.inbox.drain()
    assert (await harness.inbox())[0].status == "pending"
    harness.clock.advance(timedelta(seconds=30))
    await other.inbox.drain()
    await other.sender.drain()
    assert (await harness.inbox())[0].status == "done"
    assert len(channel.sent_to(OWNERS)) == 1
    # The platform delivers it again (it never heard back): recognised, not handled again.
    assert await harness.app.inbox.deliver(update) is Outcome.DUPLICATE
    assert await harness.count(MessageLog) == 1


async def test_only_the_oldest_pending_update_of_a_chat_can_be_taken(harness: Harness) -> None:
    now = harness.clock.now()
    async with harness.app.runtime.transaction() as uow:
        a = await store_row(uow, OWNERS, "a")
        b = await store_row(uow, OWNERS, "b")
        c = await store_row(uow, OTHER_OWNERS, "c")
    async with harness.app.sessions() as session:
        inbox = UnitOfWork(session).inbox
        assert not await inbox.take(b, now)
        assert await inbox.take(c, now)  # another chat
        assert await inbox.take(a, now)
        assert not await inbox.take(a, now)  # done already
        assert await inbox.take(b, now)
        await session.commit()


async def test_two_workers_never_lease_the_same_row(harness: Harness) -> None:
    async with harness.app.runtime.transaction() as uow:
        ids = {await store_row(uow, f"chat-{n}", "x", reserve=timedelta(0)) for n in range(20)}
    later = harness.clock.now()

    async def claim() -> set[int]:
        # Through the write gate, as the worker does (on SQLite it serialises the two; on
        # PostgreSQL it lets them run at once, and SKIP LOCKED keeps them apart).
        async with harness.app.inbox.gate(), harness.app.sessions() as session:
            rows = await UnitOfWork(session).inbox.claim(later, 20, timedelta(seconds=30))
            await asyncio.sleep(0.05)  # both hold their transactions open at once
            await session.commit()
            return {row.id for row in rows}

    first, second = await asyncio.gather(claim(), claim())
    assert first | second == ids
    assert not first & second


async def test_stats_and_pruning(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT)
    async with harness.app.runtime.transaction() as uow:
        await store_row(uow, OWNERS, "waiting")
    harness.clock.advance(timedelta(minutes=2))
    stats = await harness.app.inbox.stats()
    assert (stats.backlog, stats.dead_letters) == (1, 0)
    assert stats.oldest_pending_seconds == 120.0
    assert stats.to_dict() == {"backlog": 1, "oldest_pending_seconds": 120.0, "dead_letters": 0}

    harness.clock.advance(timedelta(hours=24))
    assert await harness.app.inbox.prune() == 1  # the handled one; the pending one stays
    assert [row.status for row in await harness.inbox()] == ["pending"]


def test_database_unavailability_is_not_the_updates_fault() -> None:
    assert database_unavailable(OperationalError("SELECT 1", {}, Exception("database is locked")))
    assert database_unavailable(ConnectionRefusedError())  # asyncpg connecting to a stopped server
    assert database_unavailable(OSError(errno.ENOSPC, "No space left on device"))
    wrapped = RuntimeError("while committing")
    wrapped.__cause__ = asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    assert database_unavailable(wrapped)
    # The handling's own faults count: a constraint it broke, a file it cannot write, a bug.
    assert not database_unavailable(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")))
    assert not database_unavailable(FileExistsError(errno.EEXIST, "File exists"))
    assert not database_unavailable(KeyError("category"))


async def store_row(
    uow: UnitOfWork, chat: str, message_id: str, reserve: timedelta = timedelta(seconds=30)
) -> int:
    update = text_message(chat, "u", "x", message_id)
    stored = await uow.inbox.store(
        platform="local",
        platform_chat_id=chat,
        delivery_key=update.delivery_key,
        kind="text",
        payload=update.to_json(),
        now=MONDAY_MORNING,
        reserve=reserve,
    )
    return stored.id


async def test_an_incoming_survives_the_round_trip_through_the_inbox() -> None:
    update = Incoming(
        platform="telegram",
        chat_id="-100",
        sender_id="42",
        text="电梯\ud800坏了",  # a lone surrogate, as broken clients send
        message_id="7",
        sent_at=MONDAY_MORNING,
        callback_data="t:accept:1",
        edited_at=MONDAY_MORNING + timedelta(seconds=5),
        reply_hint="https://example.com/r",
    )
    raw = update.to_json()
    raw.encode("utf-8")  # storable as it is
    assert Incoming.from_json(raw) == update


async def test_rows_the_worker_takes_are_handled_in_each_chats_order(harness: Harness) -> None:
    # Stored by a process that died, due at once: the worker takes one row per chat at a time.
    async with harness.app.runtime.transaction() as uow:
        for n, chat in enumerate([OWNERS, OTHER_OWNERS, OWNERS, OTHER_OWNERS, OWNERS]):
            update = text_message(chat, f"u-{n}", f"{n + 1}栋楼道灯坏了", f"w-{n}")
            await uow.inbox.store(
                platform="local",
                platform_chat_id=chat,
                delivery_key=update.delivery_key,
                kind="text",
                payload=update.to_json(),
                now=MONDAY_MORNING,
                reserve=timedelta(0),
            )
    await harness.app.inbox.drain()
    async with harness.app.sessions() as session:
        logged = (await session.scalars(select(MessageLog.text).order_by(MessageLog.id))).all()
    by_chat = {
        chat: [t for t in logged if t in {f"{n + 1}栋楼道灯坏了" for n in ns}]
        for chat, ns in ((OWNERS, (0, 2, 4)), (OTHER_OWNERS, (1, 3)))
    }
    assert by_chat[OWNERS] == ["1栋楼道灯坏了", "3栋楼道灯坏了", "5栋楼道灯坏了"]
    assert by_chat[OTHER_OWNERS] == ["2栋楼道灯坏了", "4栋楼道灯坏了"]
    assert {row.status for row in await harness.inbox()} == {"done"}
    assert await harness.count(Ticket) == 5


async def test_updates_of_a_chat_delivered_at_once_are_all_handled_at_once(harness: Harness) -> None:
    # Sixteen updates of one chat arrive side by side (a webhook, WeCom's callbacks), several
    # rounds. Each is handled at once, in its turn: none is refused as "not its chat's turn"
    # and left to the worker (on PostgreSQL two stores side by side could commit with their ids
    # in the other order than they joined the chat's queue, and every later update of the chat
    # was then refused too).
    outcomes: list[Outcome] = []
    for round_ in range(4):
        updates = [
            text_message(OWNERS, f"u-{n}", f"{n + 1}栋楼道灯坏了", f"c-{round_}-{n}") for n in range(16)
        ]
        outcomes += await asyncio.gather(*(harness.app.inbox.deliver(update) for update in updates))
    assert outcomes == [Outcome.HANDLED] * 64
    assert {row.status for row in await harness.inbox()} == {"done"}
    assert await harness.count(MessageLog) == 64
