"""Notices: a request becomes a previewed draft (one per target community, a batch); a
confirmation sends or schedules it; and the supervisor's list, status report, cancel, pause,
resume, delete and templates. `BroadcastService` hands these the references `N12` (a
broadcast) and `S3` (a schedule); outages (`T4`) are `outages.py`'s.

About 400 lines, kept whole: these are the lifecycle steps of one record (draft → confirmed →
paused/cancelled/reported), each a few lines over the same lookups; split by step, every part
would import the same helpers back.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.roles import Role
from bot.core.texts import Texts
from handlers.broadcasts.fanout import Fanout
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.records import (
    Preview,
    decided,
    delivery_report,
    discard,
    find_broadcast,
    find_schedule,
    parse_ref,
)
from handlers.broadcasts.rendering import (
    Audience,
    Speaker,
    building_label,
    local_stamp,
    render_notice,
    tz_of,
)
from handlers.broadcasts.request import NoticeRequest
from handlers.broadcasts.targets import check_buildings, may_act_on, target_communities
from handlers.broadcasts.templates import check_template
from handlers.broadcasts.timing import check_cron, describe_cron
from handlers.shared.privacy import mask_text
from storage.broadcasts.models import Broadcast, BroadcastSchedule, BroadcastTemplate
from storage.directory.models import Community
from storage.uow import UnitOfWork

MAX_TEXT = 3500  # leaves room for the header within Telegram's 4,096 characters
_NAME = re.compile(r"^[\w\-]{1,32}$")


def _snippet(text: str, limit: int = 18) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Notices:
    def __init__(self, texts: Texts, policy: BroadcastPolicy, fanout: Fanout) -> None:
        self.texts = texts
        self.policy = policy
        self.fanout = fanout

    # -- drafting ----------------------------------------------------------------------------------
    async def draft(
        self,
        uow: UnitOfWork,
        request: NoticeRequest,
        actor: Actor,
        home: Community | None,
        now: datetime,
        speaker: Speaker,
    ) -> Preview:
        """Check everything and write the draft(s); nothing is sent before `confirm`."""
        policy = self.policy
        repo = uow.broadcasts
        communities = await target_communities(uow, request.target.scope, request.community, actor, home)
        body, template = request.text, None
        if request.template is not None:
            saved = await repo.template(request.template, template_scope(actor, home))
            if saved is None:
                raise DomainError("bc.err.no_template", name=request.template[:64])
            check_template(saved.body)
            body, template = saved.body, saved.name
        if len(body) > MAX_TEXT or len(request.text) > MAX_TEXT:
            raise DomainError("bc.err.too_long", limit=MAX_TEXT)
        cron = check_cron(request.cron).expr if request.cron else None

        drafts: list[Broadcast | BroadcastSchedule] = []
        lines: list[str] = []
        sample: str | None = None
        total = 0
        for community in communities:
            buildings = (
                check_buildings(community, request.target.buildings)
                if request.target.scope == "buildings"
                else []
            )
            chats = await repo.owner_chats(community.id, buildings)
            if not chats:
                if len(communities) == 1:
                    raise DomainError("bc.err.no_groups", community=community.name)
                continue
            tz = tz_of(community)
            where = speaker.t(
                "bc.preview.target",
                community=community.name,
                buildings=speaker.convert(building_label(buildings)),
                n=len(chats),
            )
            row: Broadcast | BroadcastSchedule
            if cron is not None:
                row = BroadcastSchedule(
                    community_id=community.id,
                    kind="notice",
                    status="draft",
                    cron=cron,
                    timezone=community.timezone,
                    buildings=buildings,
                    body=body,
                    template=template,
                    text=request.text if template else "",
                    urgent=request.urgent,
                    created_at=now,
                    created_by=actor.label,
                    last_run_at=now,
                )
                when = speaker.t(
                    "bc.preview.every", rule=speaker.convert(describe_cron(cron)), tz=community.timezone
                )
            else:
                requested = request.at.resolve(tz, now) if request.at else now
                if requested < now - timedelta(minutes=1):
                    raise DomainError("bc.err.past", when=local_stamp(requested, community, with_year=True))
                due = policy.due_time(requested, request.urgent, tz)
                row = Broadcast(
                    community_id=community.id,
                    kind="notice",
                    status="draft",
                    buildings=buildings,
                    body=body,
                    template=template,
                    text=request.text if template else "",
                    values={},
                    urgent=request.urgent,
                    requested_at=requested if request.at else None,
                    send_at=due,
                    created_at=now,
                    created_by=actor.label,
                )
                if due > requested:
                    when = speaker.t(
                        "bc.preview.quiet", quiet=policy.quiet.describe(), when=local_stamp(due, community)
                    )
                elif request.at:
                    when = speaker.t("bc.preview.at", when=local_stamp(due, community, with_year=True))
                else:
                    when = speaker.t("bc.preview.now")
            await repo.add(row)
            drafts.append(row)
            lines.append(f"{where}\n{when}")
            total += len(chats)
            if sample is None:  # what the first group will see, in its community's language
                probe = Broadcast(body=row.body, template=row.template, text=row.text, urgent=row.urgent)
                roster = await uow.directory.roster(community.id)
                audience = Audience(community, Speaker(self.texts, community.language), roster, now)
                sample = render_notice(probe, audience, chats[0])
        if not drafts:
            raise DomainError("bc.err.no_groups", community=speaker.t("bc.word.every"))
        batch_id = drafts[0].id
        for row in drafts:
            row.batch_id = batch_id
        await repo.flush()
        ref = f"{'S' if cron else 'N'}{batch_id}"
        head = speaker.t(
            "bc.preview.head", ref=ref, urgent=speaker.t("bc.word.urgent") if request.urgent else ""
        )
        if len(lines) > 1:
            lines.insert(0, speaker.t("bc.preview.every_total", n=len(lines), groups=total))
        text = speaker.t("bc.preview.body", head=head, targets="\n".join(lines), sample=sample or "", ref=ref)
        if mask_text(request.text) != request.text:
            # Staff text is sent as written (an office phone must stay readable), but a unit or a
            # mobile number in an owner group is usually someone's personal data: say so first.
            text += "\n" + speaker.t("bc.preview.privacy")
        return Preview(ref, text)

    # -- confirming --------------------------------------------------------------------------------
    async def confirm(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, speaker: Speaker) -> str:
        kind, number = parse_ref(ref)
        policy = self.policy
        repo = uow.broadcasts
        rows: list[Broadcast] | list[BroadcastSchedule]
        rows = list(await repo.schedule_batch(number)) if kind == "S" else list(await repo.batch(number))
        if not rows:
            raise DomainError("bc.err.not_found", ref=ref)
        for row in rows:
            if not may_act_on(actor, row.community_id):
                raise DomainError("bc.err.not_found", ref=ref)
        drafts = [row for row in rows if row.status == "draft"]
        if not drafts:
            return speaker.t("bc.done.already", ref=ref)
        if now - drafts[0].created_at > policy.draft_ttl:
            for row in drafts:
                await repo.move(type(row), row.id, ["draft"], "cancelled", **decided(row, now))
            raise DomainError("bc.err.expired", ref=ref)
        out: list[str] = []
        for row in drafts:
            community = await uow.directory.community(row.community_id)
            assert community is not None
            if isinstance(row, BroadcastSchedule):
                if not await repo.move(BroadcastSchedule, row.id, ["draft"], "active", last_run_at=now):
                    continue
                nxt = check_cron(row.cron).next_after(now, tz_of(community))
                out.append(
                    speaker.t(
                        "bc.done.schedule",
                        ref=f"S{row.id}",
                        community=community.name,
                        rule=speaker.convert(describe_cron(row.cron)),
                        next=local_stamp(nxt, community) if nxt else "-",
                    )
                )
                continue
            if not await repo.move(Broadcast, row.id, ["draft"], "sending", decided_at=now):
                continue  # a second press of the same button
            if row.requested_at is None:  # "at once" means at confirmation, quiet hours then
                row.send_at = policy.due_time(now, row.urgent, tz_of(community))
            result = await self.fanout.start_or_schedule(uow, row, now)
            if result is None:
                assert row.send_at is not None
                out.append(
                    speaker.t(
                        "bc.done.scheduled",
                        ref=f"N{row.id}",
                        community=community.name,
                        when=local_stamp(row.send_at, community),
                    )
                )
            else:
                out.append(
                    speaker.t("bc.done.sent", ref=f"N{row.id}", community=community.name, n=result.targets)
                )
        return "\n".join(out) if out else speaker.t("bc.done.already", ref=ref)

    # -- managing ----------------------------------------------------------------------------------
    async def cancel(
        self, uow: UnitOfWork, number: int, actor: Actor, now: datetime, speaker: Speaker
    ) -> str:
        """A scheduled notice is called off; one being sent stops where it is (rows the sender
        has not taken are withdrawn); a draft is discarded."""
        repo = uow.broadcasts
        broadcast = await find_broadcast(uow, number, actor)
        if broadcast.status == "draft":
            return await discard(uow, f"N{broadcast.id}", actor, now, speaker)
        if broadcast.status in ("scheduled", "paused"):
            await repo.move(Broadcast, broadcast.id, ["scheduled", "paused"], "cancelled", decided_at=now)
            return speaker.t("bc.done.cancelled", ref=f"N{broadcast.id}")
        if broadcast.status in ("sending", "queued"):
            withdrawn = await repo.cancel_pending(broadcast.id, "cancelled by " + actor.label)
            if withdrawn == 0 and broadcast.status == "queued":
                return speaker.t("bc.done.all_sent", ref=f"N{broadcast.id}")
            await repo.move(Broadcast, broadcast.id, ["sending", "queued"], "cancelled", decided_at=now)
            return speaker.t("bc.done.withdrawn", ref=f"N{broadcast.id}", n=withdrawn)
        return speaker.t("bc.done.already", ref=f"N{broadcast.id}")

    async def pause(self, uow: UnitOfWork, ref: str, actor: Actor, speaker: Speaker) -> str:
        kind, number = parse_ref(ref)
        repo = uow.broadcasts
        if kind == "S":
            schedule = await find_schedule(uow, number, actor)
            ok = await repo.move(BroadcastSchedule, schedule.id, ["active"], "paused")
            return speaker.t(
                "bc.done.paused" if ok else "bc.err.state", ref=f"S{schedule.id}", status=schedule.status
            )
        if kind == "N":
            broadcast = await find_broadcast(uow, number, actor)
            ok = await repo.move(Broadcast, broadcast.id, ["scheduled"], "paused")
            return speaker.t(
                "bc.done.paused" if ok else "bc.err.state", ref=f"N{broadcast.id}", status=broadcast.status
            )
        raise DomainError("bc.err.ref", value=ref)

    async def resume(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, speaker: Speaker) -> str:
        """A resumed schedule does not catch up the runs it missed while paused; a resumed one-off
        whose time has passed (paused, or skipped as missed) goes at once (after quiet hours)."""
        kind, number = parse_ref(ref)
        repo = uow.broadcasts
        if kind == "S":
            schedule = await find_schedule(uow, number, actor)
            last = max(schedule.last_run_at, now)
            ok = await repo.move(BroadcastSchedule, schedule.id, ["paused"], "active", last_run_at=last)
            return speaker.t(
                "bc.done.resumed" if ok else "bc.err.state", ref=f"S{schedule.id}", status=schedule.status
            )
        if kind == "N":
            broadcast = await find_broadcast(uow, number, actor)
            community = await uow.directory.community(broadcast.community_id)
            assert community is not None
            due = self.policy.due_time(max(broadcast.send_at or now, now), broadcast.urgent, tz_of(community))
            # A one-off skipped because it was missed (the supervisors were told) is sent now.
            ok = await repo.move(Broadcast, broadcast.id, ["paused", "skipped"], "scheduled", send_at=due)
            return speaker.t(
                "bc.done.resumed" if ok else "bc.err.state", ref=f"N{broadcast.id}", status=broadcast.status
            )
        raise DomainError("bc.err.ref", value=ref)

    async def delete_schedule(self, uow: UnitOfWork, number: int, actor: Actor, speaker: Speaker) -> str:
        repo = uow.broadcasts
        schedule = await find_schedule(uow, number, actor)
        ok = await repo.move(BroadcastSchedule, schedule.id, ["draft", "active", "paused"], "deleted")
        return speaker.t("bc.done.deleted" if ok else "bc.done.already", ref=f"S{schedule.id}")

    # -- reporting ---------------------------------------------------------------------------------
    async def status_report(self, uow: UnitOfWork, ref: str, actor: Actor, speaker: Speaker) -> str:
        """The delivery report from the outbox rows: sent, failed (with reasons), pending."""
        kind, number = parse_ref(ref)
        repo = uow.broadcasts
        if kind == "S":
            schedule = await find_schedule(uow, number, actor)
            latest = await repo.latest_of_schedule(schedule.id)
            head = speaker.t(
                "bc.status.schedule",
                ref=f"S{schedule.id}",
                rule=speaker.convert(describe_cron(schedule.cron)),
                status=speaker.t(f"bc.state.{schedule.status}"),
            )
            if latest is None:
                return head + "\n" + speaker.t("bc.status.no_runs")
            return head + "\n" + await delivery_report(uow, latest, speaker)
        broadcast = await find_broadcast(uow, number, actor)
        return await delivery_report(uow, broadcast, speaker)

    async def list_recent(
        self, uow: UnitOfWork, actor: Actor, home: Community | None, speaker: Speaker
    ) -> str:
        repo = uow.broadcasts
        community_id = (
            home.id if home is not None else (None if actor.role is Role.ADMIN else actor.community_id)
        )
        if community_id is None and actor.role is not Role.ADMIN:
            raise DomainError("bc.err.no_community")
        communities = {c.id: c for c in await uow.directory.communities()}
        lines = [speaker.t("bc.list.head")]
        recent = await repo.recent(community_id, 10)
        for broadcast in recent:
            community = communities[broadcast.community_id]
            report = await repo.report(broadcast.id, failures=0)
            if broadcast.kind == "notice":
                what = broadcast.template or _snippet(broadcast.body)
            else:
                what = speaker.t(f"bc.kind.{broadcast.kind}")
            when = local_stamp(broadcast.send_at, community) if broadcast.send_at else "-"
            lines.append(
                speaker.t(
                    "bc.list.item",
                    ref=f"N{broadcast.id}",
                    status=speaker.t(f"bc.state.{broadcast.status}"),
                    sent=report.count("sent"),
                    targets=broadcast.target_count or report.total,
                    when=when,
                    community=f"{community.name} · " if community_id is None else "",
                    buildings=speaker.convert(building_label(broadcast.buildings)),
                    what=what,
                )
            )
        if not recent:
            lines.append(speaker.t("bc.list.none"))
        schedules = await repo.schedules("active", "paused", community_id=community_id)
        if schedules:
            lines.append(speaker.t("bc.list.schedules"))
        for schedule in schedules:
            community = communities[schedule.community_id]
            what = (
                speaker.t("bc.kind.tip")
                if schedule.kind == "tips"
                else (schedule.template or _snippet(schedule.body))
            )
            lines.append(
                speaker.t(
                    "bc.list.schedule",
                    ref=f"S{schedule.id}",
                    rule=speaker.convert(describe_cron(schedule.cron)),
                    status=speaker.t(f"bc.state.{schedule.status}"),
                    community=f"{community.name} · " if community_id is None else "",
                    buildings=speaker.convert(building_label(schedule.buildings)),
                    what=what,
                )
            )
        return "\n".join(lines)

    # -- templates ---------------------------------------------------------------------------------
    async def save_template(
        self, uow: UnitOfWork, name: str, body: str, actor: Actor, now: datetime, speaker: Speaker
    ) -> str:
        if not _NAME.match(name):
            raise DomainError("bc.err.template_name", name=name[:40])
        used = check_template(body)
        repo = uow.broadcasts
        scope = template_scope(actor, None)
        existing = await repo.own_template(name, scope)
        if existing is None:
            await repo.add(
                BroadcastTemplate(
                    community_id=scope,
                    name=name,
                    body=body,
                    created_at=now,
                    updated_at=now,
                    created_by=actor.label,
                )
            )
        else:
            existing.body, existing.updated_at = body, now
        names = "、".join("{" + v + "}" for v in sorted(used)) or speaker.t("bc.word.none")
        return speaker.t("bc.done.template", name=name, variables=names)

    async def list_templates(self, uow: UnitOfWork, actor: Actor, speaker: Speaker) -> str:
        """The templates the actor's community sees: its own, and the shared ones it has none
        of the same name for."""
        rows, seen = [], set()
        for row in await uow.broadcasts.templates(template_scope(actor, None)):
            if row.name not in seen:
                seen.add(row.name)
                rows.append(row)
        if not rows:
            return speaker.t("bc.templates.none")
        return "\n".join(
            [speaker.t("bc.templates.head")] + [f"· {t.name}：{_snippet(t.body, 30)}" for t in rows]
        )


def template_scope(actor: Actor, home: Community | None) -> int | None:
    """Whose templates the actor saves and reads: a supervisor's community's (never another
    community's), an operator's the shared ones (or, drafting for a community, that one's too).
    Staff without a community have no templates to touch."""
    if actor.community_id is not None:
        return actor.community_id
    if actor.role is not Role.ADMIN:
        raise DomainError("err.forbidden")
    return home.id if home is not None else None
