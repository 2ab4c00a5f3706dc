"""Fan-out: one broadcast becomes one outbox row per target owner group, rendered for it.

The fan-out can be cut anywhere (a crash, a `limit`) and run again: rows already in the outbox
are skipped by their `dedupe_key` (`bc:{broadcast}:{chat}`), so no group ever gets a notice
twice and none is lost. Per-chat order, rate limits and retries are the sender's business.

Quiet hours are applied when a broadcast's due time is set (`due_time`), not through the
outbox's `not_before`: a not-yet-due row at the head of a chat's queue would hold back every
later message to that chat (the claim takes only each chat's oldest unsent row), so an
owner's urgent repair at 23:00 would not be acknowledged until the morning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.events import Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.texts import Texts
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.rendering import (
    Audience,
    Speaker,
    local_stamp,
    render_notice,
    render_outage,
    render_tip,
    tz_of,
)
from handlers.broadcasts.tips import choose_tip
from handlers.shared.privacy import mask_text
from storage.broadcasts.models import Broadcast, Outage
from storage.broadcasts.repository import OutboxItem
from storage.directory.models import Chat
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

NO_TIP = "-"


@dataclass(frozen=True)
class FanOut:
    queued: int  # rows added by this call
    remaining: int  # targets still without a row (0: the fan-out is complete)
    targets: int


@dataclass(frozen=True)
class Batch:
    """One transaction's share of a due broadcast's fan-out (see `Fanout.next_batch`)."""

    queued: int = 0
    more: bool = False  # another batch is due, in a new transaction


class Fanout:
    """Turns a confirmed broadcast into outbox rows, in its communities' languages."""

    def __init__(self, texts: Texts, policy: BroadcastPolicy) -> None:
        self.texts = texts
        self.policy = policy

    async def fan_out(
        self, uow: UnitOfWork, broadcast: Broadcast, now: datetime, *, limit: int | None = None
    ) -> FanOut:
        """Queue the broadcast for the targets that do not have it yet (at most `limit` of them).
        The broadcast must be `sending`; once every target has its row it becomes `queued`."""
        repo = uow.broadcasts
        community = await uow.directory.community(broadcast.community_id)
        if community is None:
            raise LookupError(f"broadcast {broadcast.id}: community {broadcast.community_id} is gone")
        chats = await repo.owner_chats(community.id, broadcast.buildings)
        done = await repo.queued_chats(broadcast.id)
        if broadcast.kind == "tip":
            done |= await repo.tip_chats(broadcast.id)  # includes groups skipped for want of a tip
        todo = [chat for chat in chats if chat.id not in done]
        batch = todo if limit is None else todo[:limit]
        audience = Audience(
            community,
            Speaker(self.texts, community.language),
            await uow.directory.roster(community.id),
            now,
        )
        items, tips = await self._render(uow, broadcast, audience, batch, now)
        added: list[int] = []
        # Bulk: behind every reply and card in the groups it reaches (an urgent notice
        # goes as ordinary traffic, still behind urgent acknowledgements).
        priority = Priority.NORMAL if broadcast.urgent else Priority.BULK
        for start in range(0, len(items), 200):
            added += await repo.enqueue(broadcast.id, items[start : start + 200], now, priority=priority)
        skipped = len(batch) - len(items)
        if broadcast.kind == "tip":
            # A group that has had every in-season tip recently gets none this round ("-"),
            # remembered so that a resumed fan-out does not look at it again.
            day = now.astimezone(tz_of(community)).date()
            sent = {c: tips[c] for c in added if c in tips}
            sent.update({c.id: NO_TIP for c in batch if c.id not in tips})
            await repo.record_tips(broadcast.id, sent, day)
        remaining = len(todo) - len(batch)
        if remaining == 0:
            broadcast.status = "queued"
            broadcast.fanned_out_at = now
            broadcast.target_count = len(await repo.queued_chats(broadcast.id))
        log.info(
            "broadcast %d: %d row(s) queued, %d target(s) left, %d skipped",
            broadcast.id,
            len(added),
            remaining,
            skipped,
        )
        return FanOut(len(added), remaining, len(chats))

    async def _render(
        self,
        uow: UnitOfWork,
        broadcast: Broadcast,
        audience: Audience,
        chats: Sequence[Chat],
        now: datetime,
    ) -> tuple[list[OutboxItem], dict[int, str]]:
        items: list[OutboxItem] = []
        tips: dict[int, str] = {}
        if broadcast.kind == "tip":
            policy = self.policy
            calendar = policy.calendar_for(audience.community.code) or policy.calendar
            if policy.tips is None or calendar is None:
                return [], {}
            day = now.astimezone(tz_of(audience.community)).date()
            history = await uow.broadcasts.tip_history(
                [c.id for c in chats], day - timedelta(days=calendar.no_repeat_days)
            )
            for chat in chats:
                tip = choose_tip(policy.tips, calendar, day, history.get(chat.id, {}))
                if tip is None:
                    continue
                tips[chat.id] = tip.id
                items.append(OutboxItem(chat, Outgoing(text=render_tip(tip, audience)).to_json()))
            return items, tips
        outage: Outage | None = None
        if broadcast.outage_id is not None:
            outage = await uow.broadcasts.outage(broadcast.outage_id)
        for chat in chats:
            if outage is not None:
                text = render_outage(broadcast, outage, audience)
            else:
                text = render_notice(broadcast, audience, chat)
            items.append(OutboxItem(chat, Outgoing(text=text, urgent=broadcast.urgent).to_json()))
        return items, tips

    async def start_or_schedule(self, uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> FanOut | None:
        """A confirmed broadcast: fanned out now (in the caller's transaction, all or nothing) if
        it is due, else left `scheduled` for its job."""
        if broadcast.send_at is not None and broadcast.send_at > now:
            broadcast.status = "scheduled"
            return None
        broadcast.status = "sending"
        broadcast.send_at = broadcast.send_at or now
        return await self.fan_out(uow, broadcast, now)

    async def next_batch(self, uow: UnitOfWork, broadcast_id: int, now: datetime) -> Batch:
        """What a broadcast's job does in one transaction: when the broadcast is due, queue the
        next `policy.batch` of its targets (so 1,000 groups never make one long write), resuming
        whatever an earlier run left. A scheduled broadcast missed by more than the grace
        period is skipped and logged, never sent late."""
        policy = self.policy
        repo = uow.broadcasts
        broadcast = await repo.broadcast(broadcast_id)
        if broadcast is None:
            return Batch()
        if broadcast.status == "scheduled":
            if broadcast.send_at is not None and broadcast.send_at > now:
                return Batch()
            if broadcast.send_at is not None and now - broadcast.send_at > policy.grace:
                await repo.move(Broadcast, broadcast.id, ["scheduled"], "skipped", decided_at=now)
                log.warning(
                    "broadcast %d was due at %s, missed by more than %s: skipped",
                    broadcast.id,
                    broadcast.send_at.isoformat(),
                    policy.grace,
                )
                await self._tell_missed(uow, broadcast, now)
                return Batch()
            if not await repo.move(Broadcast, broadcast.id, ["scheduled"], "sending"):
                return Batch(more=True)  # someone else moved it first: look again
        if broadcast.status != "sending":
            return Batch()
        result = await self.fan_out(uow, broadcast, now, limit=policy.batch)
        return Batch(result.queued, more=result.remaining > 0)

    async def _tell_missed(self, uow: UnitOfWork, broadcast: Broadcast, now: datetime) -> None:
        """A notice that was never sent must not be missed silently: the community's
        supervisors' chat (else its management's, else its stewards') is told once what was
        missed and how to send it now (`/notice resume N…`). The outbox row is the record
        (its `dedupe_key` makes a second skip of the same notice, by another process, a
        no-op). A missed weekly safety tip is only logged: the next week has one."""
        if broadcast.kind == "tip":
            return
        community = await uow.directory.community(broadcast.community_id)
        if community is None:
            return
        speaker = Speaker(self.texts, community.language)
        body = broadcast.text or broadcast.body or broadcast.template or ""
        flat = " ".join(body.split())
        snippet = flat if len(flat) <= 40 else flat[:39] + "…"
        assert broadcast.send_at is not None
        text = speaker.t(
            "bc.missed",
            ref=f"N{broadcast.id}",
            community=community.name,
            when=local_stamp(broadcast.send_at, community, with_year=True),
            minutes=int(self.policy.grace.total_seconds() // 60),
            snippet=speaker.convert(mask_text(snippet)),
        )
        for role in ("supervisors", "management", "stewards"):
            chats = await uow.directory.chats_with_role(community.id, role)
            if chats:
                break
        for chat in chats:
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, urgent=broadcast.urgent),
                now,
                ref_type="broadcast_missed",
                ref_id=broadcast.id,
                dedupe_key=f"bc-missed:{broadcast.id}:{chat.id}",
                priority=Priority.URGENT if broadcast.urgent else Priority.NORMAL,
            )
