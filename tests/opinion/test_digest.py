"""The daily digest to the supervisors, and `steward opinion report` text."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.opinion import report_text
from handlers.opinion.jobs import digest_tick
from tests.opinion.conftest import OWNERS, OWNERS_2, SUPERVISORS, OpinionHarness

SHANGHAI = ZoneInfo("Asia/Shanghai")
HK_SUPERVISORS = "hbhy-supervisors"


def digests(oh: OpinionHarness, chat: str) -> list[str]:
    return [m.text for m in oh.sent(chat) if "舆情日报" in m.text or "輿情日報" in m.text]


async def a_day_of_opinion(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", "物业太差劲了，电梯天天坏，我们要拉横幅维权", sender_name="张先生")
    await oh.say(OWNERS, "u-a", "电梯又坏了，太离谱了", sender_name="王女士")
    await oh.say(OWNERS_2, "u-b", "垃圾好几天没人收，臭死了")
    await oh.say(OWNERS, "u-c", "请问物业费可以用微信交吗？")
    await oh.say(OWNERS, "u-d", "电梯修好了，谢谢管家")
    [card] = oh.cards(SUPERVISORS)
    [alert] = await oh.alerts()
    await oh.press(SUPERVISORS, card, f"op:done:{alert.id}", "li")


async def test_the_digest_goes_out_once_after_the_set_time(oh: OpinionHarness) -> None:
    await a_day_of_opinion(oh)
    runtime = oh.app.runtime
    oh.clock.set(datetime(2026, 11, 23, 17, 59, tzinfo=SHANGHAI))
    assert await digest_tick(runtime, oh.opinion) == 0
    oh.clock.set(datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    assert await digest_tick(runtime, oh.opinion) == 2  # 绿溪园 and 海濱花園
    await oh.app.sender.drain()
    [text] = digests(oh, SUPERVISORS)
    lines = text.splitlines()
    assert lines[0] == "📊 舆情日报 · 绿溪园（11-22 18:00 至 11-23 18:00）"
    assert lines[1] == "业主消息 5 条，负面 3 条（60%）"
    assert lines[2] == "预警 1 条：待跟进 0 · 已跟进 1 · 误报 0"
    assert "单条·2级 电梯：已跟进（李主管），相关消息 1 条" in lines[3]
    assert "热点话题：电梯 2 · 环境卫生 1" in text
    tickets = await oh.tickets()
    behind = [t.number for t in tickets if t.summary.startswith(("物业太差劲", "电梯又坏"))]
    assert behind
    assert all(number in text for number in behind)
    assert "张先生" not in text
    assert "王女士" not in text
    assert "拉横幅" not in text
    [hk] = digests(oh, HK_SUPERVISORS)
    assert hk.startswith("📊 輿情日報 · 海濱花園")  # in the community's language
    assert "業主消息 0 條" in hk

    oh.clock.advance(timedelta(minutes=1))
    assert await digest_tick(runtime, oh.opinion) == 0  # never twice a day
    oh.clock.set(datetime(2026, 11, 24, 18, 5, tzinfo=SHANGHAI))
    assert await digest_tick(runtime, oh.opinion) == 2  # the next day's
    await oh.app.sender.drain()
    assert len(digests(oh, SUPERVISORS)) == 2
    assert "业主消息 0 条" in digests(oh, SUPERVISORS)[1]


@pytest.mark.parametrize("settings", [{"opinion_digest_time": "08:30"}])
async def test_the_digest_time_is_a_setting_and_a_late_start_catches_up(oh: OpinionHarness) -> None:
    await a_day_of_opinion(oh)  # Monday 10:00
    oh.clock.set(datetime(2026, 11, 24, 8, 29, tzinfo=SHANGHAI))
    assert await digest_tick(oh.app.runtime, oh.opinion) == 0
    oh.clock.set(datetime(2026, 11, 24, 11, 45, tzinfo=SHANGHAI))  # down at 08:30, up again
    assert await digest_tick(oh.app.runtime, oh.opinion) == 2
    await oh.app.sender.drain()
    [text] = digests(oh, SUPERVISORS)
    assert "（11-23 08:30 至 11-24 08:30）" in text  # the day up to the set time, not to now
    assert "业主消息 5 条" in text


async def test_the_installed_job_is_the_digest_tick(oh: OpinionHarness) -> None:
    job = oh.app.scheduler.get_job("opinion:digest")
    assert job is not None
    assert job.func is digest_tick


async def test_opinion_report_covers_the_period_for_each_community(oh: OpinionHarness) -> None:
    await a_day_of_opinion(oh)
    oh.clock.set(datetime.combine(datetime(2026, 11, 25).date(), time(9), SHANGHAI))
    runtime, services, now = oh.app.runtime, oh.app.services, oh.clock.now()
    async with runtime.reading() as uow:
        text = await report_text(uow, services, timedelta(days=7), now)
    assert "📊 舆情报告 · 绿溪园（11-18 09:00 至 11-25 09:00）" in text
    assert "海濱花園" in text
    assert "预警 1 条" in text
    async with runtime.reading() as uow:
        only = await report_text(uow, services, timedelta(days=1), now, "lxy")
    assert "业主消息 0 条" in only
    assert "海濱花園" not in only
    with pytest.raises(LookupError):
        async with runtime.reading() as uow:
            await report_text(uow, services, timedelta(days=1), now, "nowhere")
