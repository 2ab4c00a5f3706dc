"""What the supervisors see of an alert: the card with its 「已跟进」/「误报」 buttons, the note
when more messages are folded into it, and the card brought up to date (fold count, verdict)
where the platform edits in place. Owners are masked and message text is excerpted, with
phone numbers and units hidden."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.events import Button
from handlers.opinion.buttons import AlertPress, CrisisPress
from handlers.opinion.detection import Spike
from handlers.opinion.words import Say, Words, excerpt, local, mask_name
from storage.directory.models import Community
from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert
from storage.opinion.repository import AlertView
from storage.tickets.models import Ticket


def alert_buttons(say: Say, alert_id: int, tier: int = 2) -> tuple[tuple[Button, ...], ...]:
    """「已跟进」 (the presser owns the alert) / 「误报」; a crisis (tier 3) also 「我来统一口径」."""
    row = (
        Button(say("op.btn.followed"), AlertPress("done", alert_id).pack()),
        Button(say("op.btn.false"), AlertPress("false", alert_id).pack()),
    )
    if tier < 3:
        return (row,)
    return (row, (Button(say("op.btn.speak"), CrisisPress("speak", alert_id).pack()),))


def message_card(
    words: Words,
    alert: OpinionAlert,
    entry: MessageLog,
    *,
    community: Community,
    chat_title: str | None,
    owner: str,
    tickets: Sequence[Ticket],
    now: datetime,
) -> str:
    """One risky message (tier 2 or 3): who (masked), what (excerpted), why, their tickets."""
    return words(
        "op.card.message",
        icon="🚨" if alert.tier >= 3 else "⚠️",
        tier=words(f"op.tier.{alert.tier}"),
        id=alert.id,
        community=community.name,
        chat=chat_title or "-",
        owner=mask_name(owner),
        text=excerpt(entry.text, 200),
        reasons="；".join(words.reasons(entry.rules)) or "-",
        sentiment=f"{entry.sentiment:+.2f}",
        tickets=words.open_tickets(tickets, now),
        time=local(community, entry.sent_at),
    )


def quote(words: Words, owner: str, text: str) -> str:
    return words("op.card.quote", owner=mask_name(owner), text=excerpt(text))


def group_card(
    words: Words,
    alert: OpinionAlert,
    *,
    community: Community,
    window: timedelta,
    quotes: Sequence[str],
    tickets: Sequence[Ticket],
    at: datetime,
    now: datetime,
) -> str:
    """Owners negative about one topic within the window, with the latest few of them."""
    return words(
        "op.card.group",
        id=alert.id,
        community=community.name,
        owners=len(alert.members),
        window=words.duration(window),
        topic=words.topic(alert.topic),
        quotes="\n".join(quotes),
        tickets=words.open_tickets(tickets, now),
        time=local(community, at),
    )


def spike_card(
    words: Words,
    alert: OpinionAlert,
    spike: Spike,
    *,
    community: Community,
    baseline_days: int,
    topics: Counter[str],
    at: datetime,
) -> str:
    """This hour's negative messages against the same hour of past days, and what about."""
    return words(
        "op.card.spike",
        id=alert.id,
        community=community.name,
        count=spike.current,
        days=baseline_days,
        mean=f"{spike.mean:.1f}",
        threshold=spike.threshold,
        topics=words.topics(topics) or "-",
        time=local(community, at),
    )


def fold_note(words: Words, alert: AlertView, owner: str, text: str) -> str:
    """「又有 N 条相关消息」, with the latest of them."""
    note = words("op.fold", id=alert.id, n=alert.folded, topic=words.alert_topic(alert))
    latest = words("op.fold.latest", owner=mask_name(owner), text=excerpt(text))
    return f"{note}\n{latest}"


def card_now(base: str, alert: OpinionAlert | AlertView, say: Say) -> str:
    """The card as first sent, plus the fold count and the staff verdict so far."""
    text = base
    if alert.folded:
        text += "\n" + say("op.card.folded", n=alert.folded)
    if alert.state != "open" and alert.handled_by:
        text += "\n" + say(f"op.card.state.{alert.state}", name=alert.handled_by)
    return text
