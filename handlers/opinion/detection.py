"""The rules that decide what is alarming, with no I/O: what a message is about, how serious
it is, whether it belongs to an alert already raised, when a few owners make a group
complaint, and when this hour's count is a spike over the community's own baseline.

`handlers.opinion.alerts` asks the database for the figures these rules need and acts on
the verdicts; docs/OPINION.md explains the thresholds.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.opinion.policy import OpinionPolicy
from nlp.classification import Risk
from storage.opinion.repository import AlertView, Signal

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
# The newest negative messages a group-complaint check reads: a few owners make a group, and a
# flood bigger than this is a spike, which is detected from counts.
GROUP_SCAN_LIMIT = 500


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


# A crisis the classifier read from smoke alone (「整个楼道都是烟」) is a smoker's when the
# message names a cigarette (「有人在楼梯间抽烟」): a nuisance for the steward, not a fire for
# management. The words are the category rules that name one (nlp/data/rules.yaml).
SMOKING_WORDS = frozenset({"抽烟", "吸烟", "食烟", "烟头", "烟蒂"})
FIRE_WORDS = ("火", "爆炸", "焦")


def _smokers_smoke(rules: Iterable[str]) -> bool:
    """The message's only crisis is smoke, and it names someone smoking."""
    crisis = [rule.partition(":")[2] for rule in rules if rule.startswith("risk.crisis:")]
    smoking = any(rule.partition(":")[2] in SMOKING_WORDS for rule in rules if rule.startswith("cat."))
    only_smoke = all(
        ("烟" in word or word == "smoke_spreading") and not any(f in word for f in FIRE_WORDS)
        for word in crisis
    )
    return bool(crisis) and only_smoke and smoking


def tier_of(risk: int, rules: Iterable[str] = ()) -> int:
    """Tier 3: management at once; tier 2: a supervisor within 48 h; tier 1: the steward.
    A crisis of a smoker's smoke alone does not count (`SMOKING_WORDS`): the message keeps
    the tier its other risks give it (the media or the courts: 3; an outside party or joint
    action: 2)."""
    if risk >= Risk.CRISIS and _smokers_smoke(rules):
        kinds = {rule[5:].split(":", 1)[0] for rule in rules if rule.startswith("risk.")}
        escalation = kinds & {"external", "exposure", "collective", "refusal"}
        risk = (
            Risk.CRISIS
            if "exposure" in kinds or {"external", "collective"} <= kinds
            else Risk.EXTERNAL
            if escalation
            else Risk.NEGATIVE
        )
    if risk >= Risk.CRISIS:
        return 3
    if risk >= Risk.EXTERNAL:
        return 2
    return 1


def is_milestone(folded: int) -> bool:
    return folded in FOLD_MILESTONES or (folded > 0 and folded % FOLD_EVERY == 0)


def same_matter(alert: AlertView, member_id: int | None, topics: frozenset[str]) -> bool:
    """Whether a message is about the matter of `alert`: a specific topic in common (电梯 and
    电梯); never when both name specific topics and none is shared (the same owner's lift,
    then their neighbour's smoking, are two matters); otherwise, with nothing specific on one
    side (「物业到底管不管」), the same owner going on, or the same generic topic."""
    specific = topics - GENERIC_TOPICS
    alert_specific = set(alert.topics) - GENERIC_TOPICS
    if specific & alert_specific:
        return True
    if specific and alert_specific:
        return False
    return member_id in alert.members or bool(topics & set(alert.topics))


def matching_alert(
    recent: Sequence[AlertView], member_id: int | None, topics: frozenset[str], tier: int
) -> AlertView | None:
    """The alert a message belongs to: the newest one, not called 「误报」, at least as serious,
    about the same matter (`same_matter`). A more serious message is never folded into a
    milder alert: it raises its own."""
    return next(
        (
            alert
            for alert in recent
            if alert.state != "false_positive"
            and alert.tier >= tier
            and same_matter(alert, member_id, topics)
        ),
        None,
    )


@dataclass(frozen=True)
class Group:
    """Owners negative about one topic within the window: a group complaint."""

    topic: str
    members: list[int]
    signals: list[Signal]


def group_of(signals: Sequence[Signal], topics: frozenset[str], min_owners: int) -> Group | None:
    """The topic of `topics` the most distinct owners were negative about in `signals`, if
    they are at least `min_owners` (ties: the first topic in code order)."""
    on_topic: dict[str, list[Signal]] = {}
    for signal in signals:
        for topic in topics & topics_of(signal.category, signal.rules):
            on_topic.setdefault(topic, []).append(signal)

    def owners(topic: str) -> set[int]:
        return {s.member_id for s in on_topic.get(topic, []) if s.member_id is not None}

    best = max(sorted(on_topic), key=lambda topic: len(owners(topic)), default=None)
    if best is None or len(owners(best)) < min_owners:
        return None
    return Group(best, sorted(owners(best)), on_topic[best])


# -- spikes -------------------------------------------------------------------------------------


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


def has_history(first_logged: datetime | None, hour_start: datetime, baseline_days: int) -> bool:
    """A spike is measured against the same hour on past days, so those days must be history:
    the community's log must begin at least `baseline_days` before this hour. On a fresh
    install every past day counts zero, and the first busy hour would be "far above" it."""
    return first_logged is not None and first_logged <= hour_start - timedelta(days=baseline_days)


def spike_windows(at: datetime, baseline_days: int) -> list[tuple[datetime, datetime]]:
    """The hour up to `at`, then the same hour on each of the past `baseline_days` days."""
    hour, day = timedelta(hours=1), timedelta(days=1)
    return [(at - hour, at)] + [(at - n * day - hour, at - n * day) for n in range(1, baseline_days + 1)]


class SpikeHints:
    """Each community's last spike threshold while its hour's count is at the minimum or
    above (in this process): which queries the spike check asks, never what it decides."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._thresholds: dict[int, int] = {}
        self._seasoned: set[int] = set()  # communities known to have a baseline's history

    def seasoned(self, community_id: int) -> bool:
        return community_id in self._seasoned

    def remember_seasoned(self, community_id: int) -> None:
        """History only grows: once long enough, it stays so (until `clear`)."""
        if len(self._seasoned) < self.size:
            self._seasoned.add(community_id)

    def get(self, community_id: int) -> int | None:
        return self._thresholds.get(community_id)

    def remember(self, community_id: int, threshold: int) -> None:
        if community_id not in self._thresholds and len(self._thresholds) >= self.size:
            self._thresholds.pop(next(iter(self._thresholds)))
        self._thresholds[community_id] = threshold

    def forget(self, community_id: int) -> None:
        self._thresholds.pop(community_id, None)

    def clear(self) -> None:
        """Forget every community (what a new process knows)."""
        self._thresholds.clear()
        self._seasoned.clear()
