"""The checks behind /healthz (run by `bot.app.health.HealthMonitor`): the database's write
probe, the outbox, this process's sender, the platforms' calls, and the figures /metrics
reports from the database. Each bounds its own work by its timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app.health import Check, CheckResult, Gauge, HealthMonitor, describe
from bot.app.platforms import Platforms
from bot.app.settings import Settings
from bot.core.calls import CallLog
from bot.core.clock import Clock
from bot.core.sender import OutboxSender
from storage.db import WriteGate
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


def database_check(
    sessions: async_sessionmaker[AsyncSession],
    gate: WriteGate,
    clock: Clock,
    instance_id: str,
    *,
    timeout: float,
) -> Callable[[], Awaitable[CheckResult]]:
    """A real write, bounded by `timeout`: the write gate (SQLite) and the upsert."""

    async def run() -> CheckResult:
        began = time.monotonic()
        try:
            async with asyncio.timeout(timeout), gate(priority=True), sessions() as session:
                store = UnitOfWork(session)
                await store.instances.probe(instance_id, clock.now())
                await store.commit()
        except TimeoutError:
            reason = f"db: the write probe did not finish within {timeout:g} s (database locked or stuck)"
            return CheckResult(False, (reason,), {"writable": False, "error": "timeout"})
        except Exception as exc:
            reason = f"db: the write probe failed: {describe(exc)}"
            return CheckResult(False, (reason,), {"writable": False, "error": describe(exc)})
        seconds = time.monotonic() - began
        return CheckResult(
            True,
            details={"reachable": True, "writable": True, "write_ms": round(seconds * 1000, 1)},
            gauges=(Gauge("db_write_probe_seconds", seconds, help="How long the health probe's write took"),),
        )

    return run


def inbox_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, max_age: float, timeout: float
) -> Callable[[], Awaitable[CheckResult]]:
    """Updates stored and not handled: a backlog older than `max_age`, or any parked update
    (a dead letter waits for `steward inbox retry`), is degraded."""

    async def run() -> CheckResult:
        async with asyncio.timeout(timeout), sessions() as session:
            stats = await UnitOfWork(session).inbox.stats(clock.now())
        reasons: list[str] = []
        waited = stats.oldest_pending_seconds or 0.0
        if waited > max_age:
            reasons.append(f"inbox: the oldest stored update has waited {waited:.0f} s (limit {max_age:g} s)")
        if stats.dead_letters:
            reasons.append(f"inbox: {stats.dead_letters} parked update(s): see `steward inbox failed`")
        gauges = [
            Gauge("inbox_depth", stats.backlog, {}, "Stored updates not handled yet"),
            Gauge("inbox_oldest_age_seconds", waited, {}, "How long the oldest stored update has waited"),
            Gauge("inbox_dead_letters", stats.dead_letters, {}, "Updates parked after too many failures"),
        ]
        return CheckResult(not reasons, tuple(reasons), stats.to_dict(), tuple(gauges))

    return run


def outbox_check(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    *,
    max_age: float,
    stale_after: float,
    blocked_after: float,
    timeout: float,
) -> Callable[[], Awaitable[CheckResult]]:
    """The backlog, the oldest due message's wait, and blocked chat queues."""

    async def run() -> CheckResult:
        now = clock.now()
        async with asyncio.timeout(timeout), sessions() as session:
            stats = await UnitOfWork(session).outbox.stats(
                now,
                stale_before=now - timedelta(seconds=stale_after),
                blocked_before=now - timedelta(seconds=blocked_after),
            )
        oldest = stats.oldest_due
        age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        reasons: list[str] = []
        if age > max_age:
            reasons.append(f"outbox: the oldest due message has waited {age:.0f} s (limit {max_age:g} s)")
        blocked = len(stats.blocked_chats)
        if blocked:
            log.warning(
                "health: blocked outbox queues: %s", ", ".join(f"{p}:{c}" for p, c in stats.blocked_chats)
            )
            reasons.append(
                f"outbox: {blocked}{'+' if blocked >= 10 else ''} chat queue(s) blocked"
                f" ({stats.stale_leases} row(s) held by a sender that is gone)"
            )
        platforms: dict[str, Any] = {}
        gauges: list[Gauge] = []
        for platform, queue in sorted(stats.platforms.items()):
            waited = max((now - queue.oldest_due).total_seconds(), 0.0) if queue.oldest_due else 0.0
            platforms[platform] = {
                "backlog": queue.backlog,
                "sending": queue.sending,
                "oldest_age_seconds": round(waited, 1),
            }
            labels = {"platform": platform}
            gauges += [
                Gauge("outbox_depth", queue.backlog, labels, "Unsent outbox rows"),
                Gauge("outbox_in_flight", queue.sending, labels, "Outbox rows being sent"),
                Gauge("outbox_oldest_age_seconds", waited, labels, "Wait of the oldest due unsent row"),
            ]
        gauges += [
            Gauge("outbox_blocked_chats", blocked, help="Chats whose outbox queue is blocked"),
            Gauge("outbox_stale_leases", stats.stale_leases, help="Rows held by a sender that is gone"),
        ]
        details = {
            "backlog": stats.backlog,
            "oldest_age_seconds": round(age, 1),
            "blocked_chats": blocked,
            "stale_leases": stats.stale_leases,
            "platforms": platforms,
        }
        return CheckResult(not reasons, tuple(reasons), details, tuple(gauges))

    return run


def sender_check(sender: OutboxSender, *, poll_interval: float) -> Callable[[], Awaitable[CheckResult]]:
    """This process's sender: running, its loop going round, its heartbeat written."""
    heartbeat = sender.heartbeat
    loop_limit = max(10.0, 5 * poll_interval)
    beat_limit = 3 * heartbeat.interval + 5.0

    async def run() -> CheckResult:
        now = time.monotonic()
        reasons: list[str] = []
        step_age = None if sender.last_step is None else now - sender.last_step
        beat_age = None if heartbeat.last_ok is None else now - heartbeat.last_ok
        if not sender.running:
            reasons.append("sender: the outbox sender is not running")
        elif step_age is not None and step_age > loop_limit:
            reasons.append(f"sender: the delivery loop has not gone round for {step_age:.0f} s")
        if sender.running and heartbeat.last_error is not None:
            reasons.append(f"sender: the heartbeat fails: {heartbeat.last_error}")
        elif sender.running and (beat_age is None or beat_age > beat_limit):
            reasons.append(f"sender: no heartbeat written for {beat_age or 0:.0f} s")
        details = {
            "running": sender.running,
            "instance": sender.instance.id,
            "in_flight": len(sender.held_ids()),
            "loop_age_seconds": None if step_age is None else round(step_age, 1),
            "heartbeat_age_seconds": None if beat_age is None else round(beat_age, 1),
            "taken_over": heartbeat.taken_over,
        }
        gauges = (
            Gauge("outbox_sender_running", 1.0 if sender.running else 0.0, help="This process's sender runs"),
            Gauge(
                "outbox_taken_over",
                heartbeat.taken_over,
                help="Rows this process took over from senders that stopped or died",
                kind="counter",
            ),
        )
        return CheckResult(not reasons, tuple(reasons), details, gauges)

    return run


def platform_check(
    logs: Callable[[], Mapping[str, CallLog]],
    running: Callable[[], Mapping[str, bool]],
    *,
    failures: int,
    stale_after: float,
    wall: Callable[[], float] = time.time,
) -> Callable[[], Awaitable[CheckResult]]:
    """Each adapter: running, its last `failures` calls not all failed, and a success within
    `stale_after` seconds whenever calls are failing."""

    async def run() -> CheckResult:
        now = wall()
        reasons: list[str] = []
        details: dict[str, Any] = {}
        gauges: list[Gauge] = []
        states = running()
        for platform, call_log in sorted(logs().items()):
            snap = call_log.snapshot()
            if states.get(platform) is False:
                reasons.append(f"{platform}: the adapter is not running")
            since = snap.success_age(now)
            quiet = since if since is not None else call_log.age(now)
            if snap.consecutive_failures >= failures:
                reasons.append(
                    f"{platform}: the last {snap.consecutive_failures} calls failed ({snap.last_error})"
                )
            elif snap.consecutive_failures and quiet > stale_after:
                reasons.append(
                    f"{platform}: no successful call for {quiet:.0f} s while calls fail ({snap.last_error})"
                )
            details[platform] = {
                "running": states.get(platform),
                "last_success_age_seconds": None if since is None else round(since, 1),
                "consecutive_failures": snap.consecutive_failures,
                "last_error": snap.last_error,
                "calls": snap.outcomes,
                "rate_limited": snap.rate_limited,
            }
            gauges.append(
                Gauge(
                    "platform_consecutive_failures",
                    snap.consecutive_failures,
                    {"platform": platform},
                    "Calls to the platform that failed since its last success",
                )
            )
            if snap.last_success is not None:
                gauges.append(
                    Gauge(
                        "platform_last_success_timestamp_seconds",
                        snap.last_success,
                        {"platform": platform},
                        "When a call to the platform last succeeded",
                    )
                )
        return CheckResult(not reasons, tuple(reasons), details, tuple(gauges))

    return run


def push_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, timeout: float
) -> Callable[[], Awaitable[CheckResult]]:
    """The chats Steward can no longer post to (a WeCom group robot refused as invalid,
    `chats.push_failed_at`): each is degraded until its robot works again, with since when,
    the platform's answer and how many of its messages failed in the last day."""

    async def run() -> CheckResult:
        async with asyncio.timeout(timeout), sessions() as session:
            store = UnitOfWork(session)
            chats = [c for c in await store.directory.unreachable() if c.active]
            day_ago = clock.now() - timedelta(hours=24)
            dead = []
            for chat in chats[:20]:
                since = chat.push_failed_at or clock.now()
                dead.append(
                    {
                        "platform": chat.platform,
                        "chat": chat.platform_chat_id,
                        "title": chat.title,
                        "role": chat.role,
                        "since": since.isoformat(),
                        "error": chat.push_error,
                        "failed_24h": await store.outbox.failed_count(
                            chat.platform, chat.platform_chat_id, since=day_ago, error_prefix=""
                        ),
                    }
                )
        reasons = tuple(
            f"{d['platform']}: cannot post to chat {d['chat']} ({d['role']}) since {d['since']}: {d['error']}"
            for d in dead
        )
        gauges = (
            Gauge("unreachable_chats", len(chats), help="Chats whose push credential was refused for good"),
        )
        return CheckResult(not chats, reasons, {"unreachable": dead, "count": len(chats)}, gauges)

    return run


def figures_check(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, stale_after: float, timeout: float
) -> Callable[[], Awaitable[CheckResult]]:
    """Totals only the database knows (across processes and restarts), for /metrics."""

    async def run() -> CheckResult:
        now = clock.now()
        async with asyncio.timeout(timeout), sessions() as session:
            store = UnitOfWork(session)
            tickets = await store.figures.tickets_opened()
            alerts = await store.figures.alerts_raised()
            live = await store.instances.live(now - timedelta(seconds=stale_after))
        gauges = [
            Gauge("tickets_opened", n, {"kind": kind}, "Tickets opened", "counter")
            for kind, n in sorted(tickets.items())
        ]
        gauges += [
            Gauge("opinion_alerts_raised", n, {"kind": kind}, "Public-opinion alerts raised", "counter")
            for kind, n in sorted(alerts.items())
        ]
        gauges.append(Gauge("instances_live", len(live), help="Processes delivering the outbox"))
        details = {
            "tickets_opened": tickets,
            "alerts_raised": alerts,
            "instances": [
                {
                    "id": i.id,
                    "host": i.host,
                    "pid": i.pid,
                    "heartbeat_age_seconds": round((now - i.heartbeat_at).total_seconds(), 1),
                }
                for i in live
            ],
        }
        return CheckResult(True, (), details, tuple(gauges))

    return run


def add_steward_checks(
    health: HealthMonitor,
    settings: Settings,
    *,
    sessions: async_sessionmaker[AsyncSession],
    gate: WriteGate,
    clock: Clock,
    sender: OutboxSender,
    platforms: Platforms | None,
    watch_sender: bool = True,
) -> None:
    """The checks of /healthz. Another part of Steward adds its own with
    `App.health.add(Check(...))` (the durable inbox: backlog, oldest pending age, dead
    letters); its gauges are exported at /metrics as `steward_<name>`."""
    every, timeout = settings.health_interval, settings.health_check_timeout
    health.add(
        Check(
            "db",
            database_check(sessions, gate, clock, sender.instance.id, timeout=timeout),
            every,
            timeout,
        )
    )
    health.add(
        Check(
            "outbox",
            outbox_check(
                sessions,
                clock,
                max_age=settings.health_outbox_max_age,
                stale_after=settings.outbox_stale_after,
                blocked_after=settings.health_blocked_after,
                timeout=timeout,
            ),
            every,
            timeout,
        )
    )
    health.add(
        Check(
            "inbox",
            inbox_check(sessions, clock, max_age=settings.health_inbox_max_age, timeout=timeout),
            every,
            timeout,
        )
    )
    if watch_sender:  # a process without the sender role runs none
        health.add(
            Check("sender", sender_check(sender, poll_interval=settings.outbox_poll_interval), every, timeout)
        )
    health.add(Check("push", push_check(sessions, clock, timeout=timeout), every, timeout))
    if platforms is not None:
        health.add(
            Check(
                "platforms",
                platform_check(
                    platforms.call_logs,
                    lambda: {name: name in platforms.running for name in platforms.channels},
                    failures=settings.health_platform_failures,
                    stale_after=settings.health_platform_stale_after,
                ),
                every,
                timeout,
            )
        )
    health.add(
        Check(
            "figures",
            figures_check(sessions, clock, stale_after=settings.outbox_stale_after, timeout=timeout),
            max(every, 15.0),
            timeout,
            critical=False,
        )
    )
