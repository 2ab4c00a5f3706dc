"""Fee reminders, privately, as use cases.

`import_file` (the command line: `steward fees import`) writes each unit's fees as the billing
system reports them, idempotently: a unit is one row, replaced by the next import; bad lines
are reported by number and the good ones kept. `remind` (the tick, each community, from
`FeePolicy.remind_at` local time) sends what is due, each recorded once per kind and period:

- a **friendly** reminder a week before the period's due date (units with nothing overdue);
- a **formal** notice at 1-3 months overdue (once a month);
- beyond 3 months, the unit is a **case**: listed for the stewards, not sent to the owner.

A reminder goes to the owner only privately: to the account the billing system names, else
to the members who registered the unit, where they opened a private chat with Steward on a
platform that writes to a person (`Capabilities.direct`). Never to a group:
an owner not reachable privately is listed for the stewards instead. The owner's 「已缴」 or
「有异议」 (a button, or typed in the private chat) is recorded and passed to the stewards.
Amounts and units are personal data: staff chats see masked units and no amounts; the full
case is shown to staff only in a private chat (`case`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.services import Services
from handlers.engagement.buttons import FeeAnswer
from handlers.engagement.feefile import BadRow, read_fee_file, yuan
from handlers.engagement.feepolicy import FeePolicy
from handlers.engagement.polls import T, wording
from handlers.engagement.service import may_act_on
from handlers.shared.privacy import mask_unit
from storage.directory.models import Community
from storage.engagement.models import FeeAccount, FeeReminder
from storage.uow import UnitOfWork

ANSWERS = {"paid": "eg.fee.paid", "dispute": "eg.fee.dispute"}


@dataclass
class Imported:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)


class FeeService:
    def __init__(self, services: Services, policy: FeePolicy) -> None:
        self.services = services
        self.policy = policy

    def t(self, lang: str) -> T:
        return wording(self.services.texts, lang)

    # -- import ----------------------------------------------------------------------------------
    async def import_file(self, uow: UnitOfWork, community_code: str, text: str, now: datetime) -> Imported:
        """Write the export's good rows (see the module docstring); raises `LookupError` for an
        unknown community."""
        community = await uow.directory.community_by_code(community_code)
        if community is None:
            raise LookupError(f"unknown community {community_code!r}")
        rows, bad = read_fee_file(text)
        done = Imported(bad=list(bad))
        first: dict[str, int] = {}
        for row in rows:
            unit = self.services.classifier.classify(row.unit).unit
            if unit is None or unit.building is None:
                done.bad.append(BadRow(row.line, f"unit {row.unit[:30]!r} is not a unit like 3-2-1302"))
                continue
            if unit.building not in community.buildings:
                done.bad.append(
                    BadRow(
                        row.line, f"unit {row.unit[:30]!r}: {community.code} has no building {unit.building}"
                    )
                )
                continue
            canonical = unit.canonical()
            if canonical in first:
                done.bad.append(
                    BadRow(row.line, f"unit {canonical} again (first on line {first[canonical]})")
                )
                continue
            first[canonical] = row.line
            outcome = await uow.fees.upsert(
                community.id,
                canonical,
                unit.building,
                row.account,
                row.amount_due,
                row.months_overdue,
                row.due_date,
                now,
            )
            setattr(done, outcome, getattr(done, outcome) + 1)
        done.bad.sort(key=lambda b: b.line)
        return done

    # -- reminders -------------------------------------------------------------------------------
    def due_kind(self, account: FeeAccount, now: datetime, tz: ZoneInfo) -> tuple[str, str] | None:
        """What is due for a unit today, as (kind, period), or None."""
        if account.amount_due <= 0:
            return None
        today = now.astimezone(tz).date()
        months = account.months_overdue
        if months == 0:
            due = account.due_date or self.policy.next_due(today)
            if due - timedelta(days=self.policy.friendly_days) <= today < due:
                return "friendly", due.isoformat()
            return None
        kind = "formal" if self.policy.formal_from <= months <= self.policy.formal_to else "case"
        return kind, today.strftime("%Y-%m")

    async def recipients(
        self, uow: UnitOfWork, community: Community, account: FeeAccount
    ) -> list[tuple[str, str]]:
        """The people a unit's reminder may go to privately: (platform, user id)."""
        if account.account:
            platform, _, user = account.account.partition(":")
            people = [(platform, user)]
        else:
            members = await uow.fees.members_of_unit(community.id, account.unit)
            people = [(m.platform, m.platform_user_id) for m in members]
        return [(platform, user) for platform, user in people if await self.reachable(uow, platform, user)]

    async def reachable(self, uow: UnitOfWork, platform: str, user: str) -> bool:
        """Whether Steward can write to the person privately: the platform writes to a person
        (`Capabilities.direct`) and they opened a private chat with Steward (Telegram refuses a
        bot's first word; a WeCom robot cannot start a direct chat)."""
        if not self.services.capabilities(platform).direct:
            return False
        return await uow.engagement.private_chat(platform, user) is not None

    async def remind(self, uow: UnitOfWork, community: Community, now: datetime) -> int:
        """Send and record what is due in `community` now; returns how many reminders."""
        tz = ZoneInfo(community.timezone)
        if now.astimezone(tz).time() < self.policy.remind_at:
            return 0
        t = self.t(community.language)
        staff: dict[str, list[str]] = defaultdict(list)  # "cases" | "unreached" -> lines
        sent = 0
        for account in await uow.fees.accounts(community.id):
            due = self.due_kind(account, now, tz)
            if due is None:
                continue
            kind, period = due
            people = [] if kind == "case" else await self.recipients(uow, community, account)
            for platform, user in people:
                reminder = await self.record(uow, account, kind, period, "private", platform, user, now)
                if reminder is not None:
                    await self.send_private(uow, t, community, account, reminder, now)
                    sent += 1
            if not people:
                reminder = await self.record(uow, account, kind, period, "staff", "", "", now)
                if reminder is not None:
                    what = t(f"eg.fee.what.{kind}", months=account.months_overdue)
                    line = t(
                        "eg.fee.staff.line",
                        id=account.id,
                        unit=mask_unit(account.building, community.language),
                        what=what,
                    )
                    staff["cases" if kind == "case" else "unreached"].append(line)
                    sent += 1
        for group, key in (("cases", "eg.fee.staff.cases"), ("unreached", "eg.fee.staff.unreached")):
            lines = staff.get(group)
            if not lines:
                continue
            text = (
                t(key, months=self.policy.formal_to, n=len(lines), lines="\n".join(lines))
                + "\n"
                + t("eg.fee.staff.details")
            )
            for chat in await uow.directory.chats_with_role(community.id, "stewards"):
                await send_to_chat(
                    uow, chat, Outgoing(text=text), now, ref_type="fee_staff", priority=Priority.BULK
                )
        return sent

    async def record(
        self,
        uow: UnitOfWork,
        account: FeeAccount,
        kind: str,
        period: str,
        via: str,
        platform: str,
        user: str,
        now: datetime,
    ) -> FeeReminder | None:
        return await uow.fees.record(
            FeeReminder(
                account_id=account.id,
                kind=kind,
                period=period,
                via=via,
                platform=platform,
                user_id=user,
                amount_due=account.amount_due,
                months_overdue=account.months_overdue,
                sent_at=now,
                answer=None,
                answered_at=None,
            )
        )

    async def send_private(
        self,
        uow: UnitOfWork,
        t: T,
        community: Community,
        account: FeeAccount,
        reminder: FeeReminder,
        now: datetime,
    ) -> None:
        """The owner's own reminder, in their private chat only (never a group)."""
        due = account.due_date or self.policy.next_due(now.astimezone(ZoneInfo(community.timezone)).date())
        text = t(
            f"eg.fee.{reminder.kind}",
            unit=mask_unit(account.building, community.language),
            amount=yuan(account.amount_due),
            due=due.strftime("%m-%d"),
            months=account.months_overdue,
        )
        buttons = (
            (
                Button(t("eg.fee.paid"), FeeAnswer("paid", reminder.id).pack(), say=t("eg.fee.paid")),
                Button(
                    t("eg.fee.dispute"), FeeAnswer("dispute", reminder.id).pack(), say=t("eg.fee.dispute")
                ),
            ),
        )
        chat = await uow.engagement.private_chat(reminder.platform, reminder.user_id)
        await uow.outbox.enqueue(
            platform=reminder.platform,
            platform_chat_id=reminder.user_id,
            chat_id=chat.id if chat is not None else None,
            payload=Outgoing(text=text, buttons=buttons).to_json(),
            now=now,
            ref_type="fee_reminder",
            ref_id=reminder.id,
            priority=Priority.BULK,
        )

    # -- answers ---------------------------------------------------------------------------------
    async def answer(
        self,
        uow: UnitOfWork,
        reminder: FeeReminder | None,
        platform: str,
        user: str,
        answer: str,
        now: datetime,
    ) -> str:
        """Record the owner's 「已缴」 / 「有异议」 and tell the stewards (masked); returns the
        text key of what the owner is told."""
        if reminder is None:
            raise DomainError("eg.fee.err.stale")
        if (reminder.platform, reminder.user_id) != (platform, user):
            raise DomainError("eg.fee.err.not_yours")
        if reminder.answer == answer:
            return "eg.fee.answered.again"
        reminder.answer, reminder.answered_at = answer, now
        account = await uow.fees.account(reminder.account_id)
        assert account is not None
        community = await uow.directory.community(account.community_id)
        assert community is not None
        t = self.t(community.language)
        text = t(
            "eg.fee.steward",
            id=account.id,
            unit=mask_unit(account.building, community.language),
            answer=t(ANSWERS[answer]),
        )
        for chat in await uow.directory.chats_with_role(community.id, "stewards"):
            await send_to_chat(uow, chat, Outgoing(text=text), now, ref_type="fee_answer", ref_id=reminder.id)
        return "eg.fee.answered"

    async def latest(self, uow: UnitOfWork, platform: str, user: str, now: datetime) -> FeeReminder | None:
        return await uow.fees.latest_for(platform, user, now - timedelta(days=self.policy.answer_days))

    # -- staff -----------------------------------------------------------------------------------
    async def rates(self, uow: UnitOfWork, community: Community) -> str:
        """The collection rate against the target, for the community and each building:
        households with nothing overdue over households billed. No amounts."""
        t = self.t(community.language)
        accounts = await uow.fees.accounts(community.id)
        if not accounts:
            return t("eg.fee.rate.none", community=community.name)

        def rate(rows: list[FeeAccount]) -> tuple[str, int, int, str]:
            overdue = sum(1 for a in rows if a.months_overdue > 0 and a.amount_due > 0)
            share = (len(rows) - overdue) / len(rows)
            flag = t("eg.fee.rate.ok") if share >= self.policy.target else t("eg.fee.rate.miss")
            return f"{share:.1%}", overdue, len(rows), flag

        by_building: dict[str, list[FeeAccount]] = defaultdict(list)
        for account in accounts:
            by_building[account.building].append(account)
        order = [b for b in community.buildings if b in by_building] + sorted(
            set(by_building) - set(community.buildings)
        )
        lines = ""
        for building in order:
            share, overdue, total, flag = rate(by_building[building])
            label = t("eg.building", building=building)
            lines += t(
                "eg.fee.rate.building", building=label, rate=share, overdue=overdue, total=total, flag=flag
            )
        share, overdue, total, flag = rate(list(accounts))
        return t(
            "eg.fee.rate",
            community=community.name,
            rate=share,
            target=f"{self.policy.target:.0%}",
            flag=flag,
            total=total,
            overdue=overdue,
            buildings=lines,
        )

    async def case(self, uow: UnitOfWork, actor: Actor, ref: str) -> str:
        """One unit's fees in full, for staff in a private chat (the caller checks the chat)."""
        number = ref.strip().lstrip("Ff#")
        account = await uow.fees.account(int(number)) if number.isdigit() and len(number) < 10 else None
        if account is None or not may_act_on(actor, account.community_id):
            raise DomainError("eg.fee.err.unknown", ref=ref[:12] or "-")
        community = await uow.directory.community(account.community_id)
        assert community is not None
        t = self.t(community.language)
        reminders = [r for r in await uow.fees.reminders(community.id) if r.account_id == account.id]
        told = "、".join(
            f"{r.sent_at.astimezone(ZoneInfo(community.timezone)):%m-%d} {r.kind}/{r.via}"
            + (f"→{t(ANSWERS[r.answer])}" if r.answer else "")
            for r in reminders
        )
        return t(
            "eg.fee.case",
            id=account.id,
            unit=account.unit,
            amount=yuan(account.amount_due),
            months=account.months_overdue,
            account=account.account or "-",
            reminders=told or "-",
        )
