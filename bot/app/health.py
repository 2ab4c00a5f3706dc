"""A truthful /healthz: independent checks, each run in the background and cached.

A `Check` is a name, an async function returning a `CheckResult`, how often to run it and
how long it may take. `HealthMonitor` runs every check in its own task, each run bounded by
its timeout, and keeps the latest result; a request to /healthz only reads those results,
so it answers at once whatever the database or a platform is doing. Degraded (HTTP 503)
when a critical check's latest result is not ok, or when it has no fresh result.

The checks Steward runs (`bot.app.checks`, added by the root):

- `db`        a real write (an upsert of this instance's row in `health_probe`), bounded:
              a full disk, a read-only file or a held lock is a failed write;
- `outbox`    the oldest due message's wait, the chats whose queue is blocked (a head that
              keeps failing, or one held by a sender that is gone), the backlog per platform;
- `sender`    this process's sender: its loop goes round and its heartbeat is written;
- `push`      the chats Steward can no longer post to (a WeCom group robot refused as
              invalid, 93000): degraded until the robot works again;
- `platforms` each adapter's calls (`bot.core.calls.CallLog`): the last few failed, or no
              success for too long while calls fail; an adapter not running;
- `figures`   not a health check (never degrades): tickets opened, alerts raised and the
              live instances, for /metrics.

Another part of Steward adds its own check with `HealthMonitor.add` (the durable inbox: its
backlog, the age of its oldest pending update, its dead letters); the `Gauge`s a result
carries are exported at /metrics as `steward_<name>` (`bot.app.metrics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gauge:
    """A figure a check exports at /metrics as `steward_<name>`."""

    name: str
    value: float
    labels: Mapping[str, str] = field(default_factory=dict)
    help: str = ""
    kind: Literal["gauge", "counter"] = "gauge"


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    reasons: tuple[str, ...] = ()  # why not ok: one short line each, no message text
    details: Mapping[str, Any] = field(default_factory=dict)  # the check's part of /healthz
    gauges: tuple[Gauge, ...] = ()


@dataclass(frozen=True)
class Check:
    name: str  # also the key of its details in /healthz
    run: Callable[[], Awaitable[CheckResult]]
    interval: float = 2.0
    timeout: float = 2.0
    critical: bool = True  # False: figures only, never degrades /healthz


@dataclass
class _Latest:
    result: CheckResult | None = None
    at: float | None = None  # monotonic time of the result


class HealthMonitor:
    def __init__(self, *, sections: Callable[[], Mapping[str, Any]] | None = None) -> None:
        self._checks: dict[str, Check] = {}
        self._latest: dict[str, _Latest] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._sections = sections
        self._degraded: tuple[str, ...] = ()

    def add(self, check: Check) -> None:
        if check.name in self._checks:
            raise ValueError(f"a health check named {check.name!r} is already there")
        self._checks[check.name] = check
        self._latest[check.name] = _Latest()

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(self._checks.values())

    async def run_once(self) -> None:
        """Run every check once, together (each bounded by its timeout)."""
        await asyncio.gather(*(self._run(check) for check in self._checks.values()))

    async def start(self) -> None:
        """A first round of every check (so /healthz speaks from the start), then each on
        its own interval."""
        await self.run_once()
        for check in self._checks.values():
            self._tasks.append(asyncio.create_task(self._loop(check), name=f"health-{check.name}"))

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def result(self, name: str) -> CheckResult | None:
        latest = self._latest.get(name)
        return None if latest is None else latest.result

    def results(self) -> dict[str, CheckResult]:
        return {name: latest.result for name, latest in self._latest.items() if latest.result is not None}

    def snapshot(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the /healthz document), from the cached results only."""
        now = time.monotonic()
        reasons: list[str] = []
        checks: dict[str, Any] = {}
        report: dict[str, Any] = {}
        for name, check in self._checks.items():
            latest = self._latest[name]
            result = latest.result
            if result is None or latest.at is None:
                checks[name] = {"ok": None}
                if check.critical:
                    reasons.append(f"{name}: not checked yet")
                continue
            age = now - latest.at
            fresh = age <= stale_after(check)
            checks[name] = {"ok": result.ok and fresh, "age_seconds": round(age, 1)}
            report[name] = dict(result.details)
            if not check.critical:
                continue
            reasons.extend(result.reasons)
            if not fresh:
                reasons.append(f"{name}: no result for {age:.0f} s")
        healthy = not reasons
        document: dict[str, Any] = {"status": "ok" if healthy else "degraded", "reasons": reasons}
        document.update(self._sections() if self._sections is not None else {})
        document.update(report)
        document["checks"] = checks
        return healthy, document

    def _note(self, reasons: tuple[str, ...]) -> None:
        """Log when the state changes (reasons carry ids and counts, never message text)."""
        if reasons != self._degraded:
            if reasons:
                log.warning("health: degraded: %s", "; ".join(reasons))
            elif self._degraded:
                log.warning("health: ok again")
            self._degraded = reasons

    async def _loop(self, check: Check) -> None:
        while True:
            await asyncio.sleep(check.interval)
            await self._run(check)

    async def _run(self, check: Check) -> None:
        try:
            # The check bounds its own work; this is the net under it.
            async with asyncio.timeout(check.timeout + 1.0):
                result = await check.run()
        except TimeoutError:
            result = CheckResult(False, (f"{check.name}: no answer within {check.timeout:g} s",))
        except Exception as exc:
            log.warning("health: the %s check raised %s", check.name, type(exc).__name__, exc_info=True)
            result = CheckResult(False, (f"{check.name}: the check failed: {describe(exc)}",))
        latest = self._latest[check.name]
        latest.result, latest.at = result, time.monotonic()
        self._note(tuple(r for c in self._checks.values() if c.critical for r in self._reasons_of(c)))

    def _reasons_of(self, check: Check) -> tuple[str, ...]:
        result = self._latest[check.name].result
        return () if result is None else result.reasons


def stale_after(check: Check) -> float:
    """A result older than this is no result: the check's loop stopped, or the process froze."""
    return check.interval + check.timeout + max(5.0, 2 * check.interval)


def describe(exc: BaseException) -> str:
    """`TypeName: first line` of an exception (a DB driver's inner error when wrapped)."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    first = lines[0][:160] if lines else ""
    return f"{type(inner).__name__}: {first}" if first else type(inner).__name__
