"""The care list, as use cases: a private list of households (独居老人, 孕妇, 残障人士, …) per
community, kept by stewards (`add`, `remove`, `listing`); only staff see it, and its units
are masked in every group (a private chat with Steward shows them in full).

Before an extreme-weather or outage warning goes out, a safety check-in (「先确认安全」) is
posted to the stewards (`check_in`): one line per household with 「已确认」 / 「未联系上」
buttons (`mark`); whoever is not confirmed safe after the configured time is escalated to the
supervisors, once (`escalate`). The broadcasts feature calls `warned` when a notice or an
outage is drafted (the composition root hands it this service's method: neither feature
imports the other); `/care check 原因` starts one by hand.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.services import Services
from handlers.engagement.buttons import CareMark
from handlers.engagement.polls import T, wording
from handlers.engagement.service import may_act_on
from handlers.shared.privacy import mask_text, mask_unit
from storage.directory.models import Community
from storage.engagement.models import CareCheck, CareEntry
from storage.uow import UnitOfWork

DATA = Path(__file__).parent / "data" / "care.toml"
KIND_LENGTH = 32
STATES = {"ok": "confirmed", "no": "unreached"}


@dataclass(frozen=True)
class CarePolicy:
    escalate_after: timedelta = timedelta(minutes=60)
    warning_words: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = DATA) -> CarePolicy:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        minutes = int(raw.get("escalate_minutes", 60))
        if not 1 <= minutes <= 24 * 60:
            raise ValueError(f"{path}: escalate_minutes must be 1-1440")
        return cls(timedelta(minutes=minutes), tuple(str(w) for w in raw.get("warning_words", ())))


@dataclass(frozen=True)
class Marked:
    check: CareCheck
    line: int
    state: str


class CareService:
    def __init__(self, services: Services, policy: CarePolicy) -> None:
        self.services = services
        self.policy = policy

    def t(self, lang: str) -> T:
        return wording(self.services.texts, lang)

    def minutes(self) -> int:
        return int(self.policy.escalate_after.total_seconds() // 60)

    # -- the list --------------------------------------------------------------------------------
    async def add(
        self, uow: UnitOfWork, actor: Actor, community: Community | None, written: str, now: datetime
    ) -> CareEntry:
        """`3-2-1302 独居老人 [备注]`: a household on the list."""
        if community is None or not may_act_on(actor, community.id):
            raise DomainError("eg.poll.err.community")
        words = written.split()
        unit = self.services.classifier.classify(words[0]).unit if words else None
        if unit is None or unit.building is None:
            raise DomainError("eg.care.err.unit")
        if unit.building not in community.buildings:
            raise DomainError("eg.care.err.building", community=community.name, building=unit.building[:8])
        if len(words) < 2 or len(words[1]) > KIND_LENGTH:
            raise DomainError("eg.care.err.kind", length=KIND_LENGTH)
        return await uow.care.add(
            CareEntry(
                community_id=community.id,
                unit=unit.canonical(),
                building=unit.building,
                kind=words[1],
                note=" ".join(words[2:])[:200],
                added_by=actor.label,
                added_at=now,
            )
        )

    async def entry(self, uow: UnitOfWork, actor: Actor, ref: str) -> CareEntry:
        number = ref.strip().lstrip("Cc#")
        entry = await uow.care.entry(int(number)) if number.isdigit() and len(number) < 10 else None
        if entry is None or entry.removed_at is not None or not may_act_on(actor, entry.community_id):
            raise DomainError("eg.care.err.unknown", ref=ref[:12] or "-")
        return entry

    async def remove(self, uow: UnitOfWork, actor: Actor, ref: str, now: datetime) -> CareEntry:
        entry = await self.entry(uow, actor, ref)
        entry.removed_at = now
        return entry

    def unit_of(self, entry: CareEntry, community: Community, private: bool) -> str:
        return entry.unit if private else mask_unit(entry.building, community.language)

    async def listing(self, uow: UnitOfWork, community: Community, *, private: bool) -> str:
        t = self.t(community.language)
        entries = await uow.care.entries(community.id)
        if not entries:
            return t("eg.care.list.none", community=community.name)
        lines = [
            t(
                "eg.care.list.line",
                id=e.id,
                unit=self.unit_of(e, community, private),
                kind=e.kind,
                note=f"（{e.note if private else mask_text(e.note)}）" if e.note else "",
            )
            for e in entries
        ]
        return t("eg.care.list", community=community.name, n=len(entries), lines="\n".join(lines))

    # -- check-ins -------------------------------------------------------------------------------
    def is_warning(self, text: str) -> bool:
        return any(word in text for word in self.policy.warning_words)

    async def warned(
        self, uow: UnitOfWork, community: Community, text: str, outage: bool, now: datetime
    ) -> bool:
        """The broadcasts feature's call before a notice or outage goes out: a check-in when it
        is a warning (every outage; a notice with a warning word) and the list is not empty."""
        if not (outage or self.is_warning(text)):
            return False
        return await self.check_in(uow, community, " ".join(text.split())[:120], "system", now) is not None

    async def check_in(
        self, uow: UnitOfWork, community: Community, reason: str, by: str, now: datetime
    ) -> CareCheck | None:
        """Post a check-in of the whole list to the stewards; None if the list is empty."""
        entries = await uow.care.entries(community.id)
        if not entries:
            return None
        check = CareCheck(
            community_id=community.id,
            reason=reason or "-",
            created_by=by,
            created_at=now,
            escalate_at=now + self.policy.escalate_after,
        )
        await uow.care.add_check(check, entries)
        text, buttons = await self.render(uow, check, community)
        for chat in await uow.directory.chats_with_role(community.id, "stewards"):
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, buttons=buttons),
                now,
                ref_type="care_check",
                ref_id=check.id,
                dedupe_key=f"care-check:{check.id}:{chat.id}",
                priority=Priority.URGENT,
            )
        return check

    async def render(
        self, uow: UnitOfWork, check: CareCheck, community: Community
    ) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        """The check-in as the stewards read it: each line's state, and buttons for the lines
        not yet confirmed."""
        t = self.t(community.language)
        names = await self.names(uow, community)
        rows = []
        buttons: list[tuple[Button, ...]] = []
        for line, entry in await uow.care.lines(check.id):
            state = t(f"eg.care.state.{line.state}", name=names.get(line.marked_by or "", "-"))
            rows.append(
                t(
                    "eg.care.check.line",
                    n=line.line,
                    unit=mask_unit(entry.building, community.language),
                    kind=entry.kind,
                    note=f"（{mask_text(entry.note)}）" if entry.note else "",
                    state=state,
                )
            )
            if line.state != "confirmed":
                buttons.append(
                    (
                        Button(t("eg.care.ok", n=line.line), CareMark("ok", line.id).pack()),
                        Button(t("eg.care.no", n=line.line), CareMark("no", line.id).pack()),
                    )
                )
        until = check.escalate_at.astimezone(ZoneInfo(community.timezone)).strftime("%H:%M")
        text = t(
            "eg.care.check", reason=check.reason, minutes=self.minutes(), until=until, lines="\n".join(rows)
        )
        return text, tuple(buttons)

    async def names(self, uow: UnitOfWork, community: Community) -> dict[str, str]:
        return {f"steward:{s.id}": s.name for s in await uow.directory.roster(community.id)}

    async def mark(
        self, uow: UnitOfWork, press: CareMark, actor: Actor, now: datetime
    ) -> tuple[Marked, Community]:
        line = await uow.care.line(press.line_id)
        check = await uow.care.check(line.check_id) if line is not None else None
        if line is None or check is None or not may_act_on(actor, check.community_id):
            raise DomainError("eg.care.err.stale")
        line.state, line.marked_by, line.marked_at = STATES[press.state], actor.label, now
        await uow.session.flush()
        community = await uow.directory.community(check.community_id)
        assert community is not None
        return Marked(check, line.line, line.state), community

    async def escalate(self, uow: UnitOfWork, check_id: int, now: datetime) -> bool:
        """Once, at its time: the households not confirmed safe, to the supervisors."""
        check = await uow.care.check(check_id)
        if check is None or not await uow.care.escalate(check, now):
            return False
        community = await uow.directory.community(check.community_id)
        assert community is not None
        t = self.t(community.language)
        names = await self.names(uow, community)
        missing = [
            t(
                "eg.care.check.line",
                n=line.line,
                unit=mask_unit(entry.building, community.language),
                kind=entry.kind,
                note="",
                state=t(f"eg.care.state.{line.state}", name=names.get(line.marked_by or "", "-")),
            )
            for line, entry in await uow.care.lines(check.id)
            if line.state != "confirmed"
        ]
        if not missing:
            return True
        text = t(
            "eg.care.escalate",
            reason=check.reason,
            count=len(missing),
            minutes=self.minutes(),
            lines="\n".join(missing),
        )
        for chat in await uow.directory.chats_with_role(community.id, "supervisors"):
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text),
                now,
                ref_type="care_escalation",
                ref_id=check.id,
                priority=Priority.URGENT,
            )
        return True

    async def due(self, uow: UnitOfWork, now: datetime) -> list[int]:
        return list(await uow.care.due_checks(now))
