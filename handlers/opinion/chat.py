"""Public-opinion (舆情) monitoring: alerts that reach the supervisors in time, once per matter.

Intake hands every logged owner message to `observe`. A negative message is checked, in
order, against:

1. an alert already raised about the same matter (same topic or same owner, within the
   cool-down of its first message): the message is folded into it, and the supervisors hear
   「又有 N 条相关消息」 at a few milestones instead of a new alert each time;
2. its own risk: tier 2 (collective action, a threat to go outside) goes to the supervisors'
   chat at once; tier 3 (both, or a crisis) to management as well, with a mention;
3. the group: N distinct owners negative about one topic within a window is a tier-2 group
   complaint, even when no single message is alarming;
4. the community's own baseline: far more negative messages this hour than in the same hour
   on past days is a spike.

Staff answer an alert with 「已跟进」 or 「误报」; the verdict and the rules that fired are kept
(`storage.models_opinion.OpinionFeedback`) so the rules can be tuned. A daily digest goes to
the supervisors; `steward opinion report` prints the same for any period.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.events import Button, Mention, Outgoing
from bot.core.feature import Scheduler
from bot.core.outbox import send_to_chat
from bot.core.roles import Role
from bot.core.router import Router
from bot.core.runtime import Runtime
from bot.core.services import Services
from handlers.opinion.buttons import AlertPress
from handlers.shared.privacy import mask_text
from nlp.classification import Classification, Risk
from storage.directory.models import Chat, Community
from storage.directory.repository import account_of
from storage.messages.models import MessageLog
from storage.opinion.models import OpinionAlert, OpinionFeedback
from storage.opinion.repository import AlertView, OpinionRepository, Signal
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE, TicketStatus
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

router = Router(name="opinion")

Say = Callable[..., str]  # ctx.t, or Texts.render bound to a language

# Category codes too broad to say two messages are about the same matter: almost every
# complaint mentions 物业 (service), a delay can be about anything, and a phone number in a
# message (contact) or a question about a ticket says nothing about what is wrong.
GENERIC_TOPICS = frozenset(
    {
        "service",
        "repair_delay",
        "contact",
        "ticket_status",
        "other_complaint",
        "other_repair",
        "other_inquiry",
    }
)
# Fold counts at which the supervisors hear 「又有 N 条相关消息」: often at first, then rarely.
FOLD_MILESTONES = (1, 3, 5, 10, 20, 50)
FOLD_EVERY = 100
EXCERPT = 80
# The newest negative messages a group-complaint check reads: a few owners make a group, and a
# flood bigger than this is a spike, which is detected from counts.
GROUP_SCAN_LIMIT = 500
STATES = ("open", "followed", "false_positive")
RISK_KINDS = ("crisis", "external", "collective", "refusal")
PATTERN_LABELS = {"police_threat": "报警", "stop_paying": "不交费"}


@dataclass(frozen=True)
class OpinionPolicy:
    """The thresholds, from `Settings` (see docs/OPINION.md for the defaults and why)."""

    cooldown: timedelta = timedelta(minutes=120)
    group_owners: int = 3
    group_window: timedelta = timedelta(minutes=120)
    spike_min_count: int = 5
    spike_k: float = 3.0
    spike_baseline_days: int = 7
    digest_time: time = time(18, 0)


def policy_of(services: Services) -> OpinionPolicy:
    policy = services.extras.get("opinion")
    return policy if isinstance(policy, OpinionPolicy) else OpinionPolicy()


class SpikeHints:
    """Each community's last spike threshold while its hour's count is at the minimum or
    above (in this process): which queries `check_spike` asks, never what it decides."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._thresholds: dict[int, int] = {}

    def get(self, community_id: int) -> int | None:
        return self._thresholds.get(community_id)

    def remember(self, community_id: int, threshold: int) -> None:
        if community_id not in self._thresholds and len(self._thresholds) >= self.size:
            self._thresholds.pop(next(iter(self._thresholds)))
        self._thresholds[community_id] = threshold

    def forget(self, community_id: int) -> None:
        self._thresholds.pop(community_id, None)


def spike_hints(services: Services) -> SpikeHints:
    hints = services.extras.get("opinion.spike_hints")
    if not isinstance(hints, SpikeHints):
        hints = services.extras["opinion.spike_hints"] = SpikeHints()
    return hints


# -- pure pieces --------------------------------------------------------------------------------


def ordered_topics(category: str | None, rules: Iterable[str]) -> list[str]:
    """The matters a message is about, its own category first, then the specific categories
    whose keywords fired, in order (电梯 in 「电梯又坏了，物业不管」); a generic category only
    when nothing more specific fired."""
    fired = [rule[4:].split(":", 1)[0] for rule in rules if rule.startswith("cat.")]
    candidates = list(dict.fromkeys([category, *fired] if category else fired))
    specific = [code for code in candidates if code not in GENERIC_TOPICS]
    if specific:
        return specific
    return [category] if category else []


def topics_of(category: str | None, rules: Iterable[str]) -> frozenset[str]:
    return frozenset(ordered_topics(category, rules))


def tier_of(risk: int) -> int:
    """Tier 3: management at once; tier 2: a supervisor within 48 h; tier 1: the steward."""
    if risk >= Risk.CRISIS:
        return 3
    if risk >= Risk.EXTERNAL:
        return 2
    return 1


def is_milestone(folded: int) -> bool:
    return folded in FOLD_MILESTONES or (folded > 0 and folded % FOLD_EVERY == 0)


def mask_name(name: str) -> str:
    """张先生 -> 张**: enough for staff to tell owners apart, not to identify one outside."""
    name = name.strip()
    if not name:
        return "**"
    return name[0] + "*" * max(1, min(len(name) - 1, 2))


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(mask_text(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Spike:
    current: int
    mean: float
    sd: float
    threshold: int


def spike_threshold(baseline: Sequence[int], policy: OpinionPolicy) -> Spike:
    """The count this hour must reach to be a spike (`current` left 0): see `detect_spike`."""
    mean = statistics.fmean(baseline) if baseline else 0.0
    sd = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    spread = max(sd, math.sqrt(mean))
    threshold = max(policy.spike_min_count, math.floor(mean + policy.spike_k * spread) + 1)
    return Spike(0, mean, sd, threshold)


def detect_spike(current: int, baseline: Sequence[int], policy: OpinionPolicy) -> Spike | None:
    """A spike when this hour's negative count reaches max(min_count, mean + k·max(sd, √mean))
    of the same hour on past days. The √mean floor treats counts as roughly Poisson: seven
    equal quiet days have sd 0, and one more message must not then be "far above" them."""
    bar = spike_threshold(baseline, policy)
    if current >= bar.threshold:
        return Spike(current, bar.mean, bar.sd, bar.threshold)
    return None


def reasons_of(rules: Sequence[str], say: Say) -> list[str]:
    """The rules that fired, grouped for a person: 外部渠道：12345、媒体；集体行动：联名."""
    words: dict[str, list[str]] = {}
    for rule in rules:
        head, _, word = rule.partition(":")
        if head.startswith("risk."):
            kind = head[5:]
        elif head in ("sent-", "complaint"):
            kind = "negative"
        else:
            continue
        word = PATTERN_LABELS.get(word, word)
        bucket = words.setdefault(kind, [])
        if word not in bucket:
            bucket.append(word)
    out = []
    for kind in (*RISK_KINDS, "negative"):
        if words.get(kind):
            out.append(say(f"op.reason.{kind}", words="、".join(words[kind][:5])))
    return out


# -- wiring -------------------------------------------------------------------------------------


def jobs(scheduler: Scheduler, runtime: Runtime) -> None:
    """The digest tick (every minute; sends once a day)."""
    scheduler.add_job(
        digest_tick,
        "interval",
        seconds=60,
        args=(runtime,),
        id="opinion:digest",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
    )


async def observe(ctx: Context, classification: Classification, entry: MessageLog) -> None:
    """Intake's hook for each logged message. Never raises: a failure here is logged and
    rolled back to a savepoint, so the owner's ticket is still opened."""
    if (
        not classification.negative
        or ctx.community is None
        or ctx.member is None
        or ctx.chat_role != "owners"
        or ctx.role is not Role.OWNER
    ):
        return
    repo = ctx.uow.opinion
    try:
        async with repo.savepoint():
            await _observe(ctx, repo, entry)
    except Exception:
        log.exception("opinion: observing message_log %s failed", entry.id)


async def _observe(ctx: Context, repo: OpinionRepository, entry: MessageLog) -> None:
    community = ctx.community
    assert community is not None
    policy = policy_of(ctx.services)
    at = entry.sent_at
    if ctx.now - at > policy.cooldown:
        return  # a late delivery (e.g. the chat archive catching up): in the digest, no alert
    topics = topics_of(entry.category, entry.rules)
    tier = tier_of(entry.risk)
    # One read for both checks: nothing below raises a spike alert before check_spike reads them.
    alerts = await repo.recent_alerts(community.id, at - policy.cooldown, ("message", "group", "spike"))
    recent = [a for a in alerts if a.kind != "spike"]
    match = next(
        (
            a
            for a in recent
            if a.state != "false_positive"
            and a.tier >= tier
            and (entry.member_id in a.members or bool(topics & set(a.topics)))
        ),
        None,
    )
    if match is not None:
        await fold(ctx, repo, match, entry)
    elif tier >= 2:
        await raise_message_alert(ctx, repo, entry, topics, tier)
    else:
        await check_group(ctx, repo, entry, topics, recent, policy)
    await check_spike(ctx, repo, entry, policy, [a for a in alerts if a.kind == "spike"])


# -- raising ------------------------------------------------------------------------------------


async def raise_message_alert(
    ctx: Context, repo: OpinionRepository, entry: MessageLog, topics: frozenset[str], tier: int
) -> OpinionAlert:
    community, member = ctx.community, ctx.member
    assert community is not None and member is not None
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
            created_at=ctx.now,
            folded=0,
        )
    )
    await repo.link(alert.id, entry.id, entry.sent_at)
    say = ctx.t
    tickets = await repo.open_tickets_of([member.id])
    text = say(
        "op.card.message",
        icon="🚨" if tier >= 3 else "⚠️",
        tier=say(f"op.tier.{tier}"),
        id=alert.id,
        community=community.name,
        chat=ctx.chat.title if ctx.chat and ctx.chat.title else "-",
        owner=mask_name(member.display_name),
        text=excerpt(entry.text, 200),
        reasons="；".join(reasons_of(entry.rules, say)) or "-",
        sentiment=f"{entry.sentiment:+.2f}",
        tickets=tickets_line(ctx.services, say, tickets, ctx.now, community),
        time=local(community, entry.sent_at),
    )
    await send_alert(ctx.uow, ctx.services, community, alert, text, ctx.now)
    log.info("opinion: alert %d (message, tier %d) in community %d", alert.id, tier, community.id)
    return alert


async def check_group(
    ctx: Context,
    repo: OpinionRepository,
    entry: MessageLog,
    topics: frozenset[str],
    recent: Sequence[AlertView],
    policy: OpinionPolicy,
) -> OpinionAlert | None:
    """N distinct owners negative about one topic within the window: a tier-2 group alert."""
    community = ctx.community
    assert community is not None
    if not topics:
        return None
    signals = await repo.negative_signals(
        community.id, entry.sent_at - policy.group_window, entry.sent_at, limit=GROUP_SCAN_LIMIT
    )
    on_topic: dict[str, list[Signal]] = {}
    for signal in signals:
        for topic in topics & topics_of(signal.category, signal.rules):
            on_topic.setdefault(topic, []).append(signal)

    def owners(topic: str) -> set[int]:
        return {s.member_id for s in on_topic.get(topic, []) if s.member_id is not None}

    best = max(sorted(on_topic), key=lambda topic: len(owners(topic)), default=None)
    if best is None or len(owners(best)) < policy.group_owners:
        return None
    if any(a.kind == "group" and best in a.topics for a in recent):
        return None  # raised already, and then called 「误报」: not again within the cool-down
    members = sorted(owners(best))
    alert = await repo.add_alert(
        OpinionAlert(
            community_id=community.id,
            kind="group",
            tier=2,
            state="open",
            topic=best,
            topics=[best],
            members=members,
            chat_id=entry.chat_id,
            message_log_id=entry.id,
            rules=list(entry.rules),
            reasons=[f"group:{best}:{len(members)}"],
            first_at=entry.sent_at,
            last_at=entry.sent_at,
            created_at=ctx.now,
            folded=0,
        )
    )
    linked = on_topic[best]
    for signal in linked:
        await repo.link(alert.id, signal.message_log_id, signal.sent_at)
    say = ctx.t
    messages = (await repo.linked_messages([alert.id])).get(alert.id, [])
    lines = []
    for message in messages[-3:]:
        owner = await ctx.uow.directory.member(message.member_id) if message.member_id else None
        lines.append(
            say(
                "op.card.quote",
                owner=mask_name(owner.display_name if owner else ""),
                text=excerpt(message.text),
            )
        )
    tickets = await repo.open_tickets_of(members)
    text = say(
        "op.card.group",
        id=alert.id,
        community=community.name,
        owners=len(members),
        window=duration(say, policy.group_window),
        topic=topic_label(ctx.services, best, ctx.lang),
        quotes="\n".join(lines),
        tickets=tickets_line(ctx.services, say, tickets, ctx.now, community),
        time=local(community, entry.sent_at),
    )
    await send_alert(ctx.uow, ctx.services, community, alert, text, ctx.now)
    log.info("opinion: alert %d (group, %d owners) in community %d", alert.id, len(members), community.id)
    return alert


async def check_spike(
    ctx: Context,
    repo: OpinionRepository,
    entry: MessageLog,
    policy: OpinionPolicy,
    recent: Sequence[AlertView],
) -> OpinionAlert | None:
    """`recent`: the community's spike alerts within the cool-down, newest first.

    This hour's count is only ever taken up to the number it is compared with (the minimum,
    then the threshold): in a flood every negative message asks, and an exact count would
    cost each of them the whole flood. The exact count is taken once, for a new alert.

    In quiet times one capped count of this hour settles it. Once the minimum is reached, the
    community's last threshold is remembered (`SpikeHints`) and the next message asks for
    this hour (capped at that threshold) and the past days in one statement; the hint only
    shapes the queries, the verdict is the same without it."""
    community = ctx.community
    assert community is not None
    at, hour, day = entry.sent_at, timedelta(hours=1), timedelta(days=1)
    windows = [(at - hour, at)] + [
        (at - n * day - hour, at - n * day) for n in range(1, policy.spike_baseline_days + 1)
    ]
    hints = spike_hints(ctx.services)
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
            await fold(ctx, repo, recent[0], entry)
        return None
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
            created_at=ctx.now,
            folded=0,
        )
    )
    signals = await repo.negative_signals(community.id, at - hour, at)
    topics: Counter[str] = Counter()
    for signal in signals:
        await repo.link(alert.id, signal.message_log_id, signal.sent_at)
        topics.update(topics_of(signal.category, signal.rules))
    alert.members = sorted({s.member_id for s in signals if s.member_id is not None})
    say = ctx.t
    text = say(
        "op.card.spike",
        id=alert.id,
        community=community.name,
        count=spike.current,
        days=policy.spike_baseline_days,
        mean=f"{spike.mean:.1f}",
        threshold=spike.threshold,
        topics=topics_text(ctx.services, say, topics, ctx.lang) or "-",
        time=local(community, at),
    )
    await send_alert(ctx.uow, ctx.services, community, alert, text, ctx.now)
    log.info(
        "opinion: alert %d (spike, %d in an hour) in community %d", alert.id, spike.current, community.id
    )
    return alert


async def alert_targets(
    store: UnitOfWork, community_id: int, tier: int
) -> list[tuple[Chat, tuple[Mention, ...]]]:
    """Where an alert goes, with whom to mention: the supervisors' chat (the stewards' if there
    is none); tier 3 also to the management chat, or, lacking one, with the managers mentioned
    in the supervisors' chat."""
    directory = store.directory
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


def alert_buttons(say: Say, alert_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(say("op.btn.followed"), AlertPress("done", alert_id).pack()),
            Button(say("op.btn.false"), AlertPress("false", alert_id).pack()),
        ),
    )


async def send_alert(
    store: UnitOfWork, services: Services, community: Community, alert: OpinionAlert, text: str, now: datetime
) -> int:
    say = partial(services.texts.render, lang=community.language)
    targets = await alert_targets(store, community.id, alert.tier)
    if not targets:
        log.warning("opinion: community %d has no chat for alert %d", community.id, alert.id)
    for chat, mentions in targets:
        await send_to_chat(
            store,
            chat,
            Outgoing(
                text=text, buttons=alert_buttons(say, alert.id), mentions=mentions, urgent=alert.tier >= 3
            ),
            now,
            ref_type="opinion_alert",
            ref_id=alert.id,
            dedupe_key=f"opinion:alert:{alert.id}:{chat.id}",
        )
    return len(targets)


# -- folding ------------------------------------------------------------------------------------


async def fold(ctx: Context, repo: OpinionRepository, alert: AlertView, entry: MessageLog) -> None:
    """A repeat about the same matter: counted into the alert, not sent as a new one."""
    if not await repo.link(alert.id, entry.id, entry.sent_at):
        return
    alert.folded += 1
    alert.last_at = max(alert.last_at, entry.sent_at)
    new_member = entry.member_id is not None and entry.member_id not in alert.members
    if new_member and entry.member_id is not None:
        alert.members = (*alert.members, entry.member_id)
    await repo.record_fold(alert, members_changed=new_member)
    if not is_milestone(alert.folded):
        return
    say = ctx.t
    note = say("op.fold", id=alert.id, n=alert.folded, topic=alert_topic(ctx.services, alert, ctx.lang))
    latest = say(
        "op.fold.latest",
        owner=mask_name(ctx.member.display_name if ctx.member else ""),
        text=excerpt(entry.text),
    )
    for row in await ctx.uow.outbox.by_ref("opinion_alert", alert.id):
        chat = await ctx.uow.directory.chat(row.chat_id) if row.chat_id else None
        if chat is None:
            continue
        await ctx.send(
            chat,
            Outgoing(text=f"{note}\n{latest}", reply_to=row.platform_message_id),
            ref_type="opinion_fold",
            ref_id=alert.id,
        )
        # Where the platform cannot edit in place an edit would arrive as a second copy of the
        # card: the fold note above is all the chat gets.
        if ctx.services.capabilities(chat.platform).edit_in_place and row.platform_message_id:
            card = Outgoing.from_json(row.payload)
            await ctx.send(
                chat,
                Outgoing(
                    text=card_now(card.text, alert, say),
                    buttons=card.buttons,
                    edit_of=row.platform_message_id,
                ),
                ref_type="opinion_edit",
                ref_id=alert.id,
            )


def card_now(base: str, alert: OpinionAlert | AlertView, say: Say) -> str:
    """The card as first sent, plus the fold count and the staff verdict so far."""
    text = base
    if alert.folded:
        text += "\n" + say("op.card.folded", n=alert.folded)
    if alert.state != "open" and alert.handled_by:
        text += "\n" + say(f"op.card.state.{alert.state}", name=alert.handled_by)
    return text


# -- staff verdicts -----------------------------------------------------------------------------

VERDICTS = {"done": "followed", "false": "false_positive"}


@router.callback(AlertPress, require=Role.STEWARD)
async def alert_pressed(ctx: Context, press: AlertPress) -> None:
    """「已跟进」 / 「误报」 on an alert card: staff only; recorded, and the card updated."""
    repo = ctx.uow.opinion
    alert = await repo.get(press.alert_id)
    if alert is None:
        raise DomainError("op.err.unknown")
    if ctx.role is not Role.ADMIN and (ctx.community is None or ctx.community.id != alert.community_id):
        raise DomainError("err.forbidden")
    verdict = VERDICTS[press.verdict]
    name = ctx.steward.name if ctx.steward else mask_name(ctx.incoming.sender_name)
    label = ctx.t(f"op.verdict.{verdict}")
    if alert.state == verdict:
        await ctx.reply(
            ctx.t("op.pressed.again", id=alert.id, verdict=label, name=alert.handled_by or "-"), quote=False
        )
        return
    alert.state = verdict
    alert.handled_by = name
    alert.handled_at = ctx.now
    await repo.add_feedback(
        OpinionFeedback(
            alert_id=alert.id,
            message_log_id=alert.message_log_id,
            verdict=verdict,
            kind=alert.kind,
            tier=alert.tier,
            rules=list(alert.rules),
            reasons=list(alert.reasons),
            actor=f"steward:{ctx.steward.id}"
            if ctx.steward
            else f"{ctx.incoming.platform}:{ctx.incoming.sender_id}",
            at=ctx.now,
        )
    )
    log.info("opinion: alert %d marked %s", alert.id, verdict)
    confirmation = ctx.t("op.pressed", id=alert.id, verdict=label, name=name)
    card = await card_in_chat(ctx, alert.id)
    if ctx.capabilities.edit_in_place and ctx.incoming.reply_to and card is not None:
        await ctx.reply(
            card_now(card.text, alert, ctx.t),
            buttons=card.buttons,
            quote=False,
            edit_of=ctx.incoming.reply_to,
            answer=confirmation,
            ref_type="opinion_edit",
            ref_id=alert.id,
        )
    else:
        await ctx.reply(confirmation, quote=False, ref_type="opinion_verdict", ref_id=alert.id)


async def card_in_chat(ctx: Context, alert_id: int) -> Outgoing | None:
    for row in await ctx.uow.outbox.by_ref("opinion_alert", alert_id):
        if row.platform == ctx.incoming.platform and row.platform_chat_id == ctx.incoming.chat_id:
            return Outgoing.from_json(row.payload)
    return None


# -- formatting ---------------------------------------------------------------------------------


def local(community: Community, when: datetime) -> str:
    return when.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")


def duration(say: Say, span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60:
        return say("op.dur.minutes", n=minutes)
    return say("op.dur.hours", n=minutes // 60)


def topic_label(services: Services, code: str | None, lang: str) -> str:
    if not code:
        return "-"
    try:
        return services.classifier.category_label(code, lang.startswith("zh-Hant"))
    except KeyError:
        return code


def alert_topic(services: Services, alert: OpinionAlert | AlertView, lang: str) -> str:
    if alert.kind == "spike":
        return services.texts.render("op.kind.spike", lang)
    return topic_label(services, alert.topic, lang)


def topics_text(services: Services, say: Say, topics: Counter[str], lang: str, limit: int = 5) -> str:
    return say("op.sep").join(
        say("op.topic", label=topic_label(services, code, lang), n=n) for code, n in topics.most_common(limit)
    )


def sla_breaches(ticket: Ticket, now: datetime) -> list[str]:
    """Which deadlines of an open ticket have passed: respond, resolve."""
    late = []
    if ticket.first_response_at is None and ticket.respond_due_at is not None and ticket.respond_due_at < now:
        late.append("respond")
    if ticket.status in ACTIVE and ticket.resolve_due_at is not None and ticket.resolve_due_at < now:
        late.append("resolve")
    return late


def ticket_text(services: Services, say: Say, ticket: Ticket, now: datetime, lang: str) -> str:
    breaches = sla_breaches(ticket, now)
    late = say("op.ticket.late", what="、".join(say(f"op.late.{b}") for b in breaches)) if breaches else ""
    category = (
        topic_label(services, ticket.category, lang) if ticket.category else say(f"op.kind.{ticket.kind}")
    )
    status = say(f"op.status.{ticket.status}") if ticket.status in set(TicketStatus) else ticket.status
    return say("op.ticket", number=ticket.number, category=category, status=status, late=late)


def tickets_line(
    services: Services, say: Say, tickets: Sequence[Ticket], now: datetime, community: Community
) -> str:
    if not tickets:
        return say("op.tickets.none")
    shown = say("op.sep").join(ticket_text(services, say, t, now, community.language) for t in tickets)
    return say("op.tickets", tickets=shown)


# -- the digest ---------------------------------------------------------------------------------


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

    @property
    def negative_share(self) -> float:
        return self.negative / self.messages if self.messages else 0.0

    @property
    def states(self) -> Counter[str]:
        return Counter(alert.state for alert in self.alerts)


async def collect_digest(store: UnitOfWork, community: Community, since: datetime, until: datetime) -> Digest:
    repo = store.opinion
    digest = Digest(community, since, until)
    digest.messages, digest.negative = await repo.message_counts(community.id, since, until)
    for signal in await repo.negative_signals(community.id, since, until):
        digest.topics.update(topics_of(signal.category, signal.rules))
    digest.alerts = list(await repo.alerts_between(community.id, since, until))
    linked = await repo.linked_messages([a.id for a in digest.alerts])
    ticket_ids = sorted({m.ticket_id for ms in linked.values() for m in ms if m.ticket_id is not None})
    digest.tickets = list(await repo.tickets(ticket_ids))
    digest.folded = {a.id: a.folded for a in digest.alerts}
    return digest


def render_digest(services: Services, digest: Digest, title_key: str, now: datetime) -> str:
    community = digest.community
    lang = community.language
    say: Say = partial(services.texts.render, lang=lang)
    lines = [
        say(
            title_key,
            community=community.name,
            since=local(community, digest.since),
            until=local(community, digest.until),
        ),
        say(
            "op.digest.messages",
            messages=digest.messages,
            negative=digest.negative,
            share=f"{digest.negative_share:.0%}",
        ),
    ]
    states = digest.states
    lines.append(
        say(
            "op.digest.alerts",
            n=len(digest.alerts),
            open=states.get("open", 0),
            followed=states.get("followed", 0),
            false=states.get("false_positive", 0),
        )
    )
    for alert in digest.alerts[:10]:
        state = say(f"op.verdict.{alert.state}")
        who = f"（{alert.handled_by}）" if alert.handled_by else ""
        lines.append(
            say(
                "op.digest.alert",
                id=alert.id,
                kind=say(f"op.kind.{alert.kind}"),
                tier=alert.tier,
                topic=alert_topic(services, alert, lang),
                state=state + who,
                related=alert.folded,
            )
        )
    if len(digest.alerts) > 10:
        lines.append(say("op.digest.more", n=len(digest.alerts) - 10))
    topics = topics_text(services, say, digest.topics, lang)
    lines.append(say("op.digest.topics", topics=topics or say("op.none")))
    if digest.tickets:
        shown = say("op.sep").join(ticket_text(services, say, t, now, lang) for t in digest.tickets[:8])
        lines.append(say("op.digest.tickets", tickets=shown))
    return "\n".join(lines)


async def send_digest(runtime: Runtime, community_id: int, until: datetime) -> bool:
    """The digest of the 24 hours up to `until` to the supervisors; once per local day."""
    async with runtime.transaction() as store:
        community = await store.directory.community(community_id)
        if community is None:
            return False
        day = until.astimezone(ZoneInfo(community.timezone)).date().isoformat()
        digest = await collect_digest(store, community, until - timedelta(days=1), until)
        text = render_digest(runtime.services, digest, "op.digest.title", runtime.now)
        chats = await store.directory.chats_with_role(community.id, "supervisors")
        sent = False
        for chat in chats:
            sent |= await send_to_chat(
                store,
                chat,
                Outgoing(text=text),
                runtime.now,
                ref_type="opinion_digest",
                ref_id=community.id,
                dedupe_key=f"opinion:digest:{community.id}:{day}:{chat.id}",
            )
        return sent


async def digest_tick(runtime: Runtime) -> int:
    """Every minute: each community whose local digest time has passed today and whose digest
    has not gone out gets it. Catches up after downtime the same day; never sends twice."""
    policy = policy_of(runtime.services)
    now = runtime.now
    sent = 0
    async with runtime.sessions() as session:
        store = UnitOfWork(session)
        due = []
        for community in await store.directory.communities():
            tz = ZoneInfo(community.timezone)
            today = now.astimezone(tz)
            if today.time() < policy.digest_time:
                continue
            chats = await store.directory.chats_with_role(community.id, "supervisors")
            keys = [f"opinion:digest:{community.id}:{today.date().isoformat()}:{c.id}" for c in chats]
            if keys and not await OpinionRepository(session).all_queued(keys):
                due.append((community.id, datetime.combine(today.date(), policy.digest_time, tz)))
    for community_id, at in due:
        try:
            sent += int(await send_digest(runtime, community_id, at))
        except Exception:
            log.exception("opinion: digest for community %d failed", community_id)
    return sent


async def report_text(runtime: Runtime, since: timedelta, community_code: str | None = None) -> str:
    """`steward opinion report --since 7d`: the digest of each community for the period."""
    now = runtime.now
    parts = []
    async with runtime.sessions() as session:
        store = UnitOfWork(session)
        for community in await store.directory.communities():
            if community_code and community.code != community_code:
                continue
            digest = await collect_digest(store, community, now - since, now)
            parts.append(render_digest(runtime.services, digest, "op.report.title", now))
    if not parts:
        raise LookupError(f"no community {community_code!r}")
    return "\n\n".join(parts)


FEEDBACK_COLUMNS = (
    "at",
    "alert_id",
    "community_id",
    "kind",
    "tier",
    "verdict",
    "actor",
    "message_log_id",
    "rules",
    "reasons",
    "text_masked",
)


async def export_feedback(runtime: Runtime, since: datetime | None = None) -> str:
    """Every staff verdict as CSV, with the rules that fired and the masked message, for tuning."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FEEDBACK_COLUMNS)
    async with runtime.sessions() as session:
        rows = await OpinionRepository(session).feedback(since)
    for feedback, alert, message in rows:
        writer.writerow(
            [
                feedback.at.isoformat(),
                feedback.alert_id,
                alert.community_id,
                feedback.kind,
                feedback.tier,
                feedback.verdict,
                feedback.actor,
                feedback.message_log_id or "",
                " ".join(feedback.rules),
                " ".join(feedback.reasons),
                excerpt(message.text, 500) if message is not None else "",
            ]
        )
    return out.getvalue()


# -- texts --------------------------------------------------------------------------------------

TEXTS_HANS: dict[str, str] = {
    "op.tier.2": "二级·主管48小时内跟进",
    "op.tier.3": "三级·管理层即刻介入，统一对外口径",
    "op.card.message": (
        "{icon} 舆情预警（{tier}）#{id}\n小区：{community} · {chat}\n业主：{owner}\n消息：{text}\n"
        "原因：{reasons}（情绪 {sentiment}）\n{tickets}\n时间：{time}"
    ),
    "op.card.group": (
        "👥 群体投诉预警（二级·主管48小时内跟进）#{id}\n小区：{community}\n"
        "{owners} 位业主在{window}内反映「{topic}」：\n{quotes}\n{tickets}\n时间：{time}"
    ),
    "op.card.spike": (
        "📈 负面消息激增（二级·主管48小时内跟进）#{id}\n小区：{community}\n"
        "近1小时业主负面消息 {count} 条，过去{days}天同一时段平均 {mean} 条（阈值 {threshold}）\n"
        "热点话题：{topics}\n时间：{time}"
    ),
    "op.card.quote": "· {owner}：{text}",
    "op.card.folded": "🔁 此后又有 {n} 条相关消息",
    "op.card.state.followed": "✅ 已跟进：{name}",
    "op.card.state.false_positive": "❎ 误报：{name}",
    "op.reason.crisis": "险情：{words}",
    "op.reason.external": "外部渠道：{words}",
    "op.reason.collective": "集体行动：{words}",
    "op.reason.refusal": "拒交费用：{words}",
    "op.reason.negative": "负面用语：{words}",
    "op.tickets": "业主未结工单：{tickets}",
    "op.tickets.none": "业主未结工单：无",
    "op.ticket": "{number}（{category}·{status}{late}）",
    "op.ticket.late": "·已超时：{what}",
    "op.late.respond": "响应",
    "op.late.resolve": "办结",
    "op.status.open": "待派单",
    "op.status.assigned": "已派单",
    "op.status.in_progress": "处理中",
    "op.status.resolved": "已解决",
    "op.status.closed": "已关闭",
    "op.status.reopened": "重新处理",
    "op.status.cancelled": "已取消",
    "op.kind.repair": "报修",
    "op.kind.complaint": "投诉",
    "op.kind.inquiry": "咨询",
    "op.kind.message": "单条",
    "op.kind.group": "群体",
    "op.kind.spike": "激增",
    "op.fold": "🔁 预警 #{id}（{topic}）又有 {n} 条相关消息",
    "op.fold.latest": "最新：{owner}：{text}",
    "op.btn.followed": "已跟进",
    "op.btn.false": "误报",
    "op.verdict.open": "待跟进",
    "op.verdict.followed": "已跟进",
    "op.verdict.false_positive": "误报",
    "op.pressed": "✅ 预警 #{id} 已标记为「{verdict}」（{name}）",
    "op.pressed.again": "预警 #{id} 已由 {name} 标记为「{verdict}」",
    "op.err.unknown": "该预警不存在或已失效。",
    "op.dur.minutes": "{n}分钟",
    "op.dur.hours": "{n}小时",
    "op.sep": " · ",
    "op.none": "无",
    "op.topic": "{label} {n}",
    "op.digest.title": "📊 舆情日报 · {community}（{since} 至 {until}）",
    "op.report.title": "📊 舆情报告 · {community}（{since} 至 {until}）",
    "op.digest.messages": "业主消息 {messages} 条，负面 {negative} 条（{share}）",
    "op.digest.alerts": "预警 {n} 条：待跟进 {open} · 已跟进 {followed} · 误报 {false}",
    "op.digest.alert": "  #{id} {kind}·{tier}级 {topic}：{state}，相关消息 {related} 条",
    "op.digest.more": "  …另有 {n} 条",
    "op.digest.topics": "热点话题：{topics}",
    "op.digest.tickets": "相关工单：{tickets}",
}

TEXTS_HANT: dict[str, str] = {}
