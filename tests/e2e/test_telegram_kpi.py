"""A steward's own last month reaches them privately on Telegram (the fake Bot API ⇄
TelegramChannel ⇄ the real app, polling): the private chat Steward knows for them is the one
whose id is their Telegram account, and nothing of it goes to a group.

The monthly job's day is not waited for: the test runs what the job runs, through the
service it carries, for the month before today."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from handlers.reports import ReportService
from handlers.reports.period import Period
from storage.directory.models import Chat, Community, Steward
from storage.tickets.models import Ticket
from tests.e2e.conftest import TelegramWorld
from tests.e2e.test_telegram_conversation import bot_messages, settled
from tests.e2e.world import eventually, until

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_steward_gets_their_own_month_in_a_private_chat(tg: TelegramWorld) -> None:
    fake, party, world = tg.fake, tg.party, tg.world
    runtime, service = world.app.scheduler.get_job("reports:kpi").args
    assert isinstance(service, ReportService)
    period = Period.containing("month", runtime.now, SHANGHAI).previous(SHANGHAI)
    async with world.app.sessions() as session:
        community = await session.scalar(select(Community).where(Community.code == "lxy"))
        wang = await session.scalar(select(Steward).where(Steward.name == "王管家"))
        assert community is not None
        assert wang is not None
        created = period.start + timedelta(days=2)
        session.add(
            Ticket(
                number="BX-KPI-1",
                community_id=community.id,
                kind="repair",
                category="plumbing",
                priority="normal",
                status="closed",
                building="3",
                summary="漏水",
                assignee_id=wang.id,
                created_at=created,
                updated_at=created,
                respond_due_at=created + timedelta(minutes=30),
                resolve_due_at=created + timedelta(hours=48),
                first_response_at=created + timedelta(minutes=10),
                resolved_at=created + timedelta(hours=3),
                closed_at=created + timedelta(hours=4),
                rating="满意",
            )
        )
        await session.commit()
        community_id = community.id

    private = fake.add_private(party.steward)
    fake.user_says(private, party.steward, "/help")

    async def known() -> Chat | None:
        chat = await world.chat("telegram", str(party.steward.id))
        return chat if chat is not None and chat.role == "private" else None

    await until(known, what="the private chat")
    await settled(world)

    async with runtime.transaction() as uow:
        found = await uow.directory.community(community_id)
        assert found is not None
        assert await service.send_own_kpis(uow, found, period, runtime.now) == 1
    month = f"{period.first_day.year}年{period.first_day.month}月"
    own = await eventually(
        lambda: next((m for m in bot_messages(fake, private) if month in (m.text or "")), None),
        what="the steward's own month",
    )
    assert (own.text or "").startswith(f"王管家，您{month}的服务数据：\n王管家：处理 1 件 · 按时响应 100%")
    assert "评价 1 份（满意率 100%，不满意 0）" in (own.text or "")
    for group in (party.owners, party.stewards):
        assert not any(month in (m.text or "") for m in bot_messages(fake, group))
    async with runtime.transaction() as uow:  # once
        found = await uow.directory.community(community_id)
        assert found is not None
        assert await service.send_own_kpis(uow, found, period, runtime.now) == 0
    assert all(call.ok for call in fake.calls if call.method != "getUpdates")
