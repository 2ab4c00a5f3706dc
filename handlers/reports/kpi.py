"""Per-steward figures of a period and the 「月度服务之星」, from the report's ticket rows (pure).

A steward's tickets are the tickets opened in the period and assigned to them now (the same
tickets the community's report counts, cancelled ones left out):

- handled: how many;
- on-time response / resolution: hits of the decided deadlines (as the report's SLA rates);
- first-time fix: resolved and never reopened, of those resolved at least once;
- ratings: how many were rated, and how many 「非常满意」/「满意」 and 「不满意」;
- praise credited: owners' thanks matched to them (handlers/voices) in the period;
- 回访 done: the return calls they settled in the period (reached, or refused).

The service star (`star`) is the steward with the highest score, where score = first-time
fixes + satisfied ratings + praise − 「不满意」 ratings, among those who handled at least
`STAR_MIN_HANDLED` tickets and scored above 0; a tie goes to the better on-time resolution
rate, then to more tickets handled, then by name. Nobody qualifies: no star that month.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from handlers.reports.figures import SATISFIED, ServiceReport, SlaCount, TicketRow
from storage.tickets.status import DONE

STAR_MIN_HANDLED = 3
UNHAPPY = "不满意"


@dataclass(frozen=True)
class StewardKpi:
    steward_id: int
    name: str
    handled: int
    response: SlaCount
    resolution: SlaCount
    fixed_first_time: int
    resolved_once: int
    rated: int
    satisfied: int
    unhappy: int
    praise: int | None = None  # owners' thanks credited (None: not gathered)
    revisits: int | None = None  # 回访 calls settled (None: not gathered)

    @property
    def first_time_fix(self) -> float | None:
        return self.fixed_first_time / self.resolved_once if self.resolved_once else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    @property
    def score(self) -> int:
        return self.fixed_first_time + self.satisfied + (self.praise or 0) - self.unhappy


def _sla(outcomes: Iterable[str | None]) -> SlaCount:
    listed = [o for o in outcomes if o]
    return SlaCount(listed.count("hit"), listed.count("missed"), listed.count("pending"))


def steward_kpis(
    report: ServiceReport,
    stewards: Mapping[int, str],
    praise: Mapping[int, int] | None = None,
    revisits: Mapping[int, int] | None = None,
) -> list[StewardKpi]:
    """One line per steward on `stewards` (id → name; everyone on the roster who takes
    tickets, so a steward with none shows 0), best score first. `praise`: owners' thanks
    credited to each in the period; `revisits`: the 回访 calls each settled (None: not
    gathered, shown as n/a)."""
    mine: dict[int, list[TicketRow]] = {steward_id: [] for steward_id in stewards}
    for row in report.counted:
        if row.assignee_id is not None and row.assignee_id in mine:
            mine[row.assignee_id].append(row)
    lines = []
    for steward_id, rows in mine.items():
        resolved = [r for r in rows if r.status in DONE or r.reopened]
        lines.append(
            StewardKpi(
                steward_id=steward_id,
                name=stewards[steward_id],
                handled=len(rows),
                response=_sla(r.response_sla for r in rows),
                resolution=_sla(r.resolve_sla for r in rows),
                fixed_first_time=sum(1 for r in resolved if not r.reopened),
                resolved_once=len(resolved),
                rated=sum(1 for r in rows if r.rating),
                satisfied=sum(1 for r in rows if r.rating in SATISFIED),
                unhappy=sum(1 for r in rows if r.rating == UNHAPPY),
                praise=None if praise is None else praise.get(steward_id, 0),
                revisits=None if revisits is None else revisits.get(steward_id, 0),
            )
        )
    return sorted(lines, key=_rank)


def _rank(kpi: StewardKpi) -> tuple[int, float, int, str]:
    rate = kpi.resolution.rate
    return (-kpi.score, -(rate if rate is not None else -1.0), -kpi.handled, kpi.name)


def star(kpis: Iterable[StewardKpi]) -> StewardKpi | None:
    """The 「月度服务之星」 by the rule above; None when nobody handled enough tickets."""
    eligible = [k for k in kpis if k.handled >= STAR_MIN_HANDLED and k.score > 0]
    return min(eligible, key=_rank) if eligible else None
