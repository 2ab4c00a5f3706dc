"""The health monitor and its checks (bot/app/health.py, bot/app/checks.py), and /metrics:
results are cached and bounded, each check says what is wrong in one line, and the figures
reach the Prometheus exposition."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.app.checks import outbox_check, platform_check, sender_check
from bot.app.health import Check, CheckResult, Gauge, HealthMonitor
from bot.core.calls import CallLog
from bot.core.events import Outgoing
from bot.core.outbox import Priority
from bot.core.sender import OutboxSender
from storage.uow import UnitOfWork
from tests.harness import Harness

OWNERS = "lxy-owners-1"


def result(ok: bool, *reasons: str) -> Check:
    async def run() -> CheckResult:
        return CheckResult(ok, reasons)

    return Check(f"check-{len(reasons)}-{ok}", run)


async def test_the_monitor_serves_cached_results_and_bounds_each_check() -> None:
    calls = 0

    async def counted() -> CheckResult:
        nonlocal calls
        calls += 1
        return CheckResult(True, gauges=(Gauge("thing", 1.0),))

    async def hangs() -> CheckResult:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def raises() -> CheckResult:
        raise RuntimeError("boom")

    async def figures() -> CheckResult:
        return CheckResult(False, ("figures: never degrades",))

    monitor = HealthMonitor(sections=lambda: {"instance": {"id": "x"}})
    monitor.add(Check("counted", counted))
    monitor.add(Check("hangs", hangs, timeout=0.05))
    monitor.add(Check("raises", raises))
    monitor.add(Check("figures", figures, critical=False))
    healthy, document = monitor.snapshot()
    assert not healthy
    assert "counted: not checked yet" in document["reasons"]
    await monitor.run_once()
    assert calls == 1
    for _ in range(3):
        healthy, document = monitor.snapshot()  # from the cache: nothing runs again
    assert calls == 1
    assert not healthy
    assert document["status"] == "degraded"
    assert document["reasons"] == [
        "hangs: no answer within 0.05 s",
        "raises: the check failed: RuntimeError: boom",
    ]
    assert document["instance"] == {"id": "x"}
    assert document["checks"]["counted"]["ok"] is True
    assert document["checks"]["figures"]["ok"] is False  # reported, but it never degrades


async def test_a_result_that_is_not_refreshed_goes_stale() -> None:
    async def ok() -> CheckResult:
        return CheckResult(True)

    monitor = HealthMonitor()
    monitor.add(Check("quick", ok, interval=0.01, timeout=0.01))
    await monitor.run_once()
    assert monitor.snapshot()[0]
    latest = monitor._latest["quick"]
    assert latest.at is not None
    latest.at -= 10  # its loop stopped ten seconds ago
    healthy, document = monitor.snapshot()
    assert not healthy
    assert document["reasons"][0].startswith("quick: no result for 10 s")


async def outbox(harness: Harness, **limits: float) -> CheckResult:
    check = outbox_check(
        harness.app.sessions,
        harness.clock,
        max_age=limits.get("max_age", 300),
        stale_after=10,
        blocked_after=limits.get("blocked_after", 60),
        timeout=5,
    )
    return await check()


async def enqueue(harness: Harness, chat: str, **kwargs: object) -> int:
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        row = await store.outbox.enqueue(
            platform="local",
            platform_chat_id=chat,
            chat_id=None,
            payload=Outgoing("x").to_json(),
            now=harness.clock.now(),
            **kwargs,  # type: ignore[arg-type]
        )
        await store.commit()
    assert row is not None
    return row


async def test_the_outbox_check_measures_the_oldest_due_message(harness: Harness) -> None:
    assert (await outbox(harness)).ok
    await enqueue(harness, "chat-a")
    await enqueue(harness, "chat-b", not_before=harness.clock.now() + timedelta(hours=2))  # not due
    harness.clock.advance(timedelta(seconds=301))
    checked = await outbox(harness)
    assert not checked.ok
    assert checked.reasons == ("outbox: the oldest due message has waited 301 s (limit 300 s)",)
    assert checked.details["backlog"] == 2
    assert checked.details["platforms"]["local"]["oldest_age_seconds"] == 301
    await harness.app.sender.drain()
    checked = await outbox(harness)
    assert checked.ok  # the scheduled one waits for its time and is not late
    assert checked.details["backlog"] == 1


async def test_the_outbox_check_finds_blocked_queues(harness: Harness) -> None:
    failing = await enqueue(harness, "chat-a")
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        for _ in range(3):
            await store.outbox.mark_retry(failing, "502", harness.clock.now())
        await store.instances.register("dead", "h", 1, harness.clock.now())
        await store.commit()
    await enqueue(harness, "chat-b", priority=Priority.URGENT)
    async with harness.app.sessions() as session:
        store = UnitOfWork(session)
        claimed = await store.outbox.claim(harness.clock.now(), 10, timedelta(seconds=30), holder="dead")
        await store.commit()
    assert [Outgoing.from_json(r.payload).text for r in claimed] == ["x", "x"]
    harness.clock.advance(timedelta(seconds=20))  # "dead" is silent; chat-a's head failed 3 times
    checked = await outbox(harness, blocked_after=10)
    assert not checked.ok
    assert checked.reasons == ("outbox: 2 chat queue(s) blocked (2 row(s) held by a sender that is gone)",)
    assert checked.details["stale_leases"] == 2


async def test_the_platform_check_wants_answers() -> None:
    now = [1000.0]
    telegram = CallLog("telegram", clock=lambda: now[0])
    running = {"telegram": True}
    check = platform_check(
        lambda: {"telegram": telegram}, lambda: running, failures=3, stale_after=120, wall=lambda: now[0]
    )
    assert (await check()).ok  # no calls yet
    telegram.ok()
    telegram.failed("sendMessage: NetworkError: Bad Gateway")
    telegram.failed("sendMessage: NetworkError: Bad Gateway")
    assert (await check()).ok  # two failures after a recent success
    telegram.failed("sendMessage: NetworkError: Bad Gateway")
    assert (await check()).reasons == (
        "telegram: the last 3 calls failed (sendMessage: NetworkError: Bad Gateway)",
    )
    telegram.ok(refused=True)  # "chat not found": Telegram answered
    assert (await check()).ok
    now[0] += 200
    telegram.failed("sendMessage: TimedOut: Timed out")
    assert (await check()).reasons == (
        "telegram: no successful call for 200 s while calls fail (sendMessage: TimedOut: Timed out)",
    )
    telegram.ok()
    running["telegram"] = False
    assert (await check()).reasons == ("telegram: the adapter is not running",)


async def test_the_sender_check_wants_a_running_loop_and_heartbeat(harness: Harness) -> None:
    sender = OutboxSender(harness.app.sessions, {"local": harness.channel}, harness.clock)
    check = sender_check(sender, poll_interval=1.0)
    assert (await check()).reasons == ("sender: the outbox sender is not running",)
    await sender.start()
    try:
        checked = await check()
        assert checked.ok, checked.reasons
        assert checked.details["instance"] == sender.instance.id
    finally:
        await sender.stop()
    assert not (await check()).ok


async def test_metrics_expose_the_checks_figures_and_the_sends(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋电梯困人了，快来救人！")  # an urgent ticket, sent
    await harness.channel.post(OWNERS, "u-li", "请问物业费怎么交？")  # a reply not yet sent
    app = harness.app
    await app.health.run_once()
    assert app.metrics is not None
    body, content_type = app.metrics.render()
    assert content_type.startswith("text/plain")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }
    assert samples[("steward_outbox_depth", (("platform", "local"),))] == 1
    assert samples[("steward_tickets_opened_total", (("kind", "repair"),))] == 1
    assert samples[("steward_instances_live", ())] == 0  # this harness's sender is not started
    waited = ("steward_outbox_wait_seconds_count", (("platform", "local"), ("priority", "urgent")))
    assert samples[waited] == 3  # the acknowledgement, the card and its copy to the supervisors
    assert samples[("steward_send_seconds_count", (("outcome", "ok"), ("platform", "local")))] == 3
    assert samples[("steward_health_check_ok", (("check", "db"),))] == 1
