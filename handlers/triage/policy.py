"""When the stewards' digest of uncertain messages goes out, as one typed value the composition
root builds from the settings (`bot.app.policies.triage_policy`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta

# Every two hours of the working day; the first of the day (08:00) is the morning catch-up,
# listing what owners wrote overnight.
DEFAULT_TIMES = (time(8), time(10), time(12), time(14), time(16), time(18), time(20))


@dataclass(frozen=True)
class TriagePolicy:
    """`times`: the local times (each community's zone) a digest is due, every day;
    `lines`: the most messages one digest lists (the rest wait for the next, oldest first);
    `horizon`: a message older than this when a digest is made is no longer listed (an
    owner who wrote days ago has been answered some other way, or not at all);
    `excerpt`: the characters of a message shown (masked)."""

    times: tuple[time, ...] = DEFAULT_TIMES
    lines: int = 10
    horizon: timedelta = timedelta(days=2)
    excerpt: int = 40
