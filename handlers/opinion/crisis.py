"""Alerts with an owner, and crises (issue 21, item 4).

- **The follow-up timer.** A tier-2/3 alert nobody answered (「已跟进」 or 「误报」) is reminded
  to the supervisors after `OpinionPolicy.remind_after` and escalated to the manager (the
  management chat, else the managers mentioned in the supervisors' chat) after
  `OpinionPolicy.follow_up` (sla.toml's `[opinion]`; the documents: 48 h). Each once, settled
  by a conditional UPDATE on the alert. Whoever presses 「已跟进」 owns the alert: the card and
  the digest show them, and the timer stops.
- **The crisis record.** A tier-3 alert opens one (`opinion_crises`): a timeline (the alert,
  owners' messages folded into it, staff verdicts, reminders, the spokesperson, the draft,
  the reply sent), who speaks for the company (统一口径: `/spokesperson N [name]` or the
  card's 「我来统一口径」), and the public reply drafted from the template (核实 → 回应:
  `/crisis N draft 核实… | 回应…`), which reaches the owner group only when a manager presses
  「确认发送」 under it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Mention, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from handlers.opinion.alerts import alert_targets, mentions_on
from handlers.opinion.buttons import CrisisPress
from handlers.opinion.policy import OpinionPolicy
from handlers.opinion.words import Words, mask_name
from handlers.shared.privacy import mask_text
from storage.directory.models import Chat
from storage.opinion.models import OpinionAlert, OpinionCrisis, OpinionCrisisEvent
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PART_LIMIT = 300  # each part of a draft (核实, 回应)


def who(actor: Actor) -> str:
    return actor.steward.name if actor.steward else mask_name(actor.name)


# -- the timeline ---------------------------------------------------------------------------------
async def open_crisis(uow: UnitOfWork, alert: OpinionAlert, now: datetime) -> OpinionCrisis:
    crisis = await uow.crises.open(alert, now)
    await uow.crises.note(crisis.id, alert.created_at, "system", "alert", ",".join(alert.reasons) or None)
    log.info("opinion: crisis %d opened for alert %d", crisis.id, alert.id)
    return crisis


async def note(
    uow: UnitOfWork, alert_id: int, at: datetime, actor: str, action: str, text: str | None
) -> None:
    """A line on the alert's crisis timeline, if it has a crisis record."""
    crisis = await uow.crises.of_alert(alert_id)
    if crisis is not None:
        await uow.crises.note(crisis.id, at, actor, action, text)


@dataclass(frozen=True)
class CrisisView:
    alert: OpinionAlert
    crisis: OpinionCrisis
    events: Sequence[OpinionCrisisEvent]


async def crisis_of(uow: UnitOfWork, alert_id: int, actor: Actor, community_id: int | None) -> CrisisView:
    alert = await uow.opinion.get(alert_id)
    if alert is None or (actor.role is not Role.ADMIN and alert.community_id != community_id):
        raise DomainError("op.err.unknown")
    crisis = await uow.crises.of_alert(alert.id)
    if crisis is None:
        raise DomainError("op.crisis.err.none", id=alert_id)
    return CrisisView(alert, crisis, await uow.crises.timeline(crisis.id))


def render_timeline(words: Words, view: CrisisView, tz: ZoneInfo) -> str:
    crisis, alert = view.crisis, view.alert
    lines = [
        words("op.crisis.title", id=alert.id, topic=words.alert_topic(alert)),
        words("op.crisis.owner", name=alert.handled_by or words("op.crisis.nobody")),
        words("op.crisis.speaker", name=crisis.spokesperson or words("op.crisis.nobody")),
        words(f"op.crisis.reply.{crisis.reply_state}", name=crisis.confirmed_by or "-"),
        words("op.crisis.timeline"),
    ]
    for event in view.events:
        label = words(f"op.crisis.event.{event.action}")
        detail = f"：{event.note}" if event.note else ""
        lines.append(f"· {event.at.astimezone(tz).strftime('%m-%d %H:%M')} {label}（{event.actor}）{detail}")
    if crisis.reply:
        lines.append(words("op.crisis.draft_is", text=crisis.reply))
    return "\n".join(lines)


# -- 统一口径 and the public reply ------------------------------------------------------------------
async def set_spokesperson(
    uow: UnitOfWork, actor: Actor, alert_id: int, name: str, community_id: int | None, now: datetime
) -> CrisisView:
    view = await crisis_of(uow, alert_id, actor, community_id)
    name = name.strip()[:64] or who(actor)
    view.crisis.spokesperson = name
    await uow.crises.note(view.crisis.id, now, who(actor), "spokesperson", name)
    return view


async def draft_reply(
    uow: UnitOfWork,
    words: Words,
    actor: Actor,
    alert_id: int,
    verified: str,
    response: str,
    community_id: int | None,
    now: datetime,
) -> CrisisView:
    """The public reply from the template (核实 → 回应), kept as a draft and put before the
    managers with 「确认发送」; nothing reaches the owners yet."""
    view = await crisis_of(uow, alert_id, actor, community_id)
    crisis, alert = view.crisis, view.alert
    if crisis.reply_state == "sent":
        raise DomainError("op.crisis.err.sent", id=alert.id)
    if not crisis.spokesperson:
        raise DomainError("op.crisis.err.no_speaker", id=alert.id)
    verified, response = verified.strip()[:PART_LIMIT], response.strip()[:PART_LIMIT]
    if not verified or not response:
        raise DomainError("err.usage", usage=words("op.crisis.usage"))
    community = await uow.directory.community(alert.community_id)
    assert community is not None
    crisis.reply = words(
        "op.crisis.template",
        community=community.name,
        topic=words.alert_topic(alert),
        verified=verified,
        response=response,
        spokesperson=crisis.spokesperson,
    )
    crisis.reply_state = "drafted"
    await uow.crises.note(crisis.id, now, who(actor), "drafted", None)
    text = words("op.crisis.confirm", id=alert.id, name=who(actor), text=crisis.reply)
    buttons = ((Button(words("op.btn.send"), CrisisPress("send", alert.id).pack()),),)
    for chat, mentions in await manager_chats(uow, alert.community_id):
        await send_to_chat(
            uow,
            chat,
            Outgoing(text=text, buttons=buttons, mentions=mentions),
            now,
            ref_type="crisis_draft",
            ref_id=crisis.id,
        )
    return view


async def send_reply(
    uow: UnitOfWork, words: Words, actor: Actor, alert_id: int, community_id: int | None, now: datetime
) -> CrisisView:
    """A manager's 「确认发送」: the draft goes to the owner group the alert came from, once."""
    if not actor.at_least(Role.MANAGER):
        raise DomainError("err.forbidden", role=Role.MANAGER.value)
    view = await crisis_of(uow, alert_id, actor, community_id)
    crisis, alert = view.crisis, view.alert
    if crisis.reply_state == "sent":
        raise DomainError("op.crisis.err.sent", id=alert.id)
    if crisis.reply_state != "drafted" or not crisis.reply:
        raise DomainError("op.crisis.err.no_draft", id=alert.id)
    chat = await uow.directory.chat(alert.chat_id) if alert.chat_id else None
    if chat is None or not chat.active:
        raise DomainError("op.crisis.err.no_chat", id=alert.id)
    crisis.reply_state = "sent"
    crisis.confirmed_by = who(actor)
    crisis.sent_at = now
    await send_to_chat(
        uow,
        chat,
        Outgoing(text=crisis.reply),
        now,
        ref_type="crisis_reply",
        ref_id=crisis.id,
        priority=Priority.URGENT,
    )
    await uow.crises.note(crisis.id, now, who(actor), "reply_sent", chat.title)
    log.info("opinion: crisis %d reply sent (confirmed)", crisis.id)
    return view


async def manager_chats(uow: UnitOfWork, community_id: int) -> list[tuple[Chat, tuple[Mention, ...]]]:
    """The management chats mentioning the managers, or the supervisors' chats with them."""
    managers = await uow.directory.roster(community_id, "manager")
    chats = list(await uow.directory.chats_with_role(community_id, "management"))
    if not chats:
        chats = list(await uow.directory.chats_with_role(community_id, "supervisors"))
    if not chats:
        chats = list(await uow.directory.chats_with_role(community_id, "stewards"))
    return [(chat, mentions_on(chat.platform, managers)) for chat in chats]


# -- the follow-up timer --------------------------------------------------------------------------
async def follow_up(
    uow: UnitOfWork, policy: OpinionPolicy, words_of: Callable[[str], Words], now: datetime
) -> int:
    """One pass: remind, then escalate, each open tier-2/3 alert once. Returns messages queued."""
    queued = 0
    for alert in await uow.crises.unanswered(now - policy.remind_after):
        community = await uow.directory.community(alert.community_id)
        if community is None:
            continue
        words = words_of(community.language)
        topic = words.alert_topic(alert)
        if now - alert.created_at >= policy.follow_up:
            if not await uow.crises.stamp(alert.id, "escalated_at", now):
                continue
            hours = int(policy.follow_up.total_seconds() // 3600)
            text = words("op.follow.escalated", id=alert.id, tier=alert.tier, topic=topic, hours=hours)
            for chat, mentions in await manager_chats(uow, alert.community_id):
                queued += await _post(uow, chat, alert, text, mentions, now, "escalated")
            await note(uow, alert.id, now, "system", "escalated", None)
        elif alert.reminded_at is None:
            if not await uow.crises.stamp(alert.id, "reminded_at", now):
                continue
            hours = int(policy.remind_after.total_seconds() // 3600)
            left = int((policy.follow_up - policy.remind_after).total_seconds() // 3600)
            text = words(
                "op.follow.reminder", id=alert.id, tier=alert.tier, topic=topic, hours=hours, left=left
            )
            for chat, mentions in await alert_targets(uow, alert.community_id, 2):
                queued += await _post(uow, chat, alert, text, mentions, now, "reminded")
            await note(uow, alert.id, now, "system", "reminded", None)
    return queued


async def _post(
    uow: UnitOfWork,
    chat: Chat,
    alert: OpinionAlert,
    text: str,
    mentions: tuple[Mention, ...],
    now: datetime,
    step: str,
) -> int:
    """A reminder or an escalation, under the alert's card where the chat got it."""
    card = next((r for r in await uow.outbox.by_ref("opinion_alert", alert.id) if r.chat_id == chat.id), None)
    sent = await send_to_chat(
        uow,
        chat,
        Outgoing(
            text=text, mentions=mentions, reply_to=card.platform_message_id if card else None, urgent=True
        ),
        now,
        ref_type="opinion_follow",
        ref_id=alert.id,
        dedupe_key=f"opinion:follow:{alert.id}:{step}:{chat.id}",
    )
    return int(sent)


def mask(text: str, limit: int = 60) -> str:
    masked = mask_text(text)
    return masked if len(masked) <= limit else masked[:limit] + "…"
