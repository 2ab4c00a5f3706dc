"""The management review of a period: every figure beside its target, compared with the
period before and the same period a year before, the monthly trend of a quarter or a year,
the per-steward figures, the service star and the low-rated tickets; and how it reads.

Pure: the reports come in (`handlers.reports.service.ReportService.review` gathers them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from handlers.reports.figures import LowRating, ServiceReport
from handlers.reports.kpi import STAR_MIN_HANDLED, StewardKpi, star, steward_kpis
from handlers.reports.period import Period
from handlers.reports.targets import Figure, Targets, measure

Say = Callable[..., str]  # a text key and its values -> the text, in the report's language
MARK = {True: "✅", False: "❌", None: "➖"}


@dataclass(frozen=True)
class Review:
    period: Period
    figures: list[Figure]
    previous: Mapping[str, float | None] | None  # the period before; None: not gathered
    last_year: Mapping[str, float | None] | None  # the same period a year before
    trend: list[tuple[Period, list[Figure]]] = field(default_factory=list)  # quarter, year
    kpis: list[StewardKpi] = field(default_factory=list)
    star: StewardKpi | None = None

    @property
    def misses(self) -> list[Figure]:
        return [f for f in self.figures if f.met is False]

    def figure(self, figure_id: str) -> Figure:
        return next(f for f in self.figures if f.id == figure_id)


def values(report: ServiceReport | None, targets: Targets) -> dict[str, float | None] | None:
    return None if report is None else {f.id: f.value for f in measure(report, targets)}


def build_review(
    report: ServiceReport,
    targets: Targets,
    stewards: Mapping[int, str],
    previous: ServiceReport | None = None,
    last_year: ServiceReport | None = None,
    months: Sequence[ServiceReport] = (),
    praise: Mapping[int, int] | None = None,
    revisits: Mapping[int, int] | None = None,
) -> Review:
    kpis = steward_kpis(report, stewards, praise, revisits)
    return Review(
        report.period,
        measure(report, targets),
        values(previous, targets),
        values(last_year, targets),
        [(month.period, measure(month, targets)) for month in months],
        kpis,
        star(kpis) if report.period.kind == "month" else None,
    )


# -- how it reads ----------------------------------------------------------------------------------


def shown(say: Say, value: float | None, unit: str) -> str:
    if value is None:
        return say("rp.na")
    if unit == "minutes":
        return say("rp.minutes", n=f"{value:.0f}")
    return f"{value:.0%}"


def target_shown(say: Say, figure: Figure) -> str:
    if figure.target is None:
        return say("rp.na")
    sign = "≥" if figure.direction == "at_least" else "≤"
    return sign + shown(say, figure.target, figure.unit)


def figure_line(say: Say, review: Review, figure: Figure) -> str:
    """✅ 投诉办结率 96%（目标 ≥95%）· 上月 90% · 去年同期 -"""
    line = say(
        "rp.fig.line",
        mark=MARK[figure.met],
        label=say(f"rp.fig.{figure.id}"),
        value=shown(say, figure.value, figure.unit),
        target=target_shown(say, figure),
    )
    kind = review.period.kind
    if review.previous is not None:
        before = review.previous.get(figure.id)
        line += say("rp.sep") + say(f"rp.cmp.prev.{kind}", value=shown(say, before, figure.unit))
    if review.last_year is not None and kind != "year":  # a year's year before is its previous
        before = review.last_year.get(figure.id)
        line += say("rp.sep") + say("rp.cmp.yoy", value=shown(say, before, figure.unit))
    return line


def star_line(say: Say, review: Review) -> str | None:
    """「月度服务之星」 of a month's review (None for other periods)."""
    if review.period.kind != "month":
        return None
    if review.star is None:
        return say("rp.star.none", n=STAR_MIN_HANDLED)
    best = review.star
    return say(
        "rp.star",
        name=best.name,
        handled=best.handled,
        fixed=best.fixed_first_time,
        satisfied=best.satisfied,
    )


def review_text(say: Say, review: Review, low: Sequence[LowRating] = ()) -> str:
    """The targets block of a staff report: each figure against its target and the
    comparisons, how many missed, the service star and the low-rated tickets with their
    reasons (a month's)."""
    lines = [say("rp.targets.head")]
    lines += [figure_line(say, review, f) for f in review.figures]
    misses = review.misses
    lines.append(
        say("rp.targets.missed", n=len(misses), names="、".join(say(f"rp.fig.{f.id}") for f in misses))
        if misses
        else say("rp.targets.all_met")
    )
    best = star_line(say, review)
    if best is not None:
        lines.append(best)
    if review.period.kind == "month":
        if low:
            lines.append(say("rp.low.head", n=len(low)))
            lines += [
                say(
                    "rp.low.line",
                    number=t.number,
                    category=t.category,
                    steward=t.assignee,
                    rating=t.rating,
                    reasons="；".join(t.reasons) or say("rp.low.reason.none"),
                )
                for t in low
            ]
        else:
            lines.append(say("rp.low.none"))
    return "\n".join(lines)


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def kpi_line(say: Say, kpi: StewardKpi) -> str:
    return say(
        "rp.kpi.line",
        name=kpi.name,
        handled=kpi.handled,
        response=rate(kpi.response.rate),
        resolve=rate(kpi.resolution.rate),
        ftf=rate(kpi.first_time_fix),
        rated=kpi.rated,
        satisfaction=rate(kpi.satisfaction),
        unhappy=kpi.unhappy,
        praise=say("rp.na") if kpi.praise is None else kpi.praise,
        revisits=say("rp.na") if kpi.revisits is None else kpi.revisits,
    )


def kpi_text(say: Say, community: str, period_name: str, review: Review) -> str:
    """`/kpi`: one line per steward, best first, and the rule of the star."""
    lines = [say("rp.kpi.head", community=community, period=period_name)]
    lines += [kpi_line(say, k) for k in review.kpis] or [say("rp.kpi.nobody")]
    best = star_line(say, review)
    if best is not None:
        lines.append(best)
    return "\n".join(lines)


def own_kpi_text(say: Say, period_name: str, kpi: StewardKpi, starred: bool) -> str:
    """A steward's own month, privately."""
    text = say("rp.kpi.own", name=kpi.name, period=period_name) + "\n" + kpi_line(say, kpi)
    return text + ("\n" + say("rp.kpi.own.star") if starred else "")
