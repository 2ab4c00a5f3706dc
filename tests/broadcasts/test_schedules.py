"""Recurring and one-off schedules in three time zones, run by their jobs on a frozen clock;
restart recovery (jobs rebuilt from the tables), missed runs within and beyond the grace period,
pause / resume / delete, and one run however many runners."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from nlp.classifier import Classifier
from tests.broadcasts.conftest import Rig, community_block

ZONES = {"sh": ZoneInfo("Asia/Shanghai"), "hk": ZoneInfo("Asia/Hong_Kong"), "tp": ZoneInfo("Asia/Taipei")}
START = datetime(2026, 11, 23, 10, 0, tzinfo=ZONES["sh"])  # Monday


@pytest.fixture
async def zones(engine: AsyncEngine, db_url: str, classifier: Classifier, three_zones: Path) -> Rig:
    rig = Rig(engine, db_url, classifier, community_file=three_zones, start=START)
    await rig.start()
    return rig


def bc_jobs(rig: Rig) -> set[str]:
    return {job.id for job in rig.app.scheduler.get_jobs() if job.id.startswith("bc:")}


async def run_jobs(rig: Rig, prefix: str = "bc:") -> None:
    """What APScheduler does when the jobs' times come: call them (here, all at once)."""
    for job in rig.app.scheduler.get_jobs():
        if job.id.startswith(prefix) and job.id != "bc:tick":
            await job.func(*job.args)
    await rig.app.sender.drain()


async def test_a_daily_schedule_for_every_community_fires_at_nine_local_in_each(zones: Rig) -> None:
    await zones.say(
        "admin-dm", "admin", "/notice 所有小区 每天 09:00 早上好，今日天气转凉，注意保暖。", private=True
    )
    preview = zones.last("admin-dm")
    assert "通知预览 S1" in preview
    assert "每天 09:00（Asia/Shanghai）" in preview
    assert "每天 09:00（Asia/Hong_Kong）" in preview
    assert "每天 09:00（Asia/Taipei）" in preview
    await zones.press("admin-dm", "bc:ok:", "admin")
    assert zones.last("admin-dm").count("已启用") == 3

    planned = await zones.jobs.rebuild()
    schedules = {s.id: s for s in await zones.schedules()}
    code_of = {1: "sh", 2: "hk", 3: "tp"}
    for sid, schedule in schedules.items():
        tz = ZONES[code_of[sid]]
        assert schedule.timezone == str(tz)
        assert planned[f"bc:S{sid}"] == datetime(2026, 11, 24, 9, 0, tzinfo=tz)

    zones.at(datetime(2026, 11, 24, 9, 0, tzinfo=ZONES["sh"]))
    await run_jobs(zones)
    await run_jobs(zones)  # early, late or twice: still once
    for code in ZONES:
        for group in (1, 2):
            [message] = zones.texts(f"{code}-owners-{group}")
            assert "早上好" in message
    assert zones.texts("hk-owners-1")[0].startswith("📢【海景苑管理處通告】")
    assert "今日天氣轉涼" in zones.texts("tp-owners-1")[0]  # Taiwan Traditional
    runs = [b for b in await zones.broadcasts() if b.schedule_id]
    assert sorted(str(b.run_key) for b in runs) == [f"S{i}@20261124T0100" for i in (1, 2, 3)]

    planned = await zones.jobs.rebuild()
    assert planned["bc:S2"] == datetime(2026, 11, 25, 9, 0, tzinfo=ZONES["hk"])


async def test_jobs_are_rebuilt_from_the_tables_after_a_restart(
    zones: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await zones.say("sh-supervisors", "sh-boss", "/notice 每周一 09:00 每周例行消防巡查")
    await zones.press("sh-supervisors", "bc:ok:", "sh-boss")
    await zones.say("sh-supervisors", "sh-boss", "/notice 2026-11-26 15:00 周四下午停车场施工")
    await zones.press("sh-supervisors", "bc:ok:", "sh-boss")
    assert [s.status for s in await zones.schedules()] == ["active"]

    # The process dies. A new one starts on the same database: its scheduler knows nothing
    # until the tick rebuilds the jobs from the tables.
    after = await zones.restart()
    assert bc_jobs(after) == {"bc:tick"}
    planned = await after.jobs.rebuild()
    assert planned == {
        "bc:S1": datetime(2026, 11, 30, 9, 0, tzinfo=ZONES["sh"]),
        "bc:N1": datetime(2026, 11, 26, 15, 0, tzinfo=ZONES["sh"]),
    }
    assert bc_jobs(after) == {"bc:tick", "bc:S1", "bc:N1"}

    # Down again over Thursday 15:00; back at 15:20: missed by less than the 30-minute grace,
    # so the notice goes once, now.
    after.at(datetime(2026, 11, 26, 15, 20, tzinfo=ZONES["sh"]))
    again = await after.restart()
    await again.tick()
    await again.tick()
    assert [t for t in again.texts("sh-owners-1") if "停车场" in t] == [again.last("sh-owners-1")]

    # Down over Monday 09:00 and back at 11:00: too late; the run is skipped and logged.
    again.at(datetime(2026, 11, 30, 11, 0, tzinfo=ZONES["sh"]))
    final = await again.restart()
    with caplog.at_level(logging.WARNING, logger="handlers.broadcasts.schedules"):
        await final.tick()
    assert not any("消防巡查" in t for t in final.texts("sh-owners-1"))
    assert (
        "schedule S1: the run due at 2026-11-30T01:00:00+00:00 was missed by more than 0:30:00; skipped"
        in caplog.text
    )
    assert (await final.jobs.rebuild())["bc:S1"] == datetime(2026, 12, 7, 9, 0, tzinfo=ZONES["sh"])

    final.at(datetime(2026, 12, 7, 9, 0, tzinfo=ZONES["sh"]))
    await final.tick()
    assert "消防巡查" in final.last("sh-owners-1")


async def test_a_one_off_missed_by_more_than_the_grace_is_skipped_not_sent_late(
    zones: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await zones.say("hk-supervisors", "hk-boss", "/notice 明天 10:00 大堂地毯清洗")
    await zones.press("hk-supervisors", "bc:ok:", "hk-boss")
    zones.at(datetime(2026, 11, 24, 12, 0, tzinfo=ZONES["hk"]))
    with caplog.at_level(logging.WARNING, logger="handlers.broadcasts.fanout"):
        await zones.tick()
    assert zones.sent("hk-owners-1") == []
    assert "missed by more than 0:30:00: skipped" in caplog.text
    [broadcast] = await zones.broadcasts()
    assert broadcast.status == "skipped"
    await zones.say("hk-supervisors", "hk-boss", "/notice list")
    assert "N1 已錯過" in zones.last("hk-supervisors")


async def test_a_missed_one_off_tells_the_supervisors_once_and_resume_sends_it_now(zones: Rig) -> None:
    await zones.say("hk-supervisors", "hk-boss", "/notice 明天 10:00 大堂地毯清洗")
    await zones.press("hk-supervisors", "bc:ok:", "hk-boss")
    before = len(zones.texts("hk-supervisors"))
    # Down over 10:00 tomorrow, back at 12:00: two processes' ticks (or two ticks) see it.
    zones.at(datetime(2026, 11, 24, 12, 0, tzinfo=ZONES["hk"]))
    await zones.tick()
    await zones.tick()
    again = await zones.restart()
    await again.tick()
    told = zones.texts("hk-supervisors")[before:]
    assert len(told) == 1, told  # once, however many ticks
    [line] = told
    assert "N1" in line
    assert "2026-11-24 10:00" in line
    assert "大堂地毯清洗" in line
    assert "冇發到" in line  # the community's language (Hong Kong)
    assert "/notice resume N1" in line
    assert zones.sent("hk-owners-1") == []
    assert zones.sent("sh-supervisors") == []
    [record] = await again.outbox("broadcast_missed")
    assert record.ref_id == 1
    # The told way to send it now does so, once.
    await again.say("hk-supervisors", "hk-boss", "/notice resume N1")
    await again.tick()
    await again.tick()
    for group in ("hk-owners-1", "hk-owners-2"):
        assert [t for t in again.texts(group) if "大堂地毯清洗" in t] == [again.last(group)]
    [broadcast] = await again.broadcasts()
    assert broadcast.status == "queued"


async def test_a_missed_one_off_without_a_supervisors_chat_tells_the_stewards(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    path = tmp_path / "c.toml"
    block = community_block("sh", "春江苑", "Asia/Shanghai", "zh-Hans")
    path.write_text(block.replace('role = "supervisors"', 'role = "stewards"'), encoding="utf-8")
    rig = Rig(engine, db_url, classifier, community_file=path, start=START)
    await rig.start()
    await rig.say("sh-supervisors", "sh-boss", "/notice 明天 10:00 大堂地毯清洗")
    await rig.press("sh-supervisors", "bc:ok:", "sh-boss")
    rig.at(datetime(2026, 11, 25, 9, 0, tzinfo=ZONES["sh"]))
    await rig.tick()
    [line] = rig.texts("sh-stewards")
    assert "没有发出" in line
    assert "/notice resume N1" in line


async def test_pause_resume_and_delete(zones: Rig) -> None:
    boss, chat = "tp-boss", "tp-supervisors"
    await zones.say(chat, boss, "/notice 每天 09:00 垃圾分类提醒")
    await zones.press(chat, "bc:ok:", boss)
    await zones.say(chat, boss, "/notice pause S1")
    assert "已暫停 S1" in zones.last(chat)
    zones.at(datetime(2026, 11, 24, 9, 0, tzinfo=ZONES["tp"]))
    await zones.tick()
    assert zones.sent("tp-owners-1") == []
    assert "bc:S1" not in zones.jobs.planned

    # Resumed at 09:10: the run missed while paused is not caught up.
    zones.at(datetime(2026, 11, 24, 9, 10, tzinfo=ZONES["tp"]))
    await zones.say(chat, boss, "/notice resume S1")
    assert "已恢復 S1" in zones.last(chat)
    await zones.tick()
    assert zones.sent("tp-owners-1") == []
    zones.at(datetime(2026, 11, 25, 9, 0, tzinfo=ZONES["tp"]))
    await zones.tick()
    assert ["垃圾分類提醒" in t for t in zones.texts("tp-owners-1")] == [True]

    await zones.say(chat, boss, "/notice status S1")
    assert "S1 每天 09:00（執行中）" in zones.last(chat)  # Taiwan wording (s2twp)
    assert "已送達：2" in zones.last(chat)

    await zones.say(chat, boss, "/notice delete S1")
    assert "已刪除 S1" in zones.last(chat)
    zones.at(datetime(2026, 11, 26, 9, 0, tzinfo=ZONES["tp"]))
    await zones.tick()
    assert len(zones.sent("tp-owners-1")) == 1
    assert "bc:S1" not in zones.jobs.planned


async def test_one_run_however_many_runners(zones: Rig) -> None:
    await zones.say("sh-supervisors", "sh-boss", "/notice 每天 09:00 只发一次")
    await zones.press("sh-supervisors", "bc:ok:", "sh-boss")
    zones.at(datetime(2026, 11, 24, 9, 0, tzinfo=ZONES["sh"]))
    other = await zones.restart()  # a second process on the same database
    results = await asyncio.gather(
        zones.jobs.run_schedule(1),
        other.jobs.run_schedule(1),
        zones.jobs.run_schedule(1),
    )
    assert len([r for r in results if r is not None]) == 1
    await zones.app.sender.drain()
    await other.app.sender.drain()
    assert len(zones.sent("sh-owners-1")) == 1


async def test_a_recurring_notice_in_quiet_hours_waits_for_the_morning(zones: Rig) -> None:
    await zones.say("sh-supervisors", "sh-boss", "/notice 每天 23:00 夜间巡逻已开始")
    await zones.press("sh-supervisors", "bc:ok:", "sh-boss")
    await zones.say("sh-supervisors", "sh-boss", "/notice --urgent 每天 23:30 紧急演练")
    await zones.press("sh-supervisors", "bc:ok:", "sh-boss")
    zones.at(datetime(2026, 11, 23, 23, 30, tzinfo=ZONES["sh"]))
    await zones.tick()
    assert ["紧急演练" in t for t in zones.texts("sh-owners-1")] == [True]
    zones.at(datetime(2026, 11, 24, 8, 0, tzinfo=ZONES["sh"]))
    await zones.tick()
    assert "夜间巡逻已开始" in zones.last("sh-owners-1")
    assert len(zones.sent("sh-owners-1")) == 2
