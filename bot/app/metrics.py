"""/metrics: Prometheus text exposition of what /healthz knows, and of the sends.

Nothing here queries anything when scraped: the figures are the health checks' cached
results (their `Gauge`s, exported as `steward_<name>`, e.g. `steward_outbox_depth`,
`steward_outbox_oldest_age_seconds`, `steward_tickets_opened_total`, and the inbox's when
its check is added), the adapters' call logs (`steward_platform_calls_total`,
`steward_platform_rate_limited_total{code="429"|"45009"}`), and two histograms the outbox
sender feeds as it goes: `steward_send_seconds` (how long an adapter took to send) and
`steward_outbox_wait_seconds` (from due to sent, by priority). Each `App` has its own
registry, so tests can build several in one process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.app.health import HealthMonitor
from bot.core.calls import CallLog
from bot.core.sender import SendReport
from storage.outbox.models import Priority

PREFIX = "steward_"
SEND_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 180.0)
FLOOD_CODES = {"telegram": "429", "wecom": "45009"}  # shown at 0 until the first one
WAIT_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)


class Metrics:
    def __init__(self, monitor: HealthMonitor, call_logs: Callable[[], Mapping[str, CallLog]]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.send_seconds = Histogram(
            PREFIX + "send_seconds",
            "How long an adapter took to send one outbox row (rate-limit waits included)",
            ["platform", "outcome"],
            buckets=SEND_BUCKETS,
            registry=self.registry,
        )
        self.wait_seconds = Histogram(
            PREFIX + "outbox_wait_seconds",
            "How long a message waited from due to sent",
            ["platform", "priority"],
            buckets=WAIT_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Figures(monitor, call_logs))

    def observe(self, report: SendReport) -> None:
        """The outbox sender's `observer`."""
        outcome = "ok" if report.ok else "error"
        self.send_seconds.labels(report.platform, outcome).observe(report.seconds)
        if report.waited is not None:
            self.wait_seconds.labels(report.platform, _priority_name(report.priority)).observe(report.waited)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _priority_name(priority: int) -> str:
    try:
        return Priority(priority).name.lower()
    except ValueError:
        return str(priority)


class _Figures(Collector):
    def __init__(self, monitor: HealthMonitor, call_logs: Callable[[], Mapping[str, CallLog]]) -> None:
        self.monitor = monitor
        self.call_logs = call_logs

    def describe(self) -> list[Metric]:
        return []  # the families depend on the checks' results: nothing to say up front

    def collect(self) -> Iterator[Metric]:
        healthy, _ = self.monitor.snapshot()
        yield GaugeMetricFamily(PREFIX + "healthy", "1 when /healthz says ok", value=1.0 if healthy else 0.0)
        per_check = GaugeMetricFamily(
            PREFIX + "health_check_ok", "1 when the check's last result was ok", labels=["check"]
        )
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        for name, result in sorted(self.monitor.results().items()):
            per_check.add_metric([name], 1.0 if result.ok else 0.0)
            for gauge in result.gauges:
                family = families.get(gauge.name)
                if family is None:
                    kind = CounterMetricFamily if gauge.kind == "counter" else GaugeMetricFamily
                    family = kind(PREFIX + gauge.name, gauge.help or gauge.name, labels=sorted(gauge.labels))
                    families[gauge.name] = family
                family.add_metric([gauge.labels[k] for k in sorted(gauge.labels)], gauge.value)
        yield per_check
        yield from families.values()
        calls = CounterMetricFamily(
            PREFIX + "platform_calls", "Calls to a platform's API by outcome", labels=["platform", "outcome"]
        )
        limited = CounterMetricFamily(
            PREFIX + "platform_rate_limited",
            "Flood-control answers (Telegram 429, WeCom 45009)",
            labels=["platform", "code"],
        )
        for platform, call_log in sorted(self.call_logs().items()):
            snap = call_log.snapshot()
            for outcome in ("ok", "refused", "error"):
                calls.add_metric([platform, outcome], snap.outcomes.get(outcome, 0))
            counts = dict.fromkeys([FLOOD_CODES[platform]] if platform in FLOOD_CODES else [], 0)
            counts.update(snap.rate_limited)
            for code, n in sorted(counts.items()):
                limited.add_metric([platform, code], n)
        yield calls
        yield limited
