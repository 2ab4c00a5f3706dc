"""Fee accounts and reminders: an import's upserts, the reminder job's questions, answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import Member
from storage.engagement.models import FeeAccount, FeeReminder
from storage.rows import insert_new, table_of

_REMINDERS = table_of(FeeReminder)


class FeeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def accounts(self, community_id: int) -> Sequence[FeeAccount]:
        query = select(FeeAccount).where(FeeAccount.community_id == community_id).order_by(FeeAccount.unit)
        return list(await self.session.scalars(query))

    async def account(self, account_id: int) -> FeeAccount | None:
        return await self.session.get(FeeAccount, account_id)

    async def upsert(
        self,
        community_id: int,
        unit: str,
        building: str,
        account: str | None,
        amount_due: int,
        months_overdue: int,
        due_date: date | None,
        now: datetime,
    ) -> str:
        """Write one unit's row: "new", "changed" or "unchanged"."""
        row = await self.session.scalar(
            select(FeeAccount).where(FeeAccount.community_id == community_id, FeeAccount.unit == unit)
        )
        if row is None:
            self.session.add(
                FeeAccount(
                    community_id=community_id,
                    unit=unit,
                    building=building,
                    account=account,
                    amount_due=amount_due,
                    months_overdue=months_overdue,
                    due_date=due_date,
                    imported_at=now,
                )
            )
            await self.session.flush()
            return "new"
        before = (row.account, row.amount_due, row.months_overdue, row.due_date)
        if before == (account, amount_due, months_overdue, due_date):
            return "unchanged"
        row.account, row.amount_due, row.months_overdue, row.due_date = (
            account,
            amount_due,
            months_overdue,
            due_date,
        )
        row.building, row.imported_at = building, now
        return "changed"

    async def members_of_unit(self, community_id: int, unit: str) -> Sequence[Member]:
        query = select(Member).where(
            Member.community_id == community_id, Member.unit == unit, Member.steward_id.is_(None)
        )
        return list(await self.session.scalars(query.order_by(Member.id)))

    async def record(self, reminder: FeeReminder) -> FeeReminder | None:
        """Record a reminder once (per account, kind, period and person): None if it was."""
        values = {c.key: getattr(reminder, c.key) for c in _REMINDERS.columns if c.key != "id"}
        if not await insert_new(self.session, _REMINDERS, values):
            return None
        return await self.session.scalar(
            select(FeeReminder).where(
                FeeReminder.account_id == reminder.account_id,
                FeeReminder.kind == reminder.kind,
                FeeReminder.period == reminder.period,
                FeeReminder.user_id == reminder.user_id,
            )
        )

    async def reminder(self, reminder_id: int) -> FeeReminder | None:
        return await self.session.get(FeeReminder, reminder_id)

    async def latest_for(self, platform: str, user_id: str, since: datetime) -> FeeReminder | None:
        """The newest reminder sent privately to a person since `since` (what 「已缴」 answers)."""
        return await self.session.scalar(
            select(FeeReminder)
            .where(
                FeeReminder.platform == platform,
                FeeReminder.user_id == user_id,
                FeeReminder.via == "private",
                FeeReminder.sent_at >= since,
            )
            .order_by(FeeReminder.id.desc())
            .limit(1)
        )

    async def reminders(self, community_id: int) -> Sequence[FeeReminder]:
        query = (
            select(FeeReminder)
            .join(FeeAccount, FeeAccount.id == FeeReminder.account_id)
            .where(FeeAccount.community_id == community_id)
            .order_by(FeeReminder.id)
        )
        return list(await self.session.scalars(query))
