"""What a report shows, in words and sheets: the staff sheet and the owners' sheet (drawn by
`handlers.reports.charts`), the caption under the staff picture and the owners' summary.
The owners' versions carry aggregate figures and category names only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from handlers.reports.charts import Bars, Lines, Sheet, Trend
from handlers.reports.figures import ServiceReport
from handlers.reports.period import Period
from handlers.reports.review import Review, review_text

Say = Callable[..., str]  # a text key and its values -> the text, in the report's language


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def period_name(say: Say, period: Period) -> str:
    if period.kind == "month":
        return say("rp.period.month", year=period.first_day.year, month=period.first_day.month)
    if period.kind == "quarter":
        quarter = (period.first_day.month - 1) // 3 + 1
        return say("rp.period.quarter", year=period.first_day.year, quarter=quarter)
    if period.kind == "year":
        return say("rp.period.year", year=period.first_day.year)
    year, week, _ = period.first_day.isocalendar()
    last = period.first_day + timedelta(days=period.days - 1)
    return say(
        "rp.period.week",
        year=year,
        week=week,
        start=period.first_day.strftime("%m-%d"),
        end=last.strftime("%m-%d"),
    )


def targets_panel(review: Review, say: Say) -> Bars:
    """The rate figures beside their targets: green met, red missed, a tick at the target."""
    rates = [f for f in review.figures if f.unit == "rate" and f.value is not None]
    return Bars(
        say("rp.chart.targets"),
        [say(f"rp.fig.{f.id}") for f in rates],
        [f.value for f in rates if f.value is not None],
        horizontal=True,
        percent=True,
        empty=say("rp.empty"),
        targets=[f.target for f in rates],
        met=[f.met for f in rates],
    )


def trend_panels(review: Review, say: Say) -> list[Lines]:
    """A quarter's or a year's months: the rates, and the median first response."""
    if not review.trend:
        return []
    labels = [f"{p.first_day.month}月" for p, _ in review.trend]
    rate_ids = [f.id for f in review.figures if f.unit == "rate"]
    series = [
        (say(f"rp.fig.{fid}"), [next(f.value for f in figs if f.id == fid) for _, figs in review.trend])
        for fid in rate_ids
    ]
    series = [(name, values) for name, values in series if any(v is not None for v in values)]
    response = [next(f.value for f in figs if f.id == "median_response") for _, figs in review.trend]
    return [
        Lines(say("rp.chart.months.rates"), labels, series, percent=True, empty=say("rp.empty")),
        Lines(
            say("rp.chart.months.response"),
            labels,
            [(say("rp.fig.median_response"), response)],
            empty=say("rp.empty"),
        ),
    ]


def staff_sheet(report: ServiceReport, say: Say, review: Review | None = None) -> Sheet:
    rates = [
        (say("rp.metric.response_sla"), report.response.rate),
        (say("rp.metric.resolve_sla"), report.resolution.rate),
        (say("rp.metric.closure"), report.closure_rate),
        (say("rp.metric.satisfaction"), report.satisfaction),
    ]
    known = [(label, value) for label, value in rates if value is not None]
    median_response = report.median_response_minutes
    median_resolution = report.median_resolution_hours
    subtitle = say(
        "rp.subtitle",
        total=report.total,
        response="-" if median_response is None else f"{median_response:.0f}",
        resolution="-" if median_resolution is None else f"{median_resolution:.1f}",
        messages=report.messages,
        negative=report.negative,
        alerts=sum(n for k, n in report.alerts.items() if not k.startswith("state:")),
    )
    return Sheet(
        title=say("rp.title.staff", community=report.community_name, period=period_name(say, report.period)),
        subtitle=subtitle,
        footer=say("rp.footer", at=report.as_of.astimezone(report.tz).strftime("%Y-%m-%d %H:%M")),
        columns=2,
        panels=[
            category_panel(report, say),
            Bars(
                say("rp.chart.building"),
                [b for b, _ in report.by_building],
                [n for _, n in report.by_building],
                empty=say("rp.empty"),
            ),
            rates_panel(known, say),
            Bars(
                say("rp.chart.rating", n=report.rated),
                list(report.ratings),
                list(report.ratings.values()) if report.rated else [],
                empty=say("rp.empty"),
            ),
            Trend(
                say("rp.chart.trend"),
                [d.strftime("%m-%d") for d, _, _ in report.daily],
                [n for _, _, n in report.daily],
                say("rp.legend.negative"),
                [n / m if m else None for _, m, n in report.daily],
                say("rp.legend.share"),
                empty=say("rp.empty"),
            ),
            Bars(
                say("rp.chart.places"),
                [say("rp.place", building=b, category=c) for b, c, _ in report.places],
                [n for _, _, n in report.places],
                horizontal=True,
                empty=say("rp.empty.places"),
            ),
            *review_panels(review, say),
        ],
    )


def comparison_panel(review: Review, say: Say) -> Lines:
    """A week's or a month's rates beside the same period a year before and the one before."""
    kind = review.period.kind
    rates = [f for f in review.figures if f.unit == "rate"]
    before = review.previous or {}
    year_ago = review.last_year or {}
    series = [
        (say(f"rp.fig.{f.id}"), [year_ago.get(f.id), before.get(f.id), f.value])
        for f in rates
        if f.value is not None or before.get(f.id) is not None or year_ago.get(f.id) is not None
    ]
    labels = [say("rp.cmp.col.yoy"), say(f"rp.cmp.col.prev.{kind}"), say(f"rp.cmp.col.this.{kind}")]
    return Lines(say("rp.chart.compare"), labels, series, percent=True, empty=say("rp.empty"))


def review_panels(review: Review | None, say: Say) -> list[Bars | Trend | Lines]:
    """The targets, and the comparisons: a quarter's or a year's months, or a week's or a
    month's rates against the period before and the same one a year before."""
    if review is None:
        return []
    if review.trend:
        return [targets_panel(review, say), *trend_panels(review, say)]
    return [targets_panel(review, say), comparison_panel(review, say)]


def category_panel(report: ServiceReport, say: Say) -> Bars:
    return Bars(
        say("rp.chart.category"),
        [c for c, _ in report.by_category],
        [n for _, n in report.by_category],
        empty=say("rp.empty"),
    )


def rates_panel(known: Sequence[tuple[str, float | None]], say: Say) -> Bars:
    return Bars(
        say("rp.chart.rates"),
        [k for k, _ in known],
        [v for _, v in known if v is not None],
        percent=True,
        empty=say("rp.empty"),
    )


def owner_sheet(report: ServiceReport, say: Say) -> Sheet:
    """The owners' version: categories and the service figures; nothing about any household."""
    rates = [
        (say("rp.metric.closure"), report.closure_rate),
        (say("rp.metric.response_sla"), report.response.rate),
        (say("rp.metric.satisfaction"), report.satisfaction),
    ]
    known = [(label, value) for label, value in rates if value is not None]
    return Sheet(
        title=say("rp.title.owners", community=report.community_name, period=period_name(say, report.period)),
        subtitle=say("rp.owner.subtitle", total=len(report.counted), done=report.done),
        footer=say("rp.owner.footer"),
        columns=2,
        panels=[
            category_panel(report, say),
            rates_panel(known, say),
        ],
    )


def staff_caption(report: ServiceReport, say: Say, review: Review | None = None) -> str:
    top = say("rp.sep").join(f"{c} {n}" for c, n in report.by_category[:3]) or say("rp.none")
    places = say("rp.sep").join(
        say("rp.place", building=b, category=c) + f" {n}" for b, c, n in report.places[:3]
    )
    caption = say(
        "rp.caption.staff",
        community=report.community_name,
        period=period_name(say, report.period),
        total=report.total,
        closure=_pct(report.closure_rate),
        response=_pct(report.response.rate),
        resolve=_pct(report.resolution.rate),
        satisfaction=_pct(report.satisfaction),
        rated=report.rated,
        top=top,
        places=places or say("rp.none"),
        negative=report.negative,
        messages=report.messages,
    )
    # The visit share's target is the review's (a community may set its own), else sla.toml's.
    target = next((f.target for f in review.figures if f.id == "visit_30min"), None) if review else None
    visits = visits_line(report, say, target)
    if visits:
        caption = f"{caption}\n{visits}"
    if review is None:
        return caption
    return caption + "\n\n" + review_text(say, review, report.low_ratings)


def visits_line(report: ServiceReport, say: Say, target: float | None = None) -> str:
    """「简单维修30分钟内到场 75%（3/4，目标 ≥ 90%）」; "" when the period had no simple repair.
    `target`: the community's (its review's), else the rule's."""
    visits = report.visits
    if visits is None or not visits.total:
        return ""
    return say(
        "rp.visits",
        within=report.visit_minutes,
        rate=_pct(visits.rate),
        visited=visits.visited,
        total=visits.total,
        target=_pct(visits.target if target is None else target),
    )


def owner_summary_text(report: ServiceReport, say: Say) -> str:
    """The owner-facing summary: aggregate figures and category names only."""
    top = say("rp.sep").join(say("rp.owner.top", category=c, n=n) for c, n in report.by_category[:3])
    minutes = report.median_response_minutes
    return say(
        "rp.owner.text",
        community=report.community_name,
        period=period_name(say, report.period),
        total=len(report.counted),
        repairs=report.by_kind["repair"],
        complaints=report.by_kind["complaint"],
        inquiries=report.by_kind["inquiry"],
        done=report.done,
        closure=_pct(report.closure_rate),
        response="-" if minutes is None else f"{minutes:.0f}",
        sla=_pct(report.response.rate),
        satisfaction=_pct(report.satisfaction),
        rated=report.rated,
        top=top or say("rp.none"),
    )
