"""Outage announcements: the notice, a reminder the evening before and one an hour before, and
the 「已恢复」 or 「取消」 follow-up to the same groups.

    /outage water 3-5栋 2026-11-25 09:00-17:00 管道维修   → preview, confirm → announced
    /outage restored T4                                    → 「已恢复供水」 to the same groups
    /outage cancel T4                                      → reminders off (and a 「取消停水」 notice
                                                             if the announcement already went)

Owners' 「几点来水？」 are answered from the announcement by `questions.py`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.texts import Texts
from handlers.broadcasts.fanout import Fanout
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.records import Preview, delivery_report, discard, find_outage
from handlers.broadcasts.rendering import (
    Audience,
    Speaker,
    building_label,
    local_stamp,
    outage_values,
    render_outage,
    tz_of,
)
from handlers.broadcasts.request import OutageRequest
from handlers.broadcasts.targets import check_buildings, target_communities
from storage.broadcasts.models import Broadcast, Outage
from storage.broadcasts.repository import BroadcastRepository
from storage.directory.models import Community
from storage.uow import UnitOfWork

SETTLE = timedelta(minutes=30)  # a reminder this close after the announcement is left out


def reminder_times(
    policy: BroadcastPolicy, outage: Outage, community: Community, announced_at: datetime
) -> list[tuple[str, datetime]]:
    """The evening before (at `evening_at`) and `hour_before` the start, each moved out of
    quiet hours unless the outage is urgent; a reminder that would come after the start, or
    within half an hour of the announcement or of the other reminder, is left out."""
    tz = tz_of(community)
    start_day = outage.starts_at.astimezone(tz).date()
    candidates = [
        ("evening", datetime.combine(start_day - timedelta(days=1), policy.evening_at, tz).astimezone(UTC)),
        ("hour", outage.starts_at - policy.hour_before),
    ]
    out: list[tuple[str, datetime]] = []
    for which, when in candidates:
        if not outage.urgent:
            when = policy.quiet.release(when, tz)
        if when >= outage.starts_at or when < announced_at + SETTLE:
            continue
        if out and when < out[-1][1] + SETTLE:
            continue
        out.append((which, when))
    return out


async def _withdraw_reminders(repo: BroadcastRepository, outage: Outage, now: datetime) -> None:
    for row in await repo.of_outage(outage.id):
        if row.kind == "reminder":
            await repo.move(Broadcast, row.id, ["scheduled", "paused", "draft"], "cancelled", decided_at=now)


class Outages:
    def __init__(self, texts: Texts, policy: BroadcastPolicy, fanout: Fanout) -> None:
        self.texts = texts
        self.policy = policy
        self.fanout = fanout

    async def draft(
        self,
        uow: UnitOfWork,
        request: OutageRequest,
        actor: Actor,
        home: Community | None,
        now: datetime,
        speaker: Speaker,
    ) -> Preview:
        """Write the outage and its announcement as drafts, for a preview to confirm."""
        policy = self.policy
        repo = uow.broadcasts
        [community] = await target_communities(uow, "community", request.community, actor, home)
        buildings = (
            check_buildings(community, request.target.buildings)
            if request.target.scope == "buildings"
            else []
        )
        tz = tz_of(community)
        starts, ends = request.window(tz, now)
        if ends <= now:
            raise DomainError("bc.err.past", when=local_stamp(ends, community, with_year=True))
        chats = await repo.owner_chats(community.id, buildings)
        if not chats:
            raise DomainError("bc.err.no_groups", community=community.name)
        outage = await repo.add(
            Outage(
                community_id=community.id,
                utility=request.utility,
                status="draft",
                buildings=buildings,
                starts_at=starts,
                ends_at=ends,
                reason=request.reason[:500],
                urgent=request.urgent,
                created_at=now,
                created_by=actor.label,
            )
        )
        announce = await repo.add(
            Broadcast(
                community_id=community.id,
                kind="outage",
                status="draft",
                buildings=buildings,
                body="",
                text="",
                values={"which": "announce"},
                urgent=request.urgent,
                send_at=policy.due_time(now, request.urgent, tz),
                created_at=now,
                created_by=actor.label,
                outage_id=outage.id,
            )
        )
        announce.batch_id = announce.id
        audience = Audience(community, Speaker(self.texts, community.language), [], now)
        reminders = reminder_times(policy, outage, community, announce.send_at or now)
        plan = "、".join(
            f"{local_stamp(when, community)}（{speaker.t('bc.outage.when.' + which)}）"
            for which, when in reminders
        )
        values = outage_values(outage, community, speaker)
        ref = f"T{outage.id}"
        text = speaker.t(
            "bc.outage.preview",
            ref=ref,
            stop=values["stop"],
            target=speaker.t(
                "bc.preview.target",
                community=community.name,
                buildings=speaker.convert(building_label(buildings)),
                n=len(chats),
            ),
            window=f"{values['day']} {values['start']}–{values['end']}",
            when=speaker.t("bc.preview.now")
            if announce.send_at is None or announce.send_at <= now
            else speaker.t(
                "bc.preview.quiet",
                quiet=policy.quiet.describe(),
                when=local_stamp(announce.send_at, community),
            ),
            reminders=plan or speaker.t("bc.word.none"),
            sample=render_outage(announce, outage, audience),
        )
        return Preview(ref, text)

    async def confirm(
        self, uow: UnitOfWork, number: int, actor: Actor, now: datetime, speaker: Speaker
    ) -> str:
        policy = self.policy
        repo = uow.broadcasts
        outage = await find_outage(uow, number, actor)
        if outage.status == "draft" and now - outage.created_at > policy.draft_ttl:
            raise DomainError("bc.err.expired", ref=f"T{number}")
        if not await repo.move(Outage, outage.id, ["draft"], "announced"):
            return speaker.t("bc.done.already", ref=f"T{number}")
        community = await uow.directory.community(outage.community_id)
        assert community is not None
        targets = 0
        announced_at = now
        for row in await repo.of_outage(outage.id):
            if row.status == "draft" and await repo.move(
                Broadcast, row.id, ["draft"], "sending", decided_at=now
            ):
                result = await self.fanout.start_or_schedule(uow, row, now)
                targets = result.targets if result else targets
                announced_at = row.send_at or now
        reminders = reminder_times(policy, outage, community, announced_at)
        for which, when in reminders:
            await repo.add(
                Broadcast(
                    community_id=community.id,
                    kind="reminder",
                    status="scheduled",
                    buildings=list(outage.buildings),
                    body="",
                    text="",
                    values={"which": which},
                    urgent=False,
                    send_at=when,
                    created_at=now,
                    created_by=actor.label,
                    decided_at=now,
                    outage_id=outage.id,
                    run_key=f"T{outage.id}:{which}",
                )
            )
        values = outage_values(outage, community, speaker)
        return speaker.t(
            "bc.done.outage",
            ref=f"T{outage.id}",
            stop=values["stop"],
            n=targets or len(await repo.owner_chats(community.id, outage.buildings)),
            reminders="、".join(local_stamp(when, community) for _, when in reminders)
            or speaker.t("bc.word.none"),
        )

    async def _follow_up(
        self,
        uow: UnitOfWork,
        outage: Outage,
        community: Community,
        which: str,
        urgent: bool,
        now: datetime,
    ) -> int:
        repo = uow.broadcasts
        row = await repo.add(
            Broadcast(
                community_id=community.id,
                kind="restored",
                status="sending",
                buildings=list(outage.buildings),
                body="",
                text="",
                values={"which": which},
                urgent=urgent,
                send_at=self.policy.due_time(now, urgent, tz_of(community)),
                created_at=now,
                created_by="system",
                decided_at=now,
                outage_id=outage.id,
                run_key=f"T{outage.id}:{which}",
            )
        )
        result = await self.fanout.start_or_schedule(uow, row, now)
        return result.targets if result else 0

    async def restore(
        self,
        uow: UnitOfWork,
        number: int,
        actor: Actor,
        now: datetime,
        speaker: Speaker,
        urgent: bool = False,
    ) -> str:
        """「已恢复」: the remaining reminders are withdrawn and the groups are told."""
        repo = uow.broadcasts
        outage = await find_outage(uow, number, actor)
        if not await repo.move(Outage, outage.id, ["announced"], "restored", restored_at=now):
            if outage.status == "restored":
                return speaker.t("bc.done.already", ref=f"T{number}")
            raise DomainError("bc.err.state", ref=f"T{number}", status=speaker.t(f"bc.state.{outage.status}"))
        community = await uow.directory.community(outage.community_id)
        assert community is not None
        await _withdraw_reminders(repo, outage, now)
        n = await self._follow_up(uow, outage, community, "restored", urgent, now)
        values = outage_values(outage, community, speaker)
        return speaker.t("bc.done.restored", ref=f"T{outage.id}", supply=values["supply"], n=n)

    async def cancel(
        self, uow: UnitOfWork, number: int, actor: Actor, now: datetime, speaker: Speaker
    ) -> str:
        """Call an outage off: a draft is discarded; an announced one loses its reminders, and if
        its announcement already reached the groups they are told it is off."""
        repo = uow.broadcasts
        outage = await find_outage(uow, number, actor)
        if outage.status == "draft":
            return await discard(uow, f"T{number}", actor, now, speaker)
        if not await repo.move(Outage, outage.id, ["announced"], "cancelled"):
            return speaker.t("bc.done.already", ref=f"T{number}")
        community = await uow.directory.community(outage.community_id)
        assert community is not None
        await _withdraw_reminders(repo, outage, now)
        went_out = False
        for row in await repo.of_outage(outage.id):
            if row.kind != "outage":
                continue
            if row.status in ("scheduled", "paused"):
                await repo.move(Broadcast, row.id, ["scheduled", "paused"], "cancelled", decided_at=now)
            elif row.status in ("sending", "queued"):
                went_out = True
        n = await self._follow_up(uow, outage, community, "cancelled", False, now) if went_out else 0
        return speaker.t("bc.done.outage_cancelled", ref=f"T{outage.id}", n=n)

    async def report(self, uow: UnitOfWork, number: int, actor: Actor, speaker: Speaker) -> str:
        repo = uow.broadcasts
        outage = await find_outage(uow, number, actor)
        community = await uow.directory.community(outage.community_id)
        assert community is not None
        values = outage_values(outage, community, speaker)
        lines = [
            speaker.t(
                "bc.outage.status",
                ref=f"T{outage.id}",
                stop=values["stop"],
                buildings=values["buildings"],
                window=f"{values['day']} {values['start']}–{values['end']}",
                status=speaker.t(f"bc.state.{outage.status}"),
            )
        ]
        for row in await repo.of_outage(outage.id):
            if row.status != "draft":
                lines.append(
                    speaker.t(f"bc.outage.when.{row.values.get('which', 'announce')}")
                    + "："
                    + await delivery_report(uow, row, speaker)
                )
        return "\n".join(lines)

    async def list_recent(
        self, uow: UnitOfWork, community: Community, now: datetime, speaker: Speaker
    ) -> str:
        repo = uow.broadcasts
        rows = [
            o
            for o in await repo.outages(community.id, "announced", "restored")
            if o.ends_at > now - timedelta(days=7)
        ]
        if not rows:
            return speaker.t("bc.outage.list_none")
        lines = [speaker.t("bc.outage.list_head")]
        for outage in rows:
            values = outage_values(outage, community, speaker)
            lines.append(
                f"T{outage.id} {values['buildings']}{values['stop']} {values['day']} {values['start']}–{values['end']}"
                f"（{speaker.t('bc.state.' + outage.status)}）"
            )
        return "\n".join(lines)
