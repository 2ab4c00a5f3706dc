"""Where reports are written and when the monthly one goes out: one typed value the
composition root builds from the settings (`bot.app.policies.report_policy`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from handlers.reports.figures import VisitRule
from handlers.reports.targets import Targets


@dataclass(frozen=True)
class ReportPolicy:
    out_dir: Path
    monthly_day: int = 1
    report_time: time = time(9, 0)
    # Where the charts' CJK font is looked for, in order: "package" (noto-cjk-sans-otc),
    # "system" (matplotlib's list, Debian's fonts-noto-cjk) or a font file's path; none found:
    # the report goes as text and CSV (handlers.reports.charts).
    fonts: tuple[str, ...] = ("package", "system")
    # The documents' targets each figure is shown against ([targets] in sla.toml), and a
    # community's own where its entry in the community file has `[community.targets]`.
    targets: Targets = field(default_factory=Targets.defaults)
    community_targets: Mapping[str, Targets] = field(default_factory=dict)
    # Each steward's own last month goes to them privately from the report day, by this day.
    kpi_by_day: int = 5

    def targets_for(self, community_code: str) -> Targets:
        return self.community_targets.get(community_code, self.targets)

    # Simple repairs visited within 30 minutes (the monthly figure; tickets' sla.toml `[visits]`).
    visits: VisitRule = field(default_factory=VisitRule)
