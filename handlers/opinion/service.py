"""Opinion monitoring's use cases, for chat, jobs and the command line alike: observe an
owner's message, record a staff verdict on an alert, and send the daily digest.

Intake hands every logged owner message in an owner group to `observe`. A negative message
is checked, in order, against:

1. an alert already raised about the same matter (same topic or same owner, within the
   cool-down of its first message): the message is folded into it, and the supervisors hear
   「又有 N 条相关消息」 at a few milestones instead of a new alert each time;
2. its own risk: tier 2 (collective action, a threat to go outside) goes to the supervisors'
   chat at once; tier 3 (both, or a crisis) to management as well, with a mention;
3. the group: N distinct owners negative about one topic within a window is a tier-2 group
   complaint, even when no single message is alarming;
4. the community's own baseline: far more negative messages this hour than in the same hour
   on past days is a spike.

Staff answer an alert with 「已跟进」 or 「误报」 (`mark`); the verdict and the rules that fired
are kept (`storage.opinion.models.OpinionFeedback`) so the rules can be tuned.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from bot.core.services import Services
from handlers.opinion import crisis
from handlers.opinion.alerts import Observed, check_group, check_spike, fold, raise_message_alert
from handlers.opinion.detection import SpikeHints, matching_alert, tier_of, topics_of
from handlers.opinion.digest import collect_digest, render_digest
from handlers.opinion.policy import OpinionPolicy
from handlers.opinion.words import Words, mask_name
from nlp.classification import Classification
from storage.directory.models import Community, Member
from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert, OpinionFeedback
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# A press's verdict -> the alert's state.
VERDICTS = {"done": "followed", "false": "false_positive"}
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Marked:
    """An alert after a staff verdict; `changed` is False when it had that verdict already."""

    alert: OpinionAlert
    verdict: str  # followed | false_positive
    changed: bool


@dataclass(frozen=True)
class Raised:
    """The alert a message raised or was folded into."""

    alert_id: int
    tier: int
    kind: str  # message | group


@dataclass(frozen=True)
class DueDigest:
    community_id: int
    until: datetime  # today's digest time in the community's zone


class OpinionService:
    """Built once by the composition root; it keeps each community's last spike threshold
    (`hints`) for as long as the process runs."""

    def __init__(self, policy: OpinionPolicy, services: Services) -> None:
        self.policy = policy
        self.services = services
        self.hints = SpikeHints()

    def words(self, lang: str) -> Words:
        return Words(self.services.texts, self.services.classifier, lang)

    def edits_in_place(self, platform: str) -> bool:
        return self.services.capabilities(platform).edit_in_place

    # -- observing ------------------------------------------------------------------------------
    async def observe(
        self,
        uow: UnitOfWork,
        entry: MessageLog,
        classification: Classification,
        *,
        community: Community,
        member: Member,
    ) -> Raised | None:
        """Watch one logged owner message in an owner group (the caller checks both). Never
        raises: a failure is logged and rolled back to a savepoint, so the work around it
        (the owner's ticket) still commits. Returns the alert of tier 2 or more the message
        raised or joined (its ticket is then raised too: `TicketService.raise_for_alert`)."""
        if not classification.negative:
            return None
        try:
            async with uow.opinion.savepoint():
                raised = await self._observe(uow, entry, community, member)
        except Exception:
            log.exception("opinion: observing message_log %s failed", entry.id)
            return None
        return raised if raised is not None and raised.tier >= 2 else None

    async def _observe(
        self, uow: UnitOfWork, entry: MessageLog, community: Community, member: Member
    ) -> Raised | None:
        policy = self.policy
        now = self.services.clock.now()
        at = entry.sent_at
        if now - at > policy.cooldown:
            return None  # a late delivery (e.g. the chat archive catching up): in the digest, no alert
        topics = topics_of(entry.category, entry.rules)
        tier = tier_of(entry.risk, entry.rules)
        # One read for both checks: nothing below raises a spike alert before check_spike reads them.
        alerts = await uow.opinion.recent_alerts(
            community.id, at - policy.cooldown, ("message", "group", "spike")
        )
        recent = [a for a in alerts if a.kind != "spike"]
        seen = Observed(
            uow, entry, community, member, now, self.words(community.language), self.edits_in_place
        )
        match = matching_alert(recent, entry.member_id, topics, tier)
        raised: Raised | None = None
        if match is not None:
            await fold(seen, match)
            raised = Raised(match.id, match.tier, match.kind)
            if match.tier >= 3:
                await crisis.note(
                    uow, match.id, at, mask_name(member.display_name), "message", crisis.mask(entry.text)
                )
        elif tier >= 2:
            alert = await raise_message_alert(seen, topics, tier)
            raised = Raised(alert.id, alert.tier, alert.kind)
            if tier >= 3:
                await crisis.open_crisis(uow, alert, now)
        else:
            group = await check_group(seen, topics, recent, policy)
            raised = Raised(group.id, group.tier, group.kind) if group is not None else None
        await check_spike(seen, [a for a in alerts if a.kind == "spike"], policy, self.hints)
        return raised

    # -- staff verdicts -------------------------------------------------------------------------
    async def mark(
        self,
        uow: UnitOfWork,
        alert_id: int,
        verdict: Literal["done", "false"],
        actor: Actor,
        *,
        community_id: int | None,
        now: datetime,
    ) -> Marked:
        """Record 「已跟进」 (`done`) or 「误报」 (`false`) on an alert of `community_id` (where the
        actor is acting; an admin may answer any community's alert). Marking it the same
        way twice records nothing."""
        alert = await uow.opinion.get(alert_id)
        if alert is None:
            raise DomainError("op.err.unknown")
        if actor.role is not Role.ADMIN and community_id != alert.community_id:
            raise DomainError("op.err.unknown")  # another community's: as if there were none
        state = VERDICTS[verdict]
        if alert.state == state:
            return Marked(alert, state, changed=False)
        alert.state = state
        alert.handled_by = actor.steward.name if actor.steward else mask_name(actor.name)
        alert.handled_at = now
        await uow.opinion.add_feedback(
            OpinionFeedback(
                alert_id=alert.id,
                message_log_id=alert.message_log_id,
                verdict=state,
                kind=alert.kind,
                tier=alert.tier,
                rules=list(alert.rules),
                reasons=list(alert.reasons),
                actor=f"steward:{actor.steward.id}" if actor.steward else actor.label,
                at=now,
            )
        )
        await crisis.note(uow, alert.id, now, alert.handled_by, state, None)
        log.info("opinion: alert %d marked %s", alert.id, state)
        return Marked(alert, state, changed=True)

    # -- crises and the follow-up timer (`crisis`) ----------------------------------------------
    async def follow_up(self, uow: UnitOfWork, now: datetime) -> int:
        return await crisis.follow_up(uow, self.policy, self.words, now)

    async def crisis_text(
        self, uow: UnitOfWork, actor: Actor, alert_id: int, community_id: int | None, lang: str
    ) -> str:
        view = await crisis.crisis_of(uow, alert_id, actor, community_id)
        community = await uow.directory.community(view.alert.community_id)
        assert community is not None
        return crisis.render_timeline(self.words(lang), view, ZoneInfo(community.timezone))

    async def set_spokesperson(
        self, uow: UnitOfWork, actor: Actor, alert_id: int, name: str, community_id: int | None, now: datetime
    ) -> str:
        """Returns who now speaks for the company on the crisis."""
        view = await crisis.set_spokesperson(uow, actor, alert_id, name, community_id, now)
        return view.crisis.spokesperson or ""

    async def draft_reply(
        self,
        uow: UnitOfWork,
        actor: Actor,
        alert_id: int,
        verified: str,
        response: str,
        community_id: int | None,
        now: datetime,
    ) -> None:
        alert = await uow.opinion.get(alert_id)
        community = await uow.directory.community(alert.community_id) if alert else None
        words = self.words(community.language if community else "zh-Hans")
        await crisis.draft_reply(uow, words, actor, alert_id, verified, response, community_id, now)

    async def send_reply(
        self, uow: UnitOfWork, actor: Actor, alert_id: int, community_id: int | None, now: datetime
    ) -> None:
        alert = await uow.opinion.get(alert_id)
        community = await uow.directory.community(alert.community_id) if alert else None
        words = self.words(community.language if community else "zh-Hans")
        await crisis.send_reply(uow, words, actor, alert_id, community_id, now)

    async def card_in(
        self, uow: UnitOfWork, alert_id: int, platform: str, platform_chat_id: str
    ) -> Outgoing | None:
        """The alert's card as it was sent to that chat, if it was."""
        for row in await uow.outbox.by_ref("opinion_alert", alert_id):
            if row.platform == platform and row.platform_chat_id == platform_chat_id:
                return Outgoing.from_json(row.payload)
        return None

    # -- the daily digest -----------------------------------------------------------------------
    async def due_digests(self, uow: UnitOfWork, now: datetime) -> list[DueDigest]:
        """Each community whose local digest time has passed today and whose digest has not
        gone out to every supervisors' chat."""
        digest_time = self.policy.digest_time
        due = []
        for community in await uow.directory.communities():
            tz = ZoneInfo(community.timezone)
            today = now.astimezone(tz)
            if today.time() < digest_time:
                continue
            chats = await uow.directory.chats_with_role(community.id, "supervisors")
            keys = [f"opinion:digest:{community.id}:{today.date().isoformat()}:{c.id}" for c in chats]
            if keys and not await uow.opinion.all_queued(keys):
                due.append(DueDigest(community.id, datetime.combine(today.date(), digest_time, tz)))
        return due

    async def send_digest(self, uow: UnitOfWork, community_id: int, until: datetime, now: datetime) -> bool:
        """The digest of the 24 hours up to `until` to the supervisors; once per local day
        (False if it had gone out already, or there is no such community)."""
        community = await uow.directory.community(community_id)
        if community is None:
            return False
        day = until.astimezone(ZoneInfo(community.timezone)).date().isoformat()
        digest = await collect_digest(uow, community, until - DAY, until)
        text = render_digest(self.words(community.language), digest, "op.digest.title", now)
        sent = False
        for chat in await uow.directory.chats_with_role(community.id, "supervisors"):
            sent |= await send_to_chat(
                uow,
                chat,
                Outgoing(text=text),
                now,
                ref_type="opinion_digest",
                ref_id=community.id,
                priority=Priority.BULK,
                dedupe_key=f"opinion:digest:{community.id}:{day}:{chat.id}",
            )
        return sent
