"""The rows behind the references people type and see — `N12` a broadcast, `S3` a schedule,
`T4` an outage (停) — and what notices and outages both do with them: find one (refusing
staff of another community as if it did not exist), discard a draft, report a broadcast's delivery."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.core.actor import Actor
from bot.core.errors import DomainError
from handlers.broadcasts.rendering import Speaker, building_label, local_stamp
from handlers.broadcasts.targets import may_act_on
from storage.broadcasts.models import Broadcast, BroadcastSchedule, Outage
from storage.uow import UnitOfWork

_REF = re.compile(r"^([NSTnst]?)#?(\d{1,9})$")


def parse_ref(word: str, default: str = "N") -> tuple[str, int]:
    """「N12」「s3」「#4」「4」 → ("N", 12) …; a bare number is of kind `default`."""
    match = _REF.match(word.strip())
    if match is None:
        raise DomainError("bc.err.ref", value=word[:20])
    return (match.group(1) or default).upper(), int(match.group(2))


@dataclass(frozen=True)
class Preview:
    """A draft waiting for 「确认发送」: its reference and what the sender is shown."""

    ref: str
    text: str


async def find_broadcast(uow: UnitOfWork, number: int, actor: Actor) -> Broadcast:
    broadcast = await uow.broadcasts.broadcast(number)
    if broadcast is None:
        raise DomainError("bc.err.not_found", ref=f"N{number}")
    if not may_act_on(actor, broadcast.community_id):  # another community's: as if there were none
        raise DomainError("bc.err.not_found", ref=f"N{number}")
    return broadcast


async def find_schedule(uow: UnitOfWork, number: int, actor: Actor) -> BroadcastSchedule:
    schedule = await uow.broadcasts.schedule(number)
    if schedule is None or schedule.status == "deleted":
        raise DomainError("bc.err.not_found", ref=f"S{number}")
    if not may_act_on(actor, schedule.community_id):  # another community's: as if there were none
        raise DomainError("bc.err.not_found", ref=f"S{number}")
    return schedule


async def find_outage(uow: UnitOfWork, number: int, actor: Actor) -> Outage:
    outage = await uow.broadcasts.outage(number)
    if outage is None:
        raise DomainError("bc.err.not_found", ref=f"T{number}")
    if not may_act_on(actor, outage.community_id):  # another community's: as if there were none
        raise DomainError("bc.err.not_found", ref=f"T{number}")
    return outage


def decided(row: Broadcast | BroadcastSchedule, now: datetime) -> dict[str, datetime]:
    """The values a decision on `row` records (schedules keep no decision time)."""
    return {"decided_at": now} if isinstance(row, Broadcast) else {}


async def discard(uow: UnitOfWork, ref: str, actor: Actor, now: datetime, speaker: Speaker) -> str:
    """「取消」 under a preview: the draft (a notice batch, a schedule batch, or an outage with
    its announcement) is cancelled and nothing is sent."""
    kind, number = parse_ref(ref)
    repo = uow.broadcasts
    if kind == "T":
        outage = await repo.outage(number)
        if outage is None:
            raise DomainError("bc.err.not_found", ref=ref)
        if not may_act_on(actor, outage.community_id):
            raise DomainError("bc.err.not_found", ref=ref)
        moved = await repo.move(type(outage), outage.id, ["draft"], "cancelled")
        for announcement in await repo.of_outage(outage.id):
            await repo.move(Broadcast, announcement.id, ["draft"], "cancelled", decided_at=now)
        return speaker.t("bc.done.discarded" if moved else "bc.done.already", ref=ref)
    rows: list[Broadcast] | list[BroadcastSchedule]
    rows = list(await repo.schedule_batch(number)) if kind == "S" else list(await repo.batch(number))
    if not rows:
        raise DomainError("bc.err.not_found", ref=ref)
    moved = False
    for row in rows:
        if not may_act_on(actor, row.community_id):
            raise DomainError("bc.err.not_found", ref=ref)
        moved |= await repo.move(type(row), row.id, ["draft"], "cancelled", **decided(row, now))
    return speaker.t("bc.done.discarded" if moved else "bc.done.already", ref=ref)


# A broadcast whose fan-out has not queued every target yet.
NOT_FANNED_OUT = frozenset({"draft", "scheduled", "paused", "sending"})


async def delivery_report(uow: UnitOfWork, broadcast: Broadcast, speaker: Speaker) -> str:
    """The delivery report of one broadcast from its outbox rows: sent, failed (with
    reasons), pending, withdrawn. Before its fan-out has queued a row for every target (a
    scheduled or paused notice, one being sent), the groups not queued yet are pending too."""
    repo = uow.broadcasts
    community = await uow.directory.community(broadcast.community_id)
    assert community is not None
    report = await repo.report(broadcast.id)
    targets = broadcast.target_count or len(await repo.owner_chats(community.id, broadcast.buildings))
    when = local_stamp(broadcast.send_at, community) if broadcast.send_at else "-"
    unqueued = max(0, targets - report.total) if broadcast.status in NOT_FANNED_OUT else 0
    lines = [
        speaker.t(
            "bc.status.head",
            ref=f"N{broadcast.id}",
            community=community.name,
            buildings=speaker.convert(building_label(broadcast.buildings)),
            status=speaker.t(f"bc.state.{broadcast.status}"),
            when=when,
        ),
        speaker.t(
            "bc.status.counts",
            targets=targets,
            sent=report.count("sent"),
            failed=report.count("failed"),
            pending=report.count("pending") + report.count("sending") + unqueued,
            cancelled=report.count("cancelled"),
        ),
    ]
    if report.failures:
        lines.append(speaker.t("bc.status.failures"))
        lines.extend(f"- {title}：{reason[:120]}" for title, reason in report.failures)
    return "\n".join(lines)
