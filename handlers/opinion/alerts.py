"""Raising and folding alerts: what happens once `detection` has a verdict on a message.

Each function gets the message being observed (`Observed`: the unit of work, the logged
message, its community and owner, the time and the community's words) and writes alerts,
links and outbox rows in the caller's transaction. Nothing here knows about chat updates.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core.events import Mention, Outgoing
from bot.core.outbox import send_to_chat
from handlers.opinion import cards
from handlers.opinion.detection import (
    GROUP_SCAN_LIMIT,
    Spike,
    SpikeHints,
    group_of,
    has_history,
    is_milestone,
    ordered_topics,
    spike_threshold,
    spike_windows,
    topics_of,
)
from handlers.opinion.policy import OpinionPolicy
from handlers.opinion.words import Words
from storage.directory.models import Chat, Community, Member
from storage.directory.repository import account_of
from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import AlertView
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# One fold note per alert and chat in this long; milestones reached within it edit that note.
FOLD_QUIET = timedelta(minutes=10)


@dataclass(frozen=True)
class Observed:
    """A negative owner message being observed, and what acting on it needs."""

    uow: UnitOfWork
    entry: MessageLog
    community: Community
    member: Member
    now: datetime
    words: Words  # in the community's language
    edits_in_place: Callable[[str], bool]  # whether a platform edits a sent card in place


async def raise_message_alert(seen: Observed, topics: frozenset[str], tier: int) -> OpinionAlert:
    """A risky message on its own (tier 2 or 3)."""
    repo, entry, community, member = seen.uow.opinion, seen.entry, seen.community, seen.member
    alert = await repo.add_alert(
        OpinionAlert(
            community_id=community.id,
            kind="message",
            tier=tier,
            state="open",
            topic=next(iter(ordered_topics(entry.category, entry.rules)), entry.category),
            topics=sorted(topics),
            members=[member.id],
            chat_id=entry.chat_id,
            message_log_id=entry.id,
            rules=list(entry.rules),
            reasons=[r for r in entry.rules if r.startswith("risk.")],
            first_at=entry.sent_at,
            last_at=entry.sent_at,
            created_at=seen.now,
            folded=0,
        )
    )
    await repo.link(alert.id, entry.id, entry.sent_at)
    tickets = await repo.open_tickets_of([member.id])
    chat = await seen.uow.directory.chat(entry.chat_id)  # the update's own chat: no query
    text = cards.message_card(
        seen.words,
        alert,
        entry,
        community=community,
        chat_title=chat.title if chat is not None else None,
        owner=member.display_name,
        tickets=tickets,
        now=seen.now,
    )
    await send_alert(seen.uow, seen.words, community, alert, text, seen.now)
    log.info("opinion: alert %d (message, tier %d) in community %d", alert.id, tier, community.id)
    return alert


async def check_group(
    seen: Observed, topics: frozenset[str], recent: Sequence[AlertView], policy: OpinionPolicy
) -> OpinionAlert | None:
    """N distinct owners negative about one topic within the window: a tier-2 group alert."""
    if not topics:
        return None
    repo, entry, community = seen.uow.opinion, seen.entry, seen.community
    signals = await repo.negative_signals(
        community.id, entry.sent_at - policy.group_window, entry.sent_at, limit=GROUP_SCAN_LIMIT
    )
    group = group_of(signals, topics, policy.group_owners)
    if group is None:
        return None
    if any(a.kind == "group" and group.topic in a.topics for a in recent):
        return None  # raised already, and then called 「误报」: not again within the cool-down
    alert = await repo.add_alert(
        OpinionAlert(
            community_id=community.id,
            kind="group",
            tier=2,
            state="open",
            topic=group.topic,
            topics=[group.topic],
            members=group.members,
            chat_id=entry.chat_id,
            message_log_id=entry.id,
            rules=list(entry.rules),
            reasons=[f"group:{group.topic}:{len(group.members)}"],
            first_at=entry.sent_at,
            last_at=entry.sent_at,
            created_at=seen.now,
            folded=0,
        )
    )
    for signal in group.signals:
        await repo.link(alert.id, signal.message_log_id, signal.sent_at)
    messages = (await repo.linked_messages([alert.id])).get(alert.id, [])
    quotes = []
    for message in messages[-3:]:
        owner = await seen.uow.directory.member(message.member_id) if message.member_id else None
        quotes.append(cards.quote(seen.words, owner.display_name if owner else "", message.text))
    tickets = await repo.open_tickets_of(group.members)
    text = cards.group_card(
        seen.words,
        alert,
        community=community,
        window=policy.group_window,
        quotes=quotes,
        tickets=tickets,
        at=entry.sent_at,
        now=seen.now,
    )
    await send_alert(seen.uow, seen.words, community, alert, text, seen.now)
    log.info(
        "opinion: alert %d (group, %d owners) in community %d", alert.id, len(group.members), community.id
    )
    return alert


async def check_spike(
    seen: Observed, recent: Sequence[AlertView], policy: OpinionPolicy, hints: SpikeHints
) -> OpinionAlert | None:
    """`recent`: the community's spike alerts within the cool-down, newest first.

    This hour's count is only ever taken up to the number it is compared with (the minimum,
    then the threshold): in a flood every negative message asks, and an exact count would
    cost each of them the whole flood. The exact count is taken once, for a new alert.

    In quiet times one capped count of this hour settles it. Once the minimum is reached, the
    community's last threshold is remembered (`SpikeHints`) and the next message asks for
    this hour (capped at that threshold) and the past days in one statement; the hint only
    shapes the queries, the verdict is the same without it."""
    repo, entry, community = seen.uow.opinion, seen.entry, seen.community
    at = entry.sent_at
    windows = spike_windows(at, policy.spike_baseline_days)
    hint = hints.get(community.id)
    if hint is None:
        cap = policy.spike_min_count
        [current] = await repo.negative_counts(community.id, windows[:1], cap=cap)
        if current < policy.spike_min_count:
            return None  # the usual case, and one index range count
        baseline = await repo.negative_counts(community.id, windows[1:])
    else:
        cap = max(policy.spike_min_count, hint)
        current, *baseline = await repo.negative_counts(community.id, windows, cap=cap)
        if current < policy.spike_min_count:
            hints.forget(community.id)  # the flood is over
            return None
    bar = spike_threshold(baseline, policy)
    hints.remember(community.id, bar.threshold)
    if bar.threshold > current:
        if current < cap:
            return None  # counted in full, and below the threshold
        [current] = await repo.negative_counts(community.id, windows[:1], cap=bar.threshold)
        if current < bar.threshold:
            return None
    if recent:
        if recent[0].state != "false_positive":
            await fold(seen, recent[0])
        return None
    hour_start, _ = windows[0]
    if not hints.seasoned(community.id):
        if not has_history(await repo.logged_since(community.id), hour_start, policy.spike_baseline_days):
            return None  # too new for a baseline: group and message alerts still speak
        hints.remember_seasoned(community.id)
    [current] = await repo.negative_counts(community.id, windows[:1])
    spike = Spike(current, bar.mean, bar.sd, bar.threshold)
    alert = await repo.add_alert(
        OpinionAlert(
            community_id=community.id,
            kind="spike",
            tier=2,
            state="open",
            topic=None,
            topics=[],
            members=[],
            chat_id=None,
            message_log_id=entry.id,
            rules=[],
            reasons=[f"spike:{spike.current}:{spike.mean:.1f}:{spike.sd:.1f}:{spike.threshold}"],
            first_at=at,
            last_at=at,
            created_at=seen.now,
            folded=0,
        )
    )
    signals = await repo.negative_signals(community.id, hour_start, at)
    topics: Counter[str] = Counter()
    for signal in signals:
        await repo.link(alert.id, signal.message_log_id, signal.sent_at)
        topics.update(topics_of(signal.category, signal.rules))
    alert.members = sorted({s.member_id for s in signals if s.member_id is not None})
    text = cards.spike_card(
        seen.words,
        alert,
        spike,
        community=community,
        baseline_days=policy.spike_baseline_days,
        topics=topics,
        at=at,
    )
    await send_alert(seen.uow, seen.words, community, alert, text, seen.now)
    log.info(
        "opinion: alert %d (spike, %d in an hour) in community %d", alert.id, spike.current, community.id
    )
    return alert


async def fold(seen: Observed, alert: AlertView) -> None:
    """A repeat about the same matter: counted into the alert, not sent as a new one. The
    supervisors hear 「又有 N 条相关消息」 at the milestones, at most once per chat in
    `FOLD_QUIET`: in a flood the milestones come seconds apart, and a chat that edits in
    place has its last note brought up to date instead (and the card's count), while one
    that cannot reads the count in the next note, on the card and in the digest."""
    uow, entry = seen.uow, seen.entry
    repo = uow.opinion
    if not await repo.link(alert.id, entry.id, entry.sent_at):
        return
    # Counted by the database: `alert` then holds this fold's count (each milestone is
    # reached by exactly one fold, however many run at once).
    await repo.record_fold(alert, entry.sent_at, entry.member_id)
    if not is_milestone(alert.folded):
        return
    note = cards.fold_note(seen.words, alert, seen.member.display_name, entry.text)
    notes = await uow.outbox.by_ref("opinion_fold", alert.id)
    for row in await uow.outbox.by_ref("opinion_alert", alert.id):
        chat = await uow.directory.chat(row.chat_id) if row.chat_id else None
        if chat is None:
            continue
        edits = seen.edits_in_place(chat.platform)
        last = next((n for n in reversed(notes) if n.chat_id == chat.id), None)
        if last is None or seen.now - last.created_at >= FOLD_QUIET:
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=note, reply_to=row.platform_message_id),
                seen.now,
                ref_type="opinion_fold",
                ref_id=alert.id,
            )
        elif edits and last.platform_message_id:
            # A flood: the note of a moment ago is brought up to date, not followed by another.
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=note, edit_of=last.platform_message_id),
                seen.now,
                ref_type="opinion_edit",
                ref_id=alert.id,
            )
        # Where the platform cannot edit in place an edit would arrive as a second copy of the
        # card: the fold note above is all the chat gets.
        if edits and row.platform_message_id:
            card = Outgoing.from_json(row.payload)
            await send_to_chat(
                uow,
                chat,
                Outgoing(
                    text=cards.card_now(card.text, alert, seen.words),
                    buttons=card.buttons,
                    edit_of=row.platform_message_id,
                ),
                seen.now,
                ref_type="opinion_edit",
                ref_id=alert.id,
            )


# -- delivering ---------------------------------------------------------------------------------


async def alert_targets(
    uow: UnitOfWork, community_id: int, tier: int
) -> list[tuple[Chat, tuple[Mention, ...]]]:
    """Where an alert goes, with whom to mention: the supervisors' chat (the stewards' if there
    is none); tier 3 also to the management chat, or, lacking one, with the managers mentioned
    in the supervisors' chat."""
    directory = uow.directory
    supervisors = await directory.roster(community_id, "supervisor")
    managers = await directory.roster(community_id, "manager") if tier >= 3 else []
    management = await directory.chats_with_role(community_id, "management") if tier >= 3 else []
    chats = list(await directory.chats_with_role(community_id, "supervisors"))
    if not chats:
        chats = list(await directory.chats_with_role(community_id, "stewards"))
    targets = []
    for chat in chats:
        people = list(supervisors) + ([] if management else list(managers))
        targets.append((chat, mentions_on(chat.platform, people)))
    for chat in management:
        targets.append((chat, mentions_on(chat.platform, managers)))
    return targets


def mentions_on(platform: str, people: Iterable[Any]) -> tuple[Mention, ...]:
    found = []
    for person in people:
        account = account_of(person, platform)
        if account:
            found.append(Mention(account, person.name))
    return tuple(found)


async def send_alert(
    uow: UnitOfWork, words: Words, community: Community, alert: OpinionAlert, text: str, now: datetime
) -> int:
    """The card to every target chat, once each (a retry of the update queues nothing new)."""
    targets = await alert_targets(uow, community.id, alert.tier)
    if not targets:
        log.warning("opinion: community %d has no chat for alert %d", community.id, alert.id)
    for chat, mentions in targets:
        await send_to_chat(
            uow,
            chat,
            Outgoing(
                text=text,
                buttons=cards.alert_buttons(words, alert.id, alert.tier),
                mentions=mentions,
                urgent=alert.tier >= 3,
            ),
            now,
            ref_type="opinion_alert",
            ref_id=alert.id,
            dedupe_key=f"opinion:alert:{alert.id}:{chat.id}",
        )
    return len(targets)
