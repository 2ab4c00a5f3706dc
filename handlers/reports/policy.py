"""Where reports are written and when the monthly one goes out: one typed value the
composition root builds from the settings (`bot.app.policies.report_policy`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from handlers.reports.figures import VisitRule


@dataclass(frozen=True)
class ReportPolicy:
    out_dir: Path
    monthly_day: int = 1
    report_time: time = time(9, 0)
    # Where the charts' CJK font is looked for, in order: "package" (noto-cjk-sans-otc),
    # "system" (matplotlib's list, Debian's fonts-noto-cjk) or a font file's path; none found:
    # the report goes as text and CSV (handlers.reports.charts).
    fonts: tuple[str, ...] = ("package", "system")
    # Simple repairs visited within 30 minutes (the monthly figure; tickets' sla.toml `[visits]`).
    visits: VisitRule = field(default_factory=VisitRule)
