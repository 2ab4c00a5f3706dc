"""The rectification ledger's storage (storage/hazards/) on SQLite and PostgreSQL: a line per
ticket, the open ones of a community in deadline order, the overdue ones not yet escalated,
and closing and escalating once each, also when two transactions race."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import session_factory
from storage.directory.models import Community, Steward
from storage.hazards.models import CANCELLED, DONE, OPEN, Hazard
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork
from tests.harness import MONDAY_MORNING

NOW = MONDAY_MORNING


async def seed(store: UnitOfWork, code: str = "c1") -> tuple[Community, Steward]:
    community = Community(code=code, name=code, timezone="Asia/Shanghai", language="zh-Hans", buildings=["1"])
    store.session.add(community)
    await store.session.flush()
    steward = Steward(
        community_id=community.id, name=f"{code}管家", role="steward", buildings=["*"], categories=["*"]
    )
    store.session.add(steward)
    await store.session.flush()
    return community, steward


async def ticket(store: UnitOfWork, community: Community, steward: Steward, n: int) -> Ticket:
    return await store.tickets.add(
        Ticket(
            number=f"TS-20261123-{n:04d}",
            community_id=community.id,
            kind="complaint",
            category="safety_hazard",
            priority="normal",
            status="assigned",
            summary="消防通道堆满杂物",
            assignee_id=steward.id,
            created_at=NOW,
            updated_at=NOW,
            source="patrol",
            opened_by_id=steward.id,
        )
    )


async def line(store: UnitOfWork, t: Ticket, steward: Steward, due: timedelta) -> Hazard:
    return await store.hazards.add(
        Hazard(
            community_id=t.community_id,
            ticket_id=t.id,
            category="safety_hazard",
            status=OPEN,
            created_at=NOW,
            due_at=NOW + due,
            responsible_id=steward.id,
            found_by_id=steward.id,
            photo_before="telegram:AgACAgUAAxkBAAI",
        )
    )


async def test_open_lines_overdue_lines_and_closing_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        community, steward = await seed(store)
        other, someone = await seed(store, "c2")
        late = await line(store, await ticket(store, community, steward, 1), steward, timedelta(hours=24))
        soon = await line(store, await ticket(store, community, steward, 2), steward, timedelta(hours=4))
        far = await line(store, await ticket(store, other, someone, 3), someone, timedelta(hours=1))
        await store.commit()
    async with sessions() as session:
        store = UnitOfWork(session)
        assert [e.hazard.id for e in await store.hazards.open_in(community.id)] == [soon.id, late.id]
        assert [e.ticket.number for e in await store.hazards.open_in(community.id)] == [
            "TS-20261123-0002",
            "TS-20261123-0001",
        ]
        found = await store.hazards.for_ticket(late.ticket_id)
        assert found is not None
        assert found.photo_before == "telegram:AgACAgUAAxkBAAI"
        assert found.photo_after is None
        overdue = await store.hazards.overdue(NOW + timedelta(hours=5))
        # this community's 4-hour line and the other's 1-hour one; not the 24-hour line
        assert sorted(e.hazard.id for e in overdue) == sorted([soon.id, far.id])
        held = await store.hazards.for_ticket(soon.ticket_id)
        assert held is not None
        assert await store.hazards.claim_escalation(held, NOW + timedelta(hours=5))
        assert not await store.hazards.claim_escalation(held, NOW + timedelta(hours=6))
        assert held.escalated_at == NOW + timedelta(hours=5)
        mine = await store.hazards.for_ticket(late.ticket_id)
        assert mine is not None
        assert await store.hazards.close(
            mine, DONE, NOW, "steward:1", photo_after="wecom:media-9", note="已清走"
        )
        assert not await store.hazards.close(mine, CANCELLED, NOW, "steward:2")
        await store.commit()
    async with sessions() as session:
        store = UnitOfWork(session)
        closed = await store.hazards.for_ticket(late.ticket_id)
        assert closed is not None
        assert (closed.status, closed.photo_after, closed.note, closed.closed_by) == (
            DONE,
            "wecom:media-9",
            "已清走",
            "steward:1",
        )
        assert [e.hazard.id for e in await store.hazards.open_in(community.id)] == [soon.id]
        # escalated already: the watch does not see it again
        assert [e.hazard.community_id for e in await store.hazards.overdue(NOW + timedelta(hours=5))] == [
            other.id
        ]


async def test_one_line_per_ticket(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        community, steward = await seed(store)
        t = await ticket(store, community, steward, 1)
        await line(store, t, steward, timedelta(hours=24))
        with pytest.raises(IntegrityError):
            await line(store, t, steward, timedelta(hours=24))


async def test_two_transactions_escalate_and_close_a_line_once(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session:
        store = UnitOfWork(session)
        community, steward = await seed(store)
        hazard = await line(store, await ticket(store, community, steward, 1), steward, timedelta(hours=1))
        await store.commit()

    async def escalate_then_close(who: str) -> tuple[bool, bool]:
        async with sessions() as session:
            store = UnitOfWork(session)
            overdue = await store.hazards.overdue(NOW + timedelta(hours=2))
            if not overdue:  # the other one escalated it and committed first
                return False, False
            entry = overdue[0]
            escalated = await store.hazards.claim_escalation(entry.hazard, NOW + timedelta(hours=2))
            closed = await store.hazards.close(entry.hazard, DONE, NOW + timedelta(hours=2), who)
            await store.commit()
            return escalated, closed

    results = await asyncio.gather(escalate_then_close("steward:1"), escalate_then_close("steward:2"))
    assert sum(e for e, _ in results) == 1
    assert sum(c for _, c in results) == 1
    async with sessions() as session:
        final = await UnitOfWork(session).hazards.for_ticket(hazard.ticket_id)
        assert final is not None
        assert final.status == DONE
        assert final.escalated_at is not None
