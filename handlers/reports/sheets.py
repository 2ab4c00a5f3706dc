"""What a report shows, in words and sheets: the staff sheet and the owners' sheet (drawn by
`handlers.reports.charts`), the caption under the staff picture and the owners' summary.
The owners' versions carry aggregate figures and category names only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from handlers.reports.charts import Bars, Sheet, Trend
from handlers.reports.figures import ServiceReport
from handlers.reports.period import Period

Say = Callable[..., str]  # a text key and its values -> the text, in the report's language


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def period_name(say: Say, period: Period) -> str:
    if period.kind == "month":
        return say("rp.period.month", year=period.first_day.year, month=period.first_day.month)
    year, week, _ = period.first_day.isocalendar()
    last = period.first_day + timedelta(days=period.days - 1)
    return say(
        "rp.period.week",
        year=year,
        week=week,
        start=period.first_day.strftime("%m-%d"),
        end=last.strftime("%m-%d"),
    )


def staff_sheet(report: ServiceReport, say: Say) -> Sheet:
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
        ],
    )


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


def staff_caption(report: ServiceReport, say: Say) -> str:
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
    visits = visits_line(report, say)
    return f"{caption}\n{visits}" if visits else caption


def visits_line(report: ServiceReport, say: Say) -> str:
    """「简单维修30分钟内到场 75%（3/4，目标 ≥ 90%）」; "" when the period had no simple repair."""
    visits = report.visits
    if visits is None or not visits.total:
        return ""
    return say(
        "rp.visits",
        within=report.visit_minutes,
        rate=_pct(visits.rate),
        visited=visits.visited,
        total=visits.total,
        target=_pct(visits.target),
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
