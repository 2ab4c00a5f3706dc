"""The figures the property documents set targets for, each beside its target.

A figure is `id, label, value, target, direction`: `FIGURES` lists how each is computed from
a period's `ServiceReport` (pure), `Targets` holds the configured numbers (`[targets]` in
sla.toml, the documents' defaults otherwise), and `measure` puts the two together. A figure
that cannot be computed (no ticket it applies to, or data this build does not record yet) is
`None`, shown as 「-」 and never counted as a miss.

Adding a figure is one function and one `FigureSpec` line below, plus its label
(`rp.fig.<id>`) in texts.py and its default target here.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from handlers.reports.figures import ServiceReport
from storage.tickets.status import DONE

Direction = Literal["at_least", "at_most"]
Unit = Literal["rate", "minutes"]

# The documents' targets: closure of complaints ≥ 95 %, overdue ≤ 5 %, first-time fix ≥ 90 %,
# simple repairs visited on site within 30 minutes ≥ 90 %, 回访 100 %, satisfaction ≥ 90 %,
# median first response ≤ 30 minutes.
DEFAULT_TARGETS: Mapping[str, float] = {
    "complaint_closure": 0.95,
    "overdue": 0.05,
    "first_time_fix": 0.90,
    "visit_30min": 0.90,
    "revisit": 1.0,
    "satisfaction": 0.90,
    "median_response": 30.0,
}


def complaint_closure(report: ServiceReport) -> float | None:
    """Complaints (not cancelled) done, of the complaints opened in the period."""
    complaints = [r for r in report.counted if r.kind == "complaint"]
    if not complaints:
        return None
    return sum(1 for r in complaints if r.status in DONE) / len(complaints)


def overdue(report: ServiceReport) -> float | None:
    """Tickets that went past their resolution deadline, of the tickets that had one."""
    count = report.resolution
    total = count.hit + count.missed + count.pending
    return count.missed / total if total else None


def first_time_fix(report: ServiceReport) -> float | None:
    """Tickets resolved and never reopened, of the tickets resolved at least once (a
    reopened ticket was resolved once, whatever it is now)."""
    resolved = [r for r in report.counted if r.status in DONE or r.reopened]
    if not resolved:
        return None
    return sum(1 for r in resolved if not r.reopened) / len(resolved)


def visit_30min(report: ServiceReport) -> float | None:
    """Simple repairs visited on site within the window (「已到场」 within 30 minutes of the
    report; `figures.simple_visits`); no simple repair in the period: no figure."""
    return None if report.visits is None else report.visits.rate


def revisit(report: ServiceReport) -> float | None:
    """回访 done, of the tickets due one (`figures.callback_rate`: closed tickets with an
    owner, rated in chat or by phone, or whose call reached the owner)."""
    return report.callbacks.rate


def satisfaction(report: ServiceReport) -> float | None:
    return report.satisfaction


def median_response(report: ServiceReport) -> float | None:
    return report.median_response_minutes


@dataclass(frozen=True)
class FigureSpec:
    id: str
    direction: Direction
    unit: Unit
    compute: Callable[[ServiceReport], float | None]


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("complaint_closure", "at_least", "rate", complaint_closure),
    FigureSpec("overdue", "at_most", "rate", overdue),
    FigureSpec("first_time_fix", "at_least", "rate", first_time_fix),
    FigureSpec("visit_30min", "at_least", "rate", visit_30min),
    FigureSpec("revisit", "at_least", "rate", revisit),
    FigureSpec("satisfaction", "at_least", "rate", satisfaction),
    FigureSpec("median_response", "at_most", "minutes", median_response),
)


@dataclass(frozen=True)
class Figure:
    """One figure of a period beside its target."""

    id: str
    value: float | None
    target: float | None
    direction: Direction
    unit: Unit

    @property
    def met(self) -> bool | None:
        """True/False against the target; None: no value or no target (not a miss)."""
        if self.value is None or self.target is None:
            return None
        if self.direction == "at_least":
            return self.value >= self.target - 1e-9
        return self.value <= self.target + 1e-9


class TargetError(ValueError):
    pass


@dataclass(frozen=True)
class Targets:
    values: Mapping[str, float]

    @classmethod
    def defaults(cls) -> Targets:
        return cls(dict(DEFAULT_TARGETS))

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], source: str = "targets", base: Targets | None = None
    ) -> Targets:
        """`[targets]` of sla.toml (or a community's, over sla.toml's as `base`): rates as
        percentages (95) or fractions (0.95), the median first response in minutes; what is
        left out keeps `base` (the documents' defaults); an unknown name or a bad number is
        a `TargetError`."""
        values = dict(base.values if base is not None else DEFAULT_TARGETS)
        known = {spec.id: spec for spec in FIGURES}
        for name, raw in data.items():
            spec = known.get(name)
            if spec is None:
                raise TargetError(f"{source}: unknown target {name!r} (known: {', '.join(known)})")
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                raise TargetError(f"{source}: target {name!r} must be a number >= 0, not {raw!r}")
            value = float(raw)
            if spec.unit == "rate":
                value = value / 100 if value > 1 else value
                if value > 1:
                    raise TargetError(f"{source}: target {name!r} is a rate, at most 100")
            values[name] = value
        return cls(values)

    def get(self, figure_id: str) -> float | None:
        return self.values.get(figure_id)


def measure(report: ServiceReport, targets: Targets) -> list[Figure]:
    """Every figure of the period beside its target, in `FIGURES`' order."""
    return [
        Figure(spec.id, spec.compute(report), targets.get(spec.id), spec.direction, spec.unit)
        for spec in FIGURES
    ]


def load_targets(path: Path) -> Targets:
    """`[targets]` of the SLA file (the documents' defaults for what it leaves out)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TargetError(f"{path}: {exc}") from exc
    section = data.get("targets", {})
    if not isinstance(section, dict):
        raise TargetError(f"{path}: [targets] must be a table")
    return Targets.from_mapping(section, f"{path}: [targets]")
