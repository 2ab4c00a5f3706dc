"""What a feature hands the composition root: its router, its texts and its jobs.

Each `handlers/<feature>/` builds one `Feature` from the collaborators the root gives it
(typed, by parameter); the root includes the routers in order, registers the texts and
lets each feature add its scheduled jobs. The kernel knows no feature by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.core.router import Router
from bot.core.runtime import Runtime


class Scheduler(Protocol):
    """The part of APScheduler's `AsyncIOScheduler` features use."""

    def add_job(self, func: Callable[..., Any], trigger: str | None = ..., **kwargs: Any) -> Any: ...

    def get_job(self, job_id: str) -> Any: ...

    def remove_job(self, job_id: str) -> None: ...


Install = Callable[[Scheduler, Runtime], None]


def every(scheduler: Scheduler, job_id: str, seconds: float, job: Callable[..., Any], *args: Any) -> None:
    """A recurring job as every feature wants it: one run at a time, missed runs coalesced into
    one, and registering it again replaces it. Jobs read the clock and the tables and do only
    what is due, so a run early, late or twice is harmless."""
    scheduler.add_job(
        job,
        "interval",
        seconds=seconds,
        args=args,
        id=job_id,
        coalesce=True,
        max_instances=1,
        replace_existing=True,
    )


def _no_jobs(scheduler: Scheduler, runtime: Runtime) -> None:
    return None


@dataclass(frozen=True)
class Feature:
    name: str
    router: Router | None = None
    texts_hans: Mapping[str, str] = field(default_factory=dict)
    texts_hant: Mapping[str, str] = field(default_factory=dict)
    jobs: Install = _no_jobs
