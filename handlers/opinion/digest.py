"""The digest: what happened in a community's owner groups over a period, without any
message text (the owners' suggestions by number, the staff they praised by name). The supervisors get the last 24 hours every day (`OpinionService.send_digest`);
`steward opinion report` prints the same for any period (`report_text`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.services import Services
from handlers.opinion.detection import topics_of
from handlers.opinion.words import Words, local
from storage.directory.models import Community
from storage.opinion.models import OpinionAlert
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork

SHOWN_ALERTS = 10
SHOWN_TICKETS = 8


@dataclass
class Digest:
    """What happened in a community's owner groups over a period (no message text)."""

    community: Community
    since: datetime
    until: datetime
    messages: int = 0
    negative: int = 0
    alerts: list[OpinionAlert] = field(default_factory=list)
    folded: dict[int, int] = field(default_factory=dict)
    topics: Counter[str] = field(default_factory=Counter)
    tickets: list[Ticket] = field(default_factory=list)
    suggestions: list[int] = field(default_factory=list)  # the ids of the owners' suggestions
    praise: list[tuple[str, int]] = field(default_factory=list)  # (the person, times praised)

    @property
    def negative_share(self) -> float:
        return self.negative / self.messages if self.messages else 0.0

    @property
    def states(self) -> Counter[str]:
        return Counter(alert.state for alert in self.alerts)


async def collect_digest(uow: UnitOfWork, community: Community, since: datetime, until: datetime) -> Digest:
    repo = uow.opinion
    digest = Digest(community, since, until)
    digest.messages, digest.negative = await repo.message_counts(community.id, since, until)
    for signal in await repo.negative_signals(community.id, since, until):
        digest.topics.update(topics_of(signal.category, signal.rules))
    digest.alerts = list(await repo.alerts_between(community.id, since, until))
    linked = await repo.linked_messages([a.id for a in digest.alerts])
    ticket_ids = sorted({m.ticket_id for ms in linked.values() for m in ms if m.ticket_id is not None})
    digest.tickets = list(await repo.tickets(ticket_ids))
    digest.folded = {a.id: a.folded for a in digest.alerts}
    digest.suggestions = [s.id for s in await uow.voices.suggestions_between(community.id, since, until)]
    digest.praise = await uow.voices.praise_counts(community.id, since, until)
    return digest


def render_digest(words: Words, digest: Digest, title_key: str, now: datetime) -> str:
    """The digest as one message; `title_key`: the daily digest's title or the report's."""
    community = digest.community
    lines = [
        words(
            title_key,
            community=community.name,
            since=local(community, digest.since),
            until=local(community, digest.until),
        ),
        words(
            "op.digest.messages",
            messages=digest.messages,
            negative=digest.negative,
            share=f"{digest.negative_share:.0%}",
        ),
    ]
    states = digest.states
    lines.append(
        words(
            "op.digest.alerts",
            n=len(digest.alerts),
            open=states.get("open", 0),
            followed=states.get("followed", 0),
            false=states.get("false_positive", 0),
        )
    )
    for alert in digest.alerts[:SHOWN_ALERTS]:
        state = words(f"op.verdict.{alert.state}")
        who = f"（{alert.handled_by}）" if alert.handled_by else ""
        lines.append(
            words(
                "op.digest.alert",
                id=alert.id,
                kind=words(f"op.kind.{alert.kind}"),
                tier=alert.tier,
                topic=words.alert_topic(alert),
                state=state + who,
                related=alert.folded,
            )
        )
    if len(digest.alerts) > SHOWN_ALERTS:
        lines.append(words("op.digest.more", n=len(digest.alerts) - SHOWN_ALERTS))
    topics = words.topics(digest.topics)
    lines.append(words("op.digest.topics", topics=topics or words("op.none")))
    if digest.tickets:
        shown = words("op.sep").join(words.ticket(t, now) for t in digest.tickets[:SHOWN_TICKETS])
        lines.append(words("op.digest.tickets", tickets=shown))
    if digest.suggestions:
        ids = words("op.sep").join(f"#{n}" for n in digest.suggestions[:SHOWN_ALERTS])
        lines.append(words("op.digest.suggestions", n=len(digest.suggestions), ids=ids))
    if digest.praise:
        names = words("op.sep").join(f"{words.convert(name)} {n}" for name, n in digest.praise)
        lines.append(words("op.digest.praise", n=sum(n for _, n in digest.praise), names=names))
    return "\n".join(lines)


async def report_text(
    uow: UnitOfWork, services: Services, since: timedelta, now: datetime, community_code: str | None = None
) -> str:
    """`steward opinion report --since 7d`: the digest of each community (or of the one with
    `community_code`) for the period up to `now`; LookupError if there is no such community."""
    parts = []
    for community in await uow.directory.communities():
        if community_code and community.code != community_code:
            continue
        digest = await collect_digest(uow, community, now - since, now)
        words = Words(services.texts, services.classifier, community.language)
        parts.append(render_digest(words, digest, "op.report.title", now))
    if not parts:
        raise LookupError(f"no community {community_code!r}")
    return "\n\n".join(parts)
