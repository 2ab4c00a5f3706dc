"""Service reports: periods, the figures, CSV columns, PNG files, the owner summary (no
personal data), `/report`, 「发布业主版」 and the monthly schedule."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from matplotlib import image
from sqlalchemy import select

from handlers.reports import export, gather_report
from handlers.reports.charts import Bars, Trend, is_png
from handlers.reports.files import DAILY_COLUMNS, SUMMARY_COLUMNS, TICKET_COLUMNS
from handlers.reports.jobs import monthly_tick
from handlers.reports.period import Period
from handlers.reports.sheets import owner_sheet, owner_summary_text
from storage.directory.models import Chat, Community, Member, Steward
from storage.messages.models import MessageLog
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork
from tests.harness import alert_to_presser
from tests.opinion.conftest import OWNERS, OWNERS_2, STEWARDS, SUPERVISORS, OpinionHarness

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNIT = "3-2-1302"
OWNER_NAME = "张先生"
PHONE = "13812345678"


def local(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# -- periods ---------------------------------------------------------------------------------------


def test_periods_are_local_calendar_months_and_iso_weeks() -> None:
    month = Period.parse("2026-11", SHANGHAI)
    assert (month.kind, month.label, month.days) == ("month", "2026-11", 30)
    assert month.start == local(1, 0)
    assert month.end == local(1, 0, month=12)
    assert Period.parse("2026-12", SHANGHAI).end == datetime(2027, 1, 1, tzinfo=SHANGHAI)
    week = Period.parse("2026-w48", SHANGHAI)
    assert (week.label, week.start, week.days) == ("2026-W48", local(23, 0), 7)
    assert Period.containing("week", local(29, 23), SHANGHAI) == week
    assert Period.containing("month", local(1, 0), SHANGHAI).previous(SHANGHAI).label == "2026-10"
    for bad in ("2026-13", "11-2026", "2026-W60", "soon", ""):
        with pytest.raises(ValueError, match="not a month"):
            Period.parse(bad, SHANGHAI)


# -- data ------------------------------------------------------------------------------------------


async def seed_november(oh: OpinionHarness) -> None:
    """Tickets and owner messages of November 2026 for 绿溪园, written straight to the tables
    (the ticket lifecycle's columns set as the ticket feature would leave them)."""
    async with oh.app.sessions() as session:
        community = await session.scalar(select(Community).where(Community.code == "lxy"))
        owners = await session.scalar(select(Chat).where(Chat.platform_chat_id == OWNERS))
        stewards = await session.scalar(select(Chat).where(Chat.platform_chat_id == STEWARDS))
        wang = await session.scalar(select(Steward).where(Steward.name == "王管家"))
        assert community
        assert owners
        assert stewards
        assert wang
        now = oh.clock.now()
        owner = Member(
            platform="local",
            platform_user_id="u-zhang",
            display_name=OWNER_NAME,
            unit=UNIT,
            first_seen_at=now,
        )
        staff = Member(
            platform="local",
            platform_user_id="wang",
            display_name="王管家",
            steward_id=wang.id,
            first_seen_at=now,
        )
        session.add_all([owner, staff])
        await session.flush()

        def ticket(
            number: str,
            created: datetime,
            category: str | None,
            building: str | None,
            status: str,
            *,
            respond: float | None = None,
            resolve: float | None = None,
            respond_due: float = 0.5,
            resolve_due: float = 48,
            rating: str | None = None,
            kind: str = "repair",
        ) -> Ticket:
            def after(hours: float | None) -> datetime | None:
                return None if hours is None else created + timedelta(hours=hours)

            return Ticket(
                number=number,
                community_id=community.id,
                kind=kind,
                category=category,
                priority="normal",
                status=status,
                building=building,
                unit=UNIT if building == "3" else None,
                summary=f"{UNIT} {OWNER_NAME} {PHONE} 反映问题",
                owner_member_id=owner.id,
                source_chat_id=owners.id,
                created_at=created,
                updated_at=created,
                respond_due_at=after(respond_due),
                resolve_due_at=after(resolve_due),
                first_response_at=after(respond),
                resolved_at=after(resolve),
                closed_at=after(resolve + 1) if resolve is not None and status == "closed" else None,
                rating=rating,
            )

        session.add_all(
            [
                ticket(
                    "BX-1",
                    local(1, 0, 10),
                    "elevator",
                    "5",
                    "closed",
                    respond=1 / 3,
                    resolve=5,
                    rating="非常满意",
                ),
                ticket(
                    "BX-2", local(9), "elevator", "5", "closed", respond=0.75, resolve=60, rating="不满意"
                ),
                ticket(
                    "BX-3", local(10), "plumbing", "3", "resolved", respond=1 / 6, resolve=3, rating="满意"
                ),
                ticket(
                    "TS-1",
                    local(12),
                    "noise",
                    None,
                    "assigned",
                    respond_due=24,
                    resolve_due=72,
                    kind="complaint",
                ),
                ticket(
                    "TS-2",
                    local(22, 20),
                    "noise",
                    "1",
                    "open",
                    respond_due=24,
                    resolve_due=72,
                    kind="complaint",
                ),
                ticket("BX-4", local(15), "elevator", "5", "cancelled"),
                ticket("BX-5", local(18), "elevator", "5", "in_progress", respond=0.25),
                ticket(
                    "BX-0", local(31, 23, 30, month=10), "elevator", "5", "closed", respond=0.1, resolve=1
                ),
                ticket("BX-9", local(1, 0, month=12), "elevator", "5", "open"),
            ]
        )

        def message(at: datetime, negative: bool, chat: Chat = owners, member: Member = owner) -> MessageLog:
            return MessageLog(
                platform="local",
                chat_id=chat.id,
                community_id=community.id,
                member_id=member.id,
                platform_message_id=f"m{at.timestamp()}{negative}",
                kind="text",
                text="消息",
                sent_at=at,
                negative=negative,
            )

        session.add_all(
            [
                message(local(3, 8), True),
                message(local(3, 9), False),
                message(local(3, 10), False),
                message(local(3, 11), False),
                message(local(10, 9), True),
                message(local(10, 10), True),
                message(local(31, 23, month=10), True),  # October
                message(local(10, 11), True, member=staff),  # staff do not make opinion
                message(local(10, 12), True, chat=stewards),  # nor does the stewards' group
            ]
        )
        await session.commit()


async def november(oh: OpinionHarness) -> tuple[Community, Period]:
    async with oh.app.sessions() as session:
        community = await session.scalar(select(Community).where(Community.code == "lxy"))
    assert community is not None
    return community, Period.parse("2026-11", SHANGHAI)


async def test_the_report_figures(oh: OpinionHarness) -> None:
    await seed_november(oh)
    community, period = await november(oh)
    async with oh.app.sessions() as session:
        report = await gather_report(UnitOfWork(session), oh.app.services, community, period, oh.clock.now())
    assert [r.number for r in report.rows] == ["BX-1", "BX-2", "BX-3", "TS-1", "BX-4", "BX-5", "TS-2"]
    assert len(report.counted) == 6  # the cancelled one is left out of every rate
    assert report.by_category == [("电梯", 3), ("噪音扰民", 2), ("给排水", 1)]
    assert report.by_building == [("5栋", 3), ("1栋", 1), ("3栋", 1), ("未注明", 1)]
    assert (report.response.hit, report.response.missed, report.response.pending) == (3, 2, 1)
    assert report.response.rate == pytest.approx(0.6)
    assert (report.resolution.hit, report.resolution.missed, report.resolution.pending) == (2, 3, 1)
    assert report.closure_rate == pytest.approx(0.5)
    assert report.ratings == {"非常满意": 1, "满意": 1, "一般": 0, "不满意": 1}
    assert report.satisfaction == pytest.approx(2 / 3)
    assert report.median_response_minutes == pytest.approx(17.5)
    assert report.median_resolution_hours == pytest.approx(5)
    assert report.places == [("5栋", "电梯", 3)]
    assert len(report.daily) == 23  # November 1 to today (the 23rd)
    by_day = {d.day: (m, n) for d, m, n in report.daily}
    assert by_day[3] == (4, 1)
    assert by_day[10] == (2, 2)
    assert by_day[1] == (0, 0)
    assert (report.messages, report.negative) == (6, 3)


async def test_export_writes_csvs_with_their_columns_and_valid_pngs(
    oh: OpinionHarness, tmp_path: Path
) -> None:
    await seed_november(oh)
    out = tmp_path / "out"
    runtime, services, now = oh.app.runtime, oh.app.services, oh.clock.now()
    async with runtime.reading() as uow:
        paths = await export(uow, services, "lxy", "2026-11", out, now)
    names = sorted(p.name for p in paths)
    assert names == [
        "lxy-2026-11-daily.csv",
        "lxy-2026-11-owners.png",
        "lxy-2026-11-owners.txt",
        "lxy-2026-11-report.png",
        "lxy-2026-11-summary.csv",
        "lxy-2026-11-tickets.csv",
    ]
    assert all(p.parent == out and p.exists() for p in paths)

    def read(name: str) -> tuple[tuple[str, ...], list[dict[str, str]]]:
        with (out / name).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
        return tuple(reader.fieldnames or ()), rows

    columns, tickets = read("lxy-2026-11-tickets.csv")
    assert columns == TICKET_COLUMNS
    assert [t["number"] for t in tickets] == ["BX-1", "BX-2", "BX-3", "TS-1", "BX-4", "BX-5", "TS-2"]
    first = tickets[0]
    assert first["created_at"] == "2026-11-01T00:10+08:00"
    assert (first["response_minutes"], first["resolution_hours"]) == ("20.0", "5.0")
    assert (first["response_sla"], first["resolve_sla"], first["rating"]) == ("hit", "hit", "非常满意")
    assert tickets[4]["status"] == "cancelled"
    assert tickets[4]["response_sla"] == ""
    columns, daily = read("lxy-2026-11-daily.csv")
    assert columns == DAILY_COLUMNS
    assert daily[2] == {"date": "2026-11-03", "messages": "4", "negative": "1", "negative_share": "0.250"}
    columns, rows = read("lxy-2026-11-summary.csv")
    assert columns == SUMMARY_COLUMNS
    summary = {r["metric"]: r["value"] for r in rows}
    assert summary["tickets"] == "7"
    assert summary["closure_rate"] == "0.500"
    assert summary["response_sla_rate"] == "0.600"
    assert summary["satisfaction"] == "0.667"
    assert summary["rating:不满意"] == "1"

    for csv_path in out.glob("*.csv"):
        raw = csv_path.read_text(encoding="utf-8-sig")
        assert "1302" not in raw
        assert OWNER_NAME not in raw
        assert PHONE not in raw

    for png in (out / "lxy-2026-11-report.png", out / "lxy-2026-11-owners.png"):
        assert is_png(png)
        height, width, _ = image.imread(png).shape
        assert width >= 1000
        assert height >= 500

    async with runtime.reading() as uow:
        with pytest.raises(LookupError):
            await export(uow, services, "nowhere", "2026-11", out, now)
        with pytest.raises(ValueError, match="not a month"):
            await export(uow, services, "lxy", "November", out, now)


PERSONAL = re.compile(r"\d{3,4}\s*(室|房)|\d+-\d+-\d+|1[3-9]\d{9}|\d{4}")


async def test_the_owner_summary_has_no_personal_data(oh: OpinionHarness) -> None:
    await seed_november(oh)
    community, period = await november(oh)
    async with oh.app.sessions() as session:
        report = await gather_report(UnitOfWork(session), oh.app.services, community, period, oh.clock.now())
        names = [m.display_name for m in (await session.scalars(select(Member))).all()]
        names += [s.name for s in (await session.scalars(select(Steward))).all()]

    def render(key: str, **values: object) -> str:
        return oh.app.services.texts.render(key, "zh-Hans", **values)

    text = owner_summary_text(report, render)
    sheet = owner_sheet(report, render)
    strings = [text, sheet.title, sheet.subtitle, sheet.footer]
    for panel in sheet.panels:
        strings.append(panel.title)
        strings.extend(panel.labels)
        assert isinstance(panel, Bars | Trend)
    joined = "\n".join(strings)
    # the kinds named, questions apart from repairs and complaints (a cancelled one not counted)
    assert "本期共受理工单 6 件（报修 4 件、投诉 2 件、咨询 0 件），已办结 3 件（办结率 50%）" in text
    assert "主要问题：电梯 3 件 · 噪音扰民 2 件 · 给排水 1 件" in text
    assert UNIT not in joined
    assert "1302" not in joined
    assert PHONE not in joined
    assert not any(name and name in joined for name in names)
    assert not PERSONAL.search(joined.replace("2026", "")), joined  # no unit or phone-like numbers
    assert "BX-" not in joined  # not even ticket numbers


async def test_report_command_publish_button_and_owner_groups(oh: OpinionHarness) -> None:
    await seed_november(oh)
    await oh.say(SUPERVISORS, "li", "/report 2026-11")
    [report] = [m for m in oh.sent(SUPERVISORS) if m.outgoing and m.outgoing.image_path]
    assert report.outgoing is not None
    assert report.outgoing.image_path is not None
    assert is_png(Path(report.outgoing.image_path))
    assert "绿溪园 · 2026年11月 服务报告" in report.text
    assert "工单 7 件，办结率 50%，按时响应 60%，按时办结 40%，满意率 67%（3 份评价）" in report.text
    [[button]] = report.outgoing.buttons
    assert button.label == "发布业主版"
    assert button.data.startswith("rp:pub:")
    assert button.data.endswith(":2026-11")

    before = len(oh.sent(SUPERVISORS))
    await oh.press(SUPERVISORS, report, button.data, "wang")  # a steward may not publish
    assert alert_to_presser(oh.channel, SUPERVISORS) == "抱歉，该操作仅限主管及以上人员。"  # the role needed
    assert len(oh.sent(SUPERVISORS)) == before
    assert oh.sent(OWNERS) == []

    await oh.press(SUPERVISORS, report, button.data, "li")
    assert oh.sent(SUPERVISORS)[-1].text == "已将2026年11月服务简报发布到 2 个业主群。"
    for chat in (OWNERS, OWNERS_2):
        [posted] = oh.sent(chat)
        assert posted.outgoing is not None
        assert posted.outgoing.image_path is not None
        assert posted.outgoing.image_path.endswith("lxy-2026-11-owners.png")
        assert posted.text.startswith("📋 绿溪园 · 2026年11月 物业服务简报")
        assert "1302" not in posted.text
        assert OWNER_NAME not in posted.text
    await oh.press(SUPERVISORS, report, button.data, "li")  # pressed again: not posted twice
    assert "已发布过" in oh.sent(SUPERVISORS)[-1].text
    assert len(oh.sent(OWNERS)) == 1

    await oh.say(OWNERS, "u-zhang", "/report")  # never in an owner group
    assert "仅限物业工作人员" in oh.sent(OWNERS)[-1].text
    await oh.say(SUPERVISORS, "li", "/report soon")
    assert "/report 2026-11" in oh.sent(SUPERVISORS)[-1].text
    await oh.say(SUPERVISORS, "li", "/report week")
    assert "2026年第48周（11-23至11-29）" in oh.sent(SUPERVISORS)[-1].text


async def test_the_monthly_report_goes_to_the_supervisors_once(oh: OpinionHarness) -> None:
    await seed_november(oh)
    await oh.say("hbhy-owners", "u-hk", "B座大堂好多垃圾，冇人清")  # 海濱花園 had a November too
    oh.clock.set(datetime(2026, 12, 1, 8, 59, tzinfo=SHANGHAI))
    assert await monthly_tick(oh.app.runtime, oh.reports) == 0
    oh.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    assert await monthly_tick(oh.app.runtime, oh.reports) == 2  # 绿溪园 and 海濱花園
    await oh.app.sender.drain()
    [sent] = [m for m in oh.sent(SUPERVISORS) if m.outgoing and m.outgoing.image_path]
    assert "2026年11月" in sent.text
    assert sent.outgoing is not None
    assert sent.outgoing.image_path is not None
    report_dir = oh.app.settings.report_dir
    assert report_dir is not None
    assert Path(sent.outgoing.image_path).is_relative_to(report_dir)
    [hk] = [m for m in oh.sent("hbhy-supervisors") if m.outgoing and m.outgoing.image_path]
    assert "海濱花園 · 2026年11月 服務報告" in hk.text
    oh.clock.advance(timedelta(days=3))  # later ticks this month: nothing more
    assert await monthly_tick(oh.app.runtime, oh.reports) == 0
    job = oh.app.scheduler.get_job("reports:monthly")
    assert job is not None
    assert job.func is monthly_tick
