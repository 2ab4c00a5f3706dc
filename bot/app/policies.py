"""Each feature's policy from the typed settings and the community file.

Features never read `Settings`: the composition root turns the process settings into each
feature's own typed policy here, once, and hands it over by parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from bot.app.communities import CommunityFile
from bot.app.settings import ConfigError, Settings
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.timing import QuietHours
from handlers.broadcasts.tips import TipCalendar, TipLibrary
from handlers.console import ConsolePolicy
from handlers.opinion import OpinionPolicy
from handlers.reports import ReportPolicy, TargetError, Targets, load_targets
from handlers.reports.figures import VisitRule
from handlers.tickets.sla import DEFAULT_FILE as SLA_FILE
from handlers.tickets.sla import SlaBook
from handlers.triage import TriagePolicy


def clock_time(value: str) -> time:
    """ "18:00" (validated by the settings' pattern) as a time."""
    hour, minute = (int(part) for part in value.split(":"))
    return time(hour, minute)


def console_policy(settings: Settings) -> ConsolePolicy:
    return ConsolePolicy(
        secret=settings.console_secret,
        url=settings.console_url,
        session_life=timedelta(hours=settings.console_session_hours),
    )


def opinion_policy(settings: Settings, timers: Mapping[str, Any] | None = None) -> OpinionPolicy:
    """`timers`: sla.toml's `[opinion]` table (the follow-up timer of tier-2/3 alerts)."""
    timers = timers or {}
    try:
        remind_after = timedelta(hours=float(timers.get("remind_after_hours", 24)))
        follow_up = timedelta(hours=float(timers.get("follow_up_hours", 48)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"sla.toml [opinion]: {exc}") from exc
    if not timedelta() < remind_after <= follow_up:
        raise ConfigError("sla.toml [opinion]: need 0 < remind_after_hours <= follow_up_hours")
    return OpinionPolicy(
        remind_after=remind_after,
        follow_up=follow_up,
        cooldown=timedelta(minutes=settings.opinion_cooldown_minutes),
        group_owners=settings.opinion_group_owners,
        group_window=timedelta(minutes=settings.opinion_group_window_minutes),
        spike_min_count=settings.opinion_spike_min_count,
        spike_k=settings.opinion_spike_k,
        spike_baseline_days=settings.opinion_spike_baseline_days,
        digest_time=clock_time(settings.opinion_digest_time),
    )


def triage_policy(settings: Settings) -> TriagePolicy:
    raw = settings.triage_digest_times
    times = () if raw == "off" else tuple(sorted({clock_time(part) for part in raw.split(",")}))
    return TriagePolicy(
        times=times,
        lines=settings.triage_digest_lines,
        horizon=timedelta(hours=settings.triage_horizon_hours),
    )


def report_policy(
    settings: Settings,
    communities: CommunityFile | None = None,
    sla_file: Path = SLA_FILE,
    sla: SlaBook | None = None,
) -> ReportPolicy:
    """Where reports go and when, and the targets their figures are shown against (`[targets]`
    of the SLA file, and a community's `[community.targets]` over it; a bad one is a
    `ConfigError` naming the file and the target). `sla`: the tickets' SLA book, whose
    `[visits]` says which repairs are simple and how soon they are visited."""
    out = settings.report_dir or settings.data_dir / "reports"
    fonts = tuple(f.strip() for f in settings.report_fonts.split(",") if f.strip() and f.strip() != "none")
    try:
        targets = load_targets(sla_file)
        own = {
            entry.code: Targets.from_mapping(entry.targets, f"{entry.code}.targets", base=targets)
            for entry in (communities.community if communities is not None else [])
            if entry.targets is not None
        }
    except TargetError as exc:
        raise ConfigError(str(exc)) from exc
    # Which repairs are simple and how soon they are visited: the tickets' `[visits]`; the share
    # to reach: the targets' `visit_30min` (one number, in one place).
    rule = VisitRule() if sla is None else VisitRule(sla.visits.simple, sla.visits.within)
    visits = VisitRule(rule.simple, rule.within, targets.get("visit_30min") or rule.target)
    return ReportPolicy(
        Path(out),
        settings.report_monthly_day,
        clock_time(settings.report_time),
        fonts,
        targets=targets,
        community_targets=own,
        visits=visits,
    )


def broadcast_policy(settings: Settings, communities: CommunityFile) -> BroadcastPolicy:
    """The quiet hours and grace from the settings; the safety-tip library and calendar, with
    each community's override from the community file."""
    tips = TipLibrary.load()
    calendar = TipCalendar.load()
    calendars: dict[str, TipCalendar | None] = {}
    for entry in communities.community:
        if entry.tips is None:
            continue
        data = dict(entry.tips)
        enabled = data.pop("enabled", True)
        calendars[entry.code] = (
            TipCalendar.from_mapping(data, base=calendar, source=f"{entry.code}.tips") if enabled else None
        )
    return BroadcastPolicy(
        quiet=QuietHours.parse(settings.broadcast_quiet_hours),
        grace=timedelta(minutes=settings.broadcast_grace_minutes),
        tips=tips,
        calendar=calendar,
        calendars=calendars,
    )
