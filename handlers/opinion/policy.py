"""The thresholds of opinion monitoring, one typed value the composition root builds from the
settings (`bot.app.policies.opinion_policy`); docs/OPINION.md gives the defaults and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta


@dataclass(frozen=True)
class OpinionPolicy:
    cooldown: timedelta = timedelta(minutes=120)
    group_owners: int = 3
    group_window: timedelta = timedelta(minutes=120)
    spike_min_count: int = 5
    spike_k: float = 3.0
    spike_baseline_days: int = 7
    digest_time: time = time(18, 0)
    # The follow-up timer of a tier-2/3 alert nobody pressed 「已跟进」 on (sla.toml's
    # `[opinion]`): a reminder to the supervisors, then the manager (the documents: 48 h).
    remind_after: timedelta = timedelta(hours=24)
    follow_up: timedelta = timedelta(hours=48)
