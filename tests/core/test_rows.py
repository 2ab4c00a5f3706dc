"""The hot path's Core writes (storage/rows.py and the repositories built on them) on SQLite and
PostgreSQL: rows land as the ORM would have written them, a duplicate is a no-op that leaves
the transaction usable, and the idempotent inserts hold under concurrent transactions."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.events import Outgoing
from storage.db import session_factory
from storage.directory.models import Chat, Community, Member
from storage.messages.models import MessageLog, ProcessedDelivery
from storage.opinion.models import OpinionAlert, OpinionAlertMessage
from storage.opinion.repository import OpinionRepository
from storage.outbox.models import OutboxMessage
from storage.rows import insert_new, table_of
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork
from tests.harness import MONDAY_MORNING

NOW = MONDAY_MORNING


async def seed(store: UnitOfWork) -> tuple[Chat, Member]:
    community = Community(code="c1", name="一区", timezone="Asia/Shanghai", language="zh-Hans", buildings=[])
    store.session.add(community)
    await store.session.flush()
    chat = Chat(
        community_id=community.id,
        platform="local",
        platform_chat_id="g1",
        role="owners",
        title="一群",
        buildings=[],
        first_seen_at=NOW,
        last_seen_at=NOW,
    )
    member = Member(platform="local", platform_user_id="u1", display_name="张", first_seen_at=NOW)
    store.session.add_all([chat, member])
    await store.session.flush()
    return chat, member


async def add_ticket(store: UnitOfWork, chat: Chat, member: Member) -> Ticket:
    return await store.tickets.add(
        Ticket(
            number="BX-20261123-0001",
            community_id=chat.community_id,
            kind="repair",
            category="plumbing",
            priority="normal",
            status="open",
            summary="漏水",
            owner_member_id=member.id,
            source_chat_id=chat.id,
            source_message_id="m1",
            created_at=NOW,
            updated_at=NOW,
            sla_started_at=NOW,
        )
    )


async def test_a_duplicate_insert_is_a_no_op_and_the_transaction_goes_on(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        table = table_of(ProcessedDelivery)
        row = {"platform": "local", "delivery_key": "k1", "at": NOW}
        assert await insert_new(session, table, row) is True
        assert await insert_new(session, table, row) is False  # no error: PostgreSQL would abort
        assert await insert_new(session, table, {**row, "delivery_key": "k2"}) is True
        await session.commit()
    async with sessions() as session:
        keys = (await session.scalars(select(ProcessedDelivery.delivery_key))).all()
    assert sorted(keys) == ["k1", "k2"]


async def test_a_delivery_is_claimed_once_across_transactions(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        assert await UnitOfWork(session).messages.claim_delivery("local", "d1", NOW)
        await session.commit()
    async with sessions() as session:
        assert not await UnitOfWork(session).messages.claim_delivery("local", "d1", NOW)
        assert await UnitOfWork(session).messages.claim_delivery("wecom", "d1", NOW)  # per platform
        await session.rollback()


async def test_the_message_log_row_gets_its_id_and_column_defaults(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        chat, _ = await seed(store)
        entry = MessageLog(
            platform="local", chat_id=chat.id, platform_message_id="p1", kind="sticker", text="", sent_at=NOW
        )
        await store.messages.log(entry)
        # Like a flush: the defaults are on the object too, and it has its id.
        assert entry.id is not None
        assert (entry.urgent, entry.sentiment, entry.negative, entry.risk, entry.rules) == (
            False,
            0.0,
            False,
            0,
            [],
        )
        second = await store.messages.log(
            MessageLog(
                platform="local",
                chat_id=chat.id,
                platform_message_id="p2",
                kind="text",
                text="电梯坏了",
                sent_at=NOW,
                negative=True,
                risk=2,
                rules=["cat.elevator:电梯"],
            )
        )
        assert second.id > entry.id
        await session.commit()
    async with sessions() as session:
        rows = (await session.scalars(select(MessageLog).order_by(MessageLog.id))).all()
    assert [(r.platform_message_id, r.negative, r.risk, r.rules, r.sent_at) for r in rows] == [
        ("p1", False, 0, [], NOW),
        ("p2", True, 2, ["cat.elevator:电梯"], NOW),
    ]


async def test_audit_events_and_followers_are_written_in_order(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        chat, member = await seed(store)
        other = Member(platform="local", platform_user_id="u2", display_name="李", first_seen_at=NOW)
        session.add(other)
        await session.flush()
        ticket = await add_ticket(store, chat, member)
        await store.tickets.record(ticket, at=NOW, actor="system", action="opened", to_status="open")
        await store.tickets.record(ticket, at=NOW, actor="system", action="merged", note="reporters=2")
        assert chat.community_id is not None
        community_id = chat.community_id

        async def incident(member_id: int) -> tuple[int, int, bool] | None:
            """The incident a report by `member_id` would join: ticket id, followers, following."""
            found = await store.tickets.find_incident(
                community_id, "plumbing", None, chat.id, NOW - timedelta(hours=1), member_id
            )
            return None if found is None else (found.ticket.id, found.followers, found.following)

        assert await incident(other.id) == (ticket.id, 0, False)
        assert await store.tickets.add_follower(ticket, other.id, chat.id, "m2", NOW) is True
        assert await store.tickets.add_follower(ticket, other.id, chat.id, "m3", NOW) is False
        assert await incident(other.id) == (ticket.id, 1, True)
        assert await incident(member.id) == (ticket.id, 1, False)
        assert await store.tickets.has_event(
            ticket.id, "merged", "reporters=2"
        )  # read back in the transaction
        await session.commit()
        ticket_id = ticket.id
    async with sessions() as session:
        events = await UnitOfWork(session).tickets.events(ticket_id)
        followers = await UnitOfWork(session).tickets.followers(ticket_id)
    assert [(e.action, e.to_status, e.note) for e in events] == [
        ("opened", "open", None),
        ("merged", None, "reporters=2"),
    ]
    assert [(f.member_id, f.source_message_id) for f in followers] == [(other.id, "m2")]


async def test_outbox_rows_keep_the_order_they_were_queued_in(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        chat, _ = await seed(store)
        ids = []
        for n, key in enumerate([None, "once", None, "once", None]):
            ids.append(
                await store.outbox.enqueue(
                    platform="local",
                    platform_chat_id=chat.platform_chat_id,
                    chat_id=chat.id,
                    payload=Outgoing(f"第{n}条").to_json(),
                    now=NOW,
                    dedupe_key=key,
                )
            )
        await session.commit()
    assert ids[3] is None  # the key was queued already
    queued = [i for i in ids if i is not None]
    assert queued == sorted(queued)
    async with sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [Outgoing.from_json(r.payload).text for r in rows] == ["第0条", "第1条", "第2条", "第4条"]
    assert {(r.status, r.attempts, r.next_attempt_at) for r in rows} == {("pending", 0, NOW)}


async def test_linking_a_message_to_an_alert_twice_links_it_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        chat, member = await seed(store)
        entry = await store.messages.log(
            MessageLog(
                platform="local", chat_id=chat.id, platform_message_id="p", kind="text", text="x", sent_at=NOW
            )
        )
        repo = OpinionRepository(session)
        assert chat.community_id is not None
        alert = await repo.add_alert(
            OpinionAlert(
                community_id=chat.community_id,
                kind="message",
                tier=2,
                topics=["elevator"],
                members=[member.id],
                first_at=NOW,
                last_at=NOW,
                created_at=NOW,
            )
        )
        assert await repo.link(alert.id, entry.id, NOW) is True
        assert await repo.link(alert.id, entry.id, NOW) is False
        [view] = await repo.recent_alerts(alert.community_id, NOW.replace(year=2025), ("message",))
        assert await repo.record_fold(view, NOW, 99) is True  # a new owner joins the alert
        assert await repo.record_fold(view, NOW, member.id) is False
        assert (view.folded, view.members) == (2, (member.id, 99))
        await session.commit()
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(OpinionAlertMessage))
        stored = await session.get(OpinionAlert, alert.id)
    assert count == 1
    assert stored is not None
    assert (stored.folded, stored.members) == (2, [member.id, 99])


async def test_concurrent_idempotent_inserts_land_once(engine: AsyncEngine) -> None:
    """Two transactions insert the same delivery mark and the same outbox dedupe key at once:
    the second waits for the first and then finds the row (PostgreSQL; SQLite has one writer)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("one writer at a time on SQLite: no concurrent transactions to race")
    sessions = session_factory(engine)
    async with sessions() as session:
        chat, _ = await seed(UnitOfWork(session))
        await session.commit()

    async def attempt(started: asyncio.Event, go: asyncio.Event) -> tuple[bool, bool]:
        async with sessions() as session:
            store = UnitOfWork(session)
            claimed = await store.messages.claim_delivery("local", "same", NOW)
            queued = await store.outbox.enqueue(
                platform="local",
                platform_chat_id=chat.platform_chat_id,
                chat_id=chat.id,
                payload=Outgoing("一次").to_json(),
                now=NOW,
                dedupe_key="sla:1:breach",
            )
            started.set()
            await go.wait()
            await session.commit()
            return claimed, queued is not None

    first_started, second_started, go = asyncio.Event(), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(attempt(first_started, go))
    await first_started.wait()
    second = asyncio.create_task(attempt(second_started, go))
    await asyncio.sleep(0.2)
    assert not second_started.is_set()  # blocked on the first transaction's rows
    go.set()
    results = await asyncio.gather(first, second)
    assert list(results) == [(True, True), (False, False)]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        assert await session.scalar(select(func.count()).select_from(ProcessedDelivery)) == 1


async def test_the_conversation_lookups_on_both_databases(engine: AsyncEngine) -> None:
    """The incident lookup's scopes (a shared problem, one flat's), an owner's open tickets with
    when they last spoke on each (an aware time on SQLite too), the merged reporters in order,
    and a ticket's cards by primary key (or by reference for a ticket from before)."""
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        chat, owner = await seed(store)
        other = Member(platform="local", platform_user_id="u2", display_name="李", first_seen_at=NOW)
        session.add(other)
        await session.flush()
        assert chat.community_id is not None
        community_id = chat.community_id
        flat = await add_ticket(store, chat, owner)  # plumbing, one flat's (not shared)
        flat.shared, flat.unit = False, "3-2-1302"
        await session.flush()
        since = NOW - timedelta(hours=1)

        async def incident(member_id: int, *, shared: bool, unit: str | None = None) -> int | None:
            found = await store.tickets.find_incident(
                community_id, "plumbing", None, chat.id, since, member_id, shared=shared, flat=unit
            )
            return None if found is None else found.ticket.id

        assert await incident(other.id, shared=True) is None  # a shared report: not a flat's ticket
        assert await incident(other.id, shared=False) is None  # another owner, no flat named
        assert await incident(other.id, shared=False, unit="3-2-1302") == flat.id  # the same flat
        assert await incident(other.id, shared=False, unit="3-1-1802") is None
        assert await incident(owner.id, shared=False) == flat.id  # the same owner

        await store.tickets.record(flat, at=NOW, actor=f"member:{owner.id}", action="opened")
        later = NOW + timedelta(minutes=7)
        await store.tickets.record(flat, at=later, actor=f"member:{owner.id}", action="chased")
        await store.tickets.record(flat, at=later + timedelta(minutes=1), actor="steward:1", action="note")
        await store.tickets.add_follower(flat, other.id, chat.id, "m2", NOW, text="我家也漏", building="3")
        [mine] = await store.tickets.open_for_member(community_id, owner.id)
        assert (mine.ticket.id, mine.last_said) == (flat.id, later)  # the steward's note is not theirs
        assert mine.last_said is not None
        assert mine.last_said.tzinfo is not None  # aware on SQLite too (UTCDateTime through max())
        [followed] = await store.tickets.open_for_member(community_id, other.id)
        assert followed.last_said is None  # follows it, said nothing on it (no audit event of theirs)
        assert await store.tickets.last_event_at(flat.id, "chased", f"member:{owner.id}") == later
        assert [(r.name, r.building, r.text) for r in await store.tickets.reporters(flat.id)] == [
            ("李", "3", "我家也漏")
        ]

        card = await store.outbox.enqueue(
            platform="local",
            platform_chat_id="g1",
            chat_id=chat.id,
            payload=Outgoing("卡片").to_json(),
            now=NOW,
            ref_type="ticket_card",
            ref_id=flat.id,
        )
        assert card is not None
        assert [r.id for r in await store.tickets.cards(flat)] == [card]  # before card_rows: by reference
        flat.card_rows = []
        assert await store.tickets.cards(flat) == []
        flat.card_rows = [card]
        assert [r.id for r in await store.tickets.cards(flat)] == [card]
        await session.commit()
