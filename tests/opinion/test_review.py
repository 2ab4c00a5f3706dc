"""The management review: the figures against their targets, month on month and year on
year, quarters and years, the stewards' figures and the service star, the low-rated tickets,
`/kpi` and each steward's own month in private, checked against the hand-computed values of
the fixed data set in `tests/opinion/review_data.py` (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app.communities import load_community_file
from bot.app.policies import report_policy
from bot.app.settings import EXAMPLE_COMMUNITY_FILE, ConfigError, Settings
from handlers.reports import Targets, export, gather_report, load_targets
from handlers.reports.charts import Bars, Lines
from handlers.reports.chat import parse_period_args
from handlers.reports.figures import ServiceReport, SlaCount, TicketRow
from handlers.reports.files import TICKET_COLUMNS
from handlers.reports.gather import gather_review
from handlers.reports.jobs import kpi_tick
from handlers.reports.kpi import StewardKpi, star, steward_kpis
from handlers.reports.period import Period
from handlers.reports.review import Review
from handlers.reports.sheets import staff_sheet
from handlers.reports.targets import TargetError
from handlers.tickets.sla import DEFAULT_FILE as SLA_FILE
from storage.outbox.models import OutboxMessage
from tests.opinion.conftest import OWNERS, STEWARDS, SUPERVISORS, OpinionHarness
from tests.opinion.review_data import PHONE, SHANGHAI, seed_review

DECEMBER = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)


async def review_of(oh: OpinionHarness, label: str) -> tuple[ServiceReport, Review]:
    async with oh.app.runtime.reading() as uow:
        community = await uow.directory.community_by_code("lxy")
        assert community is not None
        period = Period.parse(label, SHANGHAI)
        report = await gather_report(uow, oh.app.services, community, period, oh.clock.now())
        review = await gather_review(
            uow, oh.app.services, Targets.defaults(), community, report, oh.clock.now()
        )
    return report, review


# -- periods ---------------------------------------------------------------------------------------


def test_quarters_and_years_and_their_comparisons() -> None:
    q4 = Period.parse("2026-q4", SHANGHAI)
    assert (q4.kind, q4.label, q4.days) == ("quarter", "2026-Q4", 92)
    assert q4.start == datetime(2026, 10, 1, tzinfo=SHANGHAI)
    assert q4.end == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    assert q4.previous(SHANGHAI).label == "2026-Q3"
    assert [m.label for m in q4.months(SHANGHAI)] == ["2026-10", "2026-11", "2026-12"]
    year = Period.parse("2026", SHANGHAI)
    assert (year.kind, year.days, year.previous(SHANGHAI).label) == ("year", 365, "2025")
    assert len(year.months(SHANGHAI)) == 12
    assert Period.parse("2026-11", SHANGHAI).a_year_before(SHANGHAI) == Period.parse("2025-11", SHANGHAI)
    assert q4.a_year_before(SHANGHAI) == Period.parse("2025-Q4", SHANGHAI)
    assert Period.parse("2026-W48", SHANGHAI).a_year_before(SHANGHAI) == Period.parse("2025-W48", SHANGHAI)
    assert Period.parse("2026-W53", SHANGHAI).a_year_before(SHANGHAI) is None  # 2025 had no week 53
    assert Period.containing("quarter", datetime(2026, 11, 23, tzinfo=SHANGHAI), SHANGHAI) == q4
    for bad in ("2026-Q5", "2026-Q0", "26-Q1", "20261"):
        with pytest.raises(ValueError, match="not a month"):
            Period.parse(bad, SHANGHAI)


# -- targets ---------------------------------------------------------------------------------------


def test_targets_come_from_the_sla_file_with_the_documents_defaults() -> None:
    assert load_targets(SLA_FILE).values == Targets.defaults().values
    defaults = Targets.defaults()
    assert defaults.get("complaint_closure") == 0.95
    assert defaults.get("overdue") == 0.05
    assert defaults.get("first_time_fix") == 0.90
    assert defaults.get("visit_30min") == 0.90
    assert defaults.get("revisit") == 1.0
    assert defaults.get("median_response") == 30
    changed = Targets.from_mapping({"complaint_closure": 98, "overdue": 0.03, "median_response": 45})
    assert (changed.get("complaint_closure"), changed.get("overdue")) == (0.98, 0.03)
    assert changed.get("median_response") == 45
    assert changed.get("satisfaction") == 0.90  # left out: the default
    with pytest.raises(TargetError, match="unknown target 'speed'"):
        Targets.from_mapping({"speed": 1})
    with pytest.raises(TargetError, match="a rate, at most 100"):
        Targets.from_mapping({"overdue": 250})
    with pytest.raises(TargetError, match="must be a number"):
        Targets.from_mapping({"overdue": "5%"})


def test_a_bad_target_in_the_sla_file_stops_steward_with_its_name(tmp_path: Path) -> None:
    sla = tmp_path / "sla.toml"
    sla.write_text(SLA_FILE.read_text(encoding="utf-8").replace("overdue = 5", "overdue = 500"), "utf-8")
    settings = Settings(database_url="sqlite+aiosqlite://", community_file=EXAMPLE_COMMUNITY_FILE)
    with pytest.raises(ConfigError, match=r"sla.toml: \[targets\]: target 'overdue' is a rate"):
        report_policy(settings, sla_file=sla)
    sla.write_text("[targets]\ncomplaint_closure = 98\n", "utf-8")
    assert report_policy(settings, sla_file=sla).targets.get("complaint_closure") == pytest.approx(0.98)
    assert report_policy(settings).targets == Targets.defaults()


def test_a_community_may_set_its_own_targets_in_the_community_file(tmp_path: Path) -> None:
    text = EXAMPLE_COMMUNITY_FILE.read_text(encoding="utf-8")
    anchor = 'knowledge = "knowledge/hbhy.toml"\n'
    assert anchor in text
    path = tmp_path / "community.toml"
    path.write_text(
        text.replace(anchor, anchor + "targets = { complaint_closure = 98, median_response = 60 }\n")
    )
    settings = Settings(database_url="sqlite+aiosqlite://", community_file=path)
    policy = report_policy(settings, load_community_file(path))
    hbhy, lxy = policy.targets_for("hbhy"), policy.targets_for("lxy")
    assert (hbhy.get("complaint_closure"), hbhy.get("median_response")) == (0.98, 60)
    assert hbhy.get("overdue") == 0.05  # the rest from sla.toml
    assert lxy == Targets.defaults()
    path.write_text(text.replace(anchor, anchor + "targets = { speed = 1 }\n"))
    with pytest.raises(ConfigError, match="unknown target 'speed'"):
        load_community_file(path)


async def test_the_figures_against_their_targets_by_hand(oh: OpinionHarness) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    report, review = await review_of(oh, "2026-11")
    assert [r.number for r in report.rows] == ["C-1", "C-2", "C-3", "C-4", "R-1", "R-2", "R-3", "R-4", "R-5"]
    got: dict[str, tuple[object, ...]] = {f.id: (f.value, f.target, f.met) for f in review.figures}
    assert got["complaint_closure"] == (pytest.approx(3 / 4), 0.95, False)  # C-3 still open
    assert got["overdue"] == (pytest.approx(2 / 8), 0.05, False)  # C-3 and R-3
    assert got["first_time_fix"] == (pytest.approx(6 / 7), 0.90, False)  # C-4 was reopened
    assert got["visit_30min"] == (pytest.approx(2 / 4), 0.90, False)  # of R-1 R-2 R-3 R-5
    assert got["revisit"] == (pytest.approx(4 / 5), 1.0, False)  # closed with an owner: R-3 unrated, uncalled
    assert got["satisfaction"] == (pytest.approx(3 / 5), 0.90, False)
    assert got["median_response"] == (pytest.approx(25), 30, True)  # 5 10 20 20 | 30 40 60 1800
    assert [f.id for f in review.misses] == [
        "complaint_closure",
        "overdue",
        "first_time_fix",
        "visit_30min",
        "revisit",
        "satisfaction",
    ]
    # month on month: October's one complaint, closed in 10 h after 60 min, 满意
    assert review.previous == {
        "complaint_closure": 1.0,
        "overdue": 0.0,
        "first_time_fix": 1.0,
        "visit_30min": None,
        "revisit": 1.0,  # C-0 closed and rated
        "satisfaction": 1.0,
        "median_response": pytest.approx(60),
    }
    # year on year: November 2025's one repair, 15 min, 不满意; no complaint
    assert review.last_year is not None
    assert review.last_year["complaint_closure"] is None
    assert review.last_year["satisfaction"] == 0.0
    assert review.last_year["median_response"] == pytest.approx(15)

    def say(key: str, **values: object) -> str:
        return oh.app.services.texts.render(key, "zh-Hans", **values)

    panels = staff_sheet(report, say, review).panels
    [targets] = [p for p in panels if isinstance(p, Bars) and p.title == "指标与目标（黑线为目标）"]
    assert list(targets.labels) == [
        "投诉办结率",
        "逾期率",
        "一次解决率",
        "简单维修30分钟上门率",
        "回访率",
        "满意率",
    ]
    assert list(targets.targets) == [0.95, 0.05, 0.90, 0.90, 1.0, 0.90]
    assert list(targets.met) == [False, False, False, False, False, False]
    [compared] = [p for p in panels if isinstance(p, Lines)]
    assert compared.title == "同比与环比：各项比率"
    assert list(compared.labels) == ["去年同期", "上月", "本月"]
    assert {name: list(values) for name, values in compared.series} == {
        "投诉办结率": [None, 1.0, pytest.approx(0.75)],
        "逾期率": [0.0, 0.0, pytest.approx(0.25)],
        "一次解决率": [1.0, 1.0, pytest.approx(6 / 7)],
        "简单维修30分钟上门率": [0.0, None, pytest.approx(0.5)],  # R-0 a year ago, not on site in time
        "回访率": [1.0, 1.0, pytest.approx(0.8)],
        "满意率": [0.0, 1.0, pytest.approx(0.6)],
    }


async def test_the_stewards_figures_and_the_service_star_by_hand(oh: OpinionHarness) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    _, review = await review_of(oh, "2026-11")
    by_name = {k.name: k for k in review.kpis}
    assert [k.name for k in review.kpis] == ["王管家", "赵师傅", "刘管家"]  # by score
    wang, liu, zhao = by_name["王管家"], by_name["刘管家"], by_name["赵师傅"]
    assert (wang.handled, wang.response, wang.resolution) == (5, SlaCount(5, 0, 0), SlaCount(5, 0, 0))
    assert (wang.fixed_first_time, wang.resolved_once, wang.rated, wang.satisfied, wang.unhappy) == (
        5,
        5,
        4,
        3,
        0,
    )
    assert wang.score == 10  # 5 fixed first time + 3 satisfied + 2 praise - 0 unhappy
    assert (liu.handled, liu.response.rate, liu.resolution.rate) == (2, 0.5, 0.5)
    assert (liu.first_time_fix, liu.rated, liu.unhappy, liu.score) == (0.0, 1, 1, -1)
    assert (zhao.handled, zhao.response.rate, zhao.resolution.rate, zhao.first_time_fix) == (1, 0.0, 0.0, 1.0)
    assert (wang.praise, wang.revisits) == (2, 0)  # 「陈师傅」 is on no roster: nobody's
    assert (zhao.praise, zhao.revisits) == (0, 1)  # R-0's call, settled in November
    assert (liu.praise, liu.revisits) == (0, 0)  # a call not reached settles nothing
    assert review.star is not None
    assert review.star.name == "王管家"


def row(
    number: str, assignee: int, status: str = "closed", rating: str | None = None, **kw: object
) -> TicketRow:
    at = datetime(2026, 11, 2, tzinfo=SHANGHAI)
    values: dict[str, object] = {
        "number": number,
        "kind": "repair",
        "category": "给排水",
        "building": "3栋",
        "priority": "normal",
        "status": status,
        "created_at": at,
        "first_response_at": at,
        "resolved_at": at,
        "closed_at": at,
        "response_minutes": 1.0,
        "resolution_hours": 1.0,
        "response_sla": "hit",
        "resolve_sla": "hit",
        "rating": rating,
        "assignee_id": assignee,
    } | kw
    return TicketRow(**values)  # type: ignore[arg-type]


def test_the_star_rule_ties_and_the_minimum() -> None:
    period = Period.parse("2026-11", SHANGHAI)
    report = ServiceReport("x", "x", "zh-Hans", SHANGHAI, period, period.end)
    # A and B score 3 each; B resolved one late, so A; C scores 4 but handled only 2.
    report.rows = [
        row("a1", 1),
        row("a2", 1),
        row("a3", 1),
        row("b1", 2),
        row("b2", 2, resolve_sla="missed"),
        row("b3", 2),
        row("c1", 3, rating="满意"),
        row("c2", 3, rating="非常满意"),
    ]
    kpis = steward_kpis(report, {1: "甲", 2: "乙", 3: "丙", 4: "丁"})
    assert [(k.name, k.score) for k in kpis] == [("丙", 4), ("甲", 3), ("乙", 3), ("丁", 0)]
    best = star(kpis)
    assert best is not None
    assert best.name == "甲"
    # An unhappy rating costs what the fix earned: 甲's fourth ticket, fixed first time but
    # rated 不满意, leaves 甲 at 3.
    report.rows = [*report.rows, row("a4", 1, rating="不满意")]
    kpis = steward_kpis(report, {1: "甲"})
    assert [(k.handled, k.score, k.unhappy) for k in kpis] == [(4, 3, 1)]
    # Equal scores, both on time: more tickets handled wins (乙's fourth was reopened).
    report.rows = [
        *(row(f"a{n}", 1) for n in range(3)),
        *(row(f"b{n}", 2) for n in range(3)),
        row("b3", 2, status="in_progress", reopened=True),
    ]
    kpis = steward_kpis(report, {1: "甲", 2: "乙"})
    assert [(k.name, k.score, k.handled) for k in kpis] == [("乙", 3, 4), ("甲", 3, 3)]
    assert star([StewardKpi(1, "甲", 2, SlaCount(), SlaCount(), 2, 2, 2, 2, 0)]) is None  # 2 handled
    # 4 handled, nothing fixed first time, nobody pleased: no star for a score of 0
    assert star([StewardKpi(1, "甲", 4, SlaCount(), SlaCount(), 0, 0, 0, 0, 0)]) is None


# -- the monthly report ----------------------------------------------------------------------------


async def test_the_monthly_report_shows_targets_comparisons_star_and_low_ratings(oh: OpinionHarness) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    await oh.say(SUPERVISORS, "li", "/report 2026-11")
    [report] = [m for m in oh.sent(SUPERVISORS) if m.outgoing and m.outgoing.image_path]
    text = report.text
    assert "【指标对照目标】" in text
    assert "❌ 投诉办结率 75%（目标 ≥95%） · 上月 100% · 去年同期 -" in text
    assert "❌ 逾期率 25%（目标 ≤5%） · 上月 0% · 去年同期 0%" in text
    assert "❌ 一次解决率 86%（目标 ≥90%） · 上月 100% · 去年同期 100%" in text
    assert "❌ 简单维修30分钟上门率 50%（目标 ≥90%） · 上月 - · 去年同期 0%" in text
    assert "❌ 回访率 80%（目标 ≥100%） · 上月 100% · 去年同期 100%" in text
    assert "❌ 满意率 60%（目标 ≥90%） · 上月 100% · 去年同期 0%" in text
    assert "✅ 首次响应中位时间 25 分钟（目标 ≤30 分钟） · 上月 60 分钟 · 去年同期 15 分钟" in text
    assert "未达标 6 项：投诉办结率、逾期率、一次解决率、简单维修30分钟上门率、回访率、满意率" in text
    assert "【月度服务之星】王管家（处理 5 件，一次解决 5 件，好评 3 份）" in text
    assert "【本月低评工单 2 件】" in text
    assert "C-4 噪音扰民 · 刘管家 · 不满意：师傅态度不好，电话" in text
    assert "R-2 给排水 · 王管家 · 一般：业主未说明原因" in text
    assert PHONE not in text  # the owner's reason is masked
    assert "什么时候来修" not in text  # a note before the rating is no reason for it


async def test_the_csv_names_the_assignee_and_the_summary_the_targets(
    oh: OpinionHarness, tmp_path: Path
) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    async with oh.app.runtime.reading() as uow:
        await export(
            uow, oh.app.services, "lxy", "2026-11", tmp_path, oh.clock.now(), targets=Targets.defaults()
        )
    with (tmp_path / "lxy-2026-11-tickets.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = {r["number"]: r for r in reader}
        assert tuple(reader.fieldnames or ()) == TICKET_COLUMNS
    assert TICKET_COLUMNS[-1] == "assignee"
    assert [rows[n]["assignee"] for n in ("C-1", "C-3", "R-3")] == ["王管家", "刘管家", "赵师傅"]
    with (tmp_path / "lxy-2026-11-summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        summary = {r["metric"]: r["value"] for r in csv.DictReader(handle)}
    assert (summary["figure:complaint_closure"], summary["target:complaint_closure"]) == ("0.750", "0.950")
    assert summary["met:complaint_closure"] == "no"
    assert (summary["figure:median_response"], summary["met:median_response"]) == ("25.000", "yes")
    assert (summary["figure:visit_30min"], summary["met:visit_30min"]) == ("0.500", "no")


async def test_a_quarter_draws_the_months_trend(oh: OpinionHarness) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    report, review = await review_of(oh, "2026-Q4")
    assert review.star is None  # the star is the month's
    assert [p.label for p, _ in review.trend] == ["2026-10", "2026-11", "2026-12"]
    assert review.previous is not None
    assert review.previous["median_response"] is None  # Q3 had nothing
    texts = oh.app.services.texts

    def say(key: str, **values: object) -> str:
        return texts.render(key, "zh-Hans", **values)

    panels = staff_sheet(report, say, review).panels
    lines = [p for p in panels if isinstance(p, Lines)]
    assert [p.title for p in lines] == ["月度趋势：各项比率", "月度趋势：首次响应中位时间（分钟）"]
    assert list(lines[0].labels) == ["10月", "11月", "12月"]
    rates = dict(lines[0].series)
    assert list(rates["投诉办结率"]) == [1.0, pytest.approx(0.75), None]
    assert list(lines[1].series[0][1]) == [pytest.approx(60), pytest.approx(25), None]
    [targets] = [p for p in panels if isinstance(p, Bars) and p.title.startswith("指标与目标")]
    # Q4 (October's C-0 and November's): complaints 4/5, overdue 2/9, first-time fix 7/8,
    # simple repairs visited in time 2/4, 回访 5/6 (C-0, C-1, C-2, R-1, R-2 rated; R-3 not),
    # satisfaction 4/6
    assert list(targets.labels) == [
        "投诉办结率",
        "逾期率",
        "一次解决率",
        "简单维修30分钟上门率",
        "回访率",
        "满意率",
    ]
    assert list(targets.values) == [
        pytest.approx(0.8),
        pytest.approx(2 / 9),
        pytest.approx(7 / 8),
        pytest.approx(2 / 4),
        pytest.approx(5 / 6),
        pytest.approx(4 / 6),
    ]
    assert list(targets.met) == [False, False, False, False, False, False]
    await oh.say(SUPERVISORS, "li", "/report 2026-Q4")
    [drawn] = [m for m in oh.sent(SUPERVISORS) if m.outgoing and m.outgoing.image_path]
    assert "2026年第4季度" in drawn.text
    assert "上季度 -" in drawn.text
    assert "【月度服务之星】" not in drawn.text


# -- /kpi and each steward's own month ------------------------------------------------------------


async def test_kpi_for_supervisors_in_their_chats_only(oh: OpinionHarness) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    await oh.say(SUPERVISORS, "li", "/kpi 2026-11")
    text = oh.sent(SUPERVISORS)[-1].text
    lines = text.splitlines()
    assert lines[0] == "【管家绩效】绿溪园 · 2026年11月"
    assert lines[1] == (
        "王管家：处理 5 件 · 按时响应 100% · 按时办结 100% · 一次解决 100% · "
        "评价 4 份（满意率 75%，不满意 0）· 表扬 2 · 回访 0"
    )
    assert lines[2].startswith("赵师傅：处理 1 件 · 按时响应 0% · 按时办结 0% · 一次解决 100%")
    assert lines[2].endswith("· 表扬 0 · 回访 1")
    assert lines[3].startswith("刘管家：处理 2 件 · 按时响应 50% · 按时办结 50% · 一次解决 0%")
    assert lines[4] == "【月度服务之星】王管家（处理 5 件，一次解决 5 件，好评 3 份）"

    await oh.say(STEWARDS, "wang", "/kpi 2026-11")  # a steward may not
    assert "主管" in oh.sent(STEWARDS)[-1].text
    assert "处理 5 件" not in oh.sent(STEWARDS)[-1].text
    await oh.say(STEWARDS, "li", "/kpi 2026-11")  # a supervisor, but in the stewards' group
    assert oh.sent(STEWARDS)[-1].text == "管家绩效请在主管群、管理层群或私聊中查看。"
    await oh.say(OWNERS, "li", "/kpi 2026-11")  # never in an owner group
    assert oh.sent(OWNERS)[-1].text == "管家绩效请在主管群、管理层群或私聊中查看。"
    await oh.say("li", "li", "/kpi 2026-11", private=True)  # privately: their own community
    assert oh.sent("li")[-1].text.startswith("【管家绩效】绿溪园 · 2026年11月\n王管家：处理 5 件")
    await oh.say(SUPERVISORS, "li", "/kpi someday")
    assert "/report 2026-11" in oh.sent(SUPERVISORS)[-1].text


async def test_each_steward_gets_their_own_month_privately_once(oh: OpinionHarness) -> None:
    await seed_review(oh)
    for user in ("wang", "liu"):  # 赵师傅 never wrote to Steward privately
        await oh.say(user, user, "你好", private=True)
    oh.clock.set(datetime(2026, 12, 1, 8, 59, tzinfo=SHANGHAI))
    assert await kpi_tick(oh.app.runtime, oh.reports) == 0  # not before the report time
    oh.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    assert await kpi_tick(oh.app.runtime, oh.reports) == 2
    await oh.app.sender.drain()
    wang = oh.sent("wang")[-1].text
    assert wang.startswith("王管家，您2026年11月的服务数据：\n王管家：处理 5 件")
    assert wang.endswith("恭喜您获评本月「月度服务之星」！")
    liu = oh.sent("liu")[-1].text
    assert liu.startswith("刘管家，您2026年11月的服务数据：\n刘管家：处理 2 件")
    assert "王管家" not in liu  # their own figures only
    assert "月度服务之星" not in liu
    oh.clock.advance(timedelta(hours=1))
    assert await kpi_tick(oh.app.runtime, oh.reports) == 0  # once
    async with oh.app.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.ref_type == "kpi"))).all()
    assert sorted(r.platform_chat_id for r in rows) == ["liu", "wang"]  # private chats, never a group
    job = oh.app.scheduler.get_job("reports:kpi")
    assert job is not None
    assert job.func is kpi_tick


async def test_kpi_reads_in_the_community_language_and_scope(oh: OpinionHarness) -> None:
    await seed_review(oh)
    oh.clock.set(DECEMBER)
    await oh.say("hbhy-supervisors", "cheung", "/kpi 上月")
    text = oh.sent("hbhy-supervisors")[-1].text
    assert text.startswith("【管家績效】海濱花園 · 2026年11月\n何姑娘：處理 0 件")
    assert "王管家" not in text  # 绿溪园's stewards are not theirs
    assert text.endswith("【月度服務之星】本月暫無（需處理至少 3 件工單且得分為正）")


def test_period_words() -> None:
    now = datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)
    words = {
        word: parse_period_args([word], now, SHANGHAI).label
        for word in ("上月", "本季度", "lastquarter", "year", "去年", "lastweek")
    }
    assert words == {
        "上月": "2026-10",
        "本季度": "2026-Q4",
        "lastquarter": "2026-Q3",
        "year": "2026",
        "去年": "2025",
        "lastweek": "2026-W47",
    }
    assert parse_period_args([], now, SHANGHAI).label == "2026-11"
