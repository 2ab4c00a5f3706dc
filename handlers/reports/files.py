"""A report on disk: tickets, daily-opinion and summary CSVs (UTF-8 with BOM, so Excel reads
the Chinese) and both PNG sheets (none when no CJK font can be had: the CSVs still are)."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from handlers.reports.charts import DEFAULT_SOURCES, FontMissing, find_cjk_font, render
from handlers.reports.figures import ServiceReport
from handlers.reports.review import Review
from handlers.reports.sheets import Say, owner_sheet, staff_sheet

log = logging.getLogger(__name__)

TICKET_COLUMNS = (
    "number",
    "kind",
    "category",
    "building",
    "priority",
    "status",
    "created_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "response_minutes",
    "resolution_hours",
    "response_sla",
    "resolve_sla",
    "rating",
    "assignee",
)
DAILY_COLUMNS = ("date", "messages", "negative", "negative_share")
SUMMARY_COLUMNS = ("metric", "value")


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="minutes") if value else ""


def _num(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def summary_rows(report: ServiceReport, review: Review | None = None) -> list[tuple[str, str]]:
    rows = [
        ("community", report.community_code),
        ("period", report.period.label),
        ("tickets", str(report.total)),
        ("tickets_counted", str(len(report.counted))),
        ("done", str(report.done)),
        ("closure_rate", _num(report.closure_rate, 3)),
        ("response_sla_hit", str(report.response.hit)),
        ("response_sla_missed", str(report.response.missed)),
        ("response_sla_rate", _num(report.response.rate, 3)),
        ("resolve_sla_hit", str(report.resolution.hit)),
        ("resolve_sla_missed", str(report.resolution.missed)),
        ("resolve_sla_rate", _num(report.resolution.rate, 3)),
        ("median_response_minutes", _num(report.median_response_minutes)),
        ("median_resolution_hours", _num(report.median_resolution_hours)),
        ("rated", str(report.rated)),
        ("satisfaction", _num(report.satisfaction, 3)),
        ("callbacks_due", str(report.callbacks.due)),
        ("callbacks_done", str(report.callbacks.done)),
        ("callback_rate", _num(report.callbacks.rate, 3)),
        ("messages", str(report.messages)),
        ("negative_messages", str(report.negative)),
        ("alerts", str(sum(n for k, n in report.alerts.items() if not k.startswith("state:")))),
    ]
    rows += [(f"rating:{k}", str(n)) for k, n in report.ratings.items()]
    rows += [(f"alerts:{k}", str(n)) for k, n in sorted(report.alerts.items())]
    for figure in review.figures if review is not None else ():
        met = "" if figure.met is None else ("yes" if figure.met else "no")
        rows += [
            (f"figure:{figure.id}", _num(figure.value, 3)),
            (f"target:{figure.id}", _num(figure.target, 3)),
            (f"met:{figure.id}", met),
        ]
    return rows


def write_csv(report: ServiceReport, out_dir: Path, stem: str, review: Review | None = None) -> list[Path]:
    """tickets, daily opinion and summary CSVs (UTF-8 with BOM, so Excel reads the Chinese)."""
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    tz = report.tz
    paths = []
    tickets = out_dir / f"{stem}-tickets.csv"
    with tickets.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(TICKET_COLUMNS)
        for r in report.rows:
            writer.writerow(
                [
                    r.number,
                    r.kind,
                    r.category,
                    r.building,
                    r.priority,
                    r.status,
                    _when(r.created_at, tz),
                    _when(r.first_response_at, tz),
                    _when(r.resolved_at, tz),
                    _when(r.closed_at, tz),
                    _num(r.response_minutes),
                    _num(r.resolution_hours),
                    r.response_sla or "",
                    r.resolve_sla or "",
                    r.rating or "",
                    r.assignee,
                ]
            )
    paths.append(tickets)
    daily = out_dir / f"{stem}-daily.csv"
    with daily.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(DAILY_COLUMNS)
        for day, messages, negative in report.daily:
            writer.writerow(
                [day.isoformat(), messages, negative, _num(negative / messages if messages else None, 3)]
            )
    paths.append(daily)
    summary = out_dir / f"{stem}-summary.csv"
    with summary.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(SUMMARY_COLUMNS)
        writer.writerows(summary_rows(report, review))
    paths.append(summary)
    return paths


def summary_csv(report: ServiceReport, review: Review | None = None) -> str:
    """The summary as CSV text (what a chat gets when no chart can be drawn)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    writer.writerows(summary_rows(report, review))
    return out.getvalue().rstrip("\n")


@dataclass(frozen=True)
class Files:
    staff_png: Path | None  # None: no CJK font, no chart (`no_chart` says why)
    owner_png: Path | None
    csv: list[Path]
    no_chart: str | None = None


async def draw(
    report: ServiceReport,
    say: Say,
    out_dir: Path,
    stem: str,
    fonts: tuple[str, ...] = DEFAULT_SOURCES,
    review: Review | None = None,
) -> Files:
    """CSV and both PNGs; the drawing runs in a worker thread (about a second of CPU). Without
    a CJK font (`fonts`: where to look) only the CSVs are written. `review`: the staff sheet
    and the summary carry the figures against their targets (and a quarter's trend)."""
    try:
        font = find_cjk_font(report.lang, fonts)
    except FontMissing as missing:
        log.warning("reports: no chart for %s: %s", stem, missing)
        csv_paths = await asyncio.to_thread(write_csv, report, out_dir, stem, review)
        return Files(None, None, csv_paths, str(missing))
    staff, owners = staff_sheet(report, say, review), owner_sheet(report, say)

    def work() -> Files:
        csv_paths = write_csv(report, out_dir, stem, review)
        return Files(
            render(staff, out_dir / f"{stem}-report.png", font),
            render(owners, out_dir / f"{stem}-owners.png", font),
            csv_paths,
        )

    return await asyncio.to_thread(work)
