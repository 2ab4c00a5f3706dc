"""Polls through the local channel: a supervisor asks, owners vote by button (one vote each,
changeable until the close), the close job posts the result once, anonymous to owners and
per building for staff."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.local.channel import LocalMessage
from handlers.engagement.jobs import JOB_ID
from handlers.engagement.when import BadTime, parse_when
from storage.engagement.models import PollVote
from tests.harness import MONDAY_MORNING, Harness

OWNERS_1, OWNERS_2, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards", "lxy-supervisors"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def poll_message(harness: Harness, chat: str) -> LocalMessage:
    posts = [m for m in harness.sent(chat) if m.text.startswith("🗳️ 业主投票")]
    assert posts, harness.sent(chat)
    return posts[-1]


def option_data(message: LocalMessage, label: str) -> str:
    for row in message.out.buttons:
        for button in row:
            if button.label == label:
                return button.data
    raise AssertionError(f"no button {label} on {message.text}")


async def vote(harness: Harness, chat: str, user: str, label: str) -> str:
    """`user` presses `label` on the newest poll in `chat`; the toast they saw."""
    message = poll_message(harness, chat)
    before = len(harness.channel.toasts(chat))
    await harness.press(chat, message, option_data(message, label), user)
    toasts = harness.channel.toasts(chat)[before:]
    assert len(toasts) == 1, toasts
    return toasts[0].text


async def close_tick(harness: Harness) -> int:
    job = harness.app.scheduler.get_job(JOB_ID)
    closed = int(await job.func(*job.args))
    await harness.app.sender.drain()
    return closed


async def test_a_poll_from_ask_to_result(harness: Harness) -> None:
    await harness.say(SUPERVISORS, "li", "/poll 中秋活动选哪天？ 周六|周日 截止 明天 20:00")
    assert (
        harness.sent(SUPERVISORS)[-1].text == "✅ 投票 #1 已发到 2 个业主群，11-24 20:00 截止，届时公布结果。"
    )
    for chat in (OWNERS_1, OWNERS_2):
        post = poll_message(harness, chat)
        assert "中秋活动选哪天？" in post.text
        assert "截止：11-24 20:00" in post.text
        assert [[b.label for b in row] for row in post.out.buttons] == [["周六"], ["周日"]]

    group_before = {chat: len(harness.sent(chat)) for chat in (OWNERS_1, OWNERS_2)}
    await harness.say(OWNERS_1, "u-b", "/unit 2-1-101")
    group_before[OWNERS_1] = len(harness.sent(OWNERS_1))
    assert await vote(harness, OWNERS_1, "u-a", "周六") == "（提示）已投「周六」。截止前可改选。"
    assert await vote(harness, OWNERS_1, "u-a", "周日") == "（提示）已改投「周日」。"
    assert await vote(harness, OWNERS_1, "u-a", "周日") == "（提示）您已投「周日」。"
    assert await vote(harness, OWNERS_1, "u-b", "周六") == "（提示）已投「周六」。截止前可改选。"
    assert await vote(harness, OWNERS_2, "u-c", "周六") == "（提示）已投「周六」。截止前可改选。"
    # Anonymous: nothing about a vote is said in the groups.
    assert {chat: len(harness.sent(chat)) for chat in (OWNERS_1, OWNERS_2)} == group_before
    assert await harness.count(PollVote) == 3  # one row per owner, changed in place

    # Staff read the counts per building any time; u-b registered building 2, the others not.
    await harness.say(STEWARDS, "wang", "/poll result 1")
    staff = harness.sent(STEWARDS)[-1].text
    assert "合计：周六 2 · 周日 1（3 人）" in staff
    assert "  2栋：周六 1 · 周日 0" in staff
    assert "  未登记楼栋：周六 1 · 周日 1" in staff

    # Nothing closes before its time.
    harness.clock.set(datetime(2026, 11, 24, 19, 59, tzinfo=SHANGHAI))
    assert await close_tick(harness) == 0
    harness.clock.set(datetime(2026, 11, 24, 20, 0, 30, tzinfo=SHANGHAI))
    assert await close_tick(harness) == 1
    for chat in (OWNERS_1, OWNERS_2):
        result = harness.sent(chat)[-1].text
        assert result == (
            "🗳️ 投票结果 #1：中秋活动选哪天？\n周六：2 票（67%）\n周日：1 票（33%）\n共 3 人投票。感谢参与！"
        )
    for chat in (STEWARDS, SUPERVISORS):
        assert "  2栋：周六 1 · 周日 0" in harness.sent(chat)[-1].text
        assert "已于 11-24 20:00 截止" in harness.sent(chat)[-1].text
    # Posted once: the next tick finds nothing.
    counts = {chat: len(harness.sent(chat)) for chat in (OWNERS_1, OWNERS_2, STEWARDS, SUPERVISORS)}
    assert await close_tick(harness) == 0
    assert {chat: len(harness.sent(chat)) for chat in counts} == counts

    # A press after the close changes nothing and says why.
    message = poll_message(harness, OWNERS_1)
    await harness.press(OWNERS_1, message, option_data(message, "周六"), "u-a")
    assert "已于 11-24 20:00 截止，不能再投了" in harness.channel.toasts(OWNERS_1)[-1].text
    await harness.say(STEWARDS, "wang", "/poll result 1")
    assert "合计：周六 2 · 周日 1（3 人）" in harness.sent(STEWARDS)[-1].text


async def test_a_press_at_the_close_is_refused_even_before_the_job_ran(harness: Harness) -> None:
    await harness.say(SUPERVISORS, "li", "/poll 换物业？ 换|不换 截止 2小时")
    harness.clock.advance(timedelta(hours=2))
    message = poll_message(harness, OWNERS_1)
    await harness.press(OWNERS_1, message, option_data(message, "换"), "u-a")
    assert "不能再投了" in harness.channel.toasts(OWNERS_1)[-1].text
    assert await harness.count(PollVote) == 0


async def test_early_close_posts_the_result_once(harness: Harness) -> None:
    await harness.say(SUPERVISORS, "li", "/poll 要不要加装充电桩？ 要|不要")
    assert "11-24 10:00 截止" in harness.sent(SUPERVISORS)[-1].text  # a day by default
    await vote(harness, OWNERS_2, "u-d", "要")
    await harness.say(SUPERVISORS, "li", "/poll close 1")
    assert harness.sent(SUPERVISORS)[-2].text.startswith("🗳️ 投票 #1（已于 11-23 10:")
    assert harness.sent(SUPERVISORS)[-1].text == "✅ 投票 #1 已提前结束，结果已发到业主群。"
    assert "要：1 票（100%）" in harness.sent(OWNERS_2)[-1].text
    await harness.say(SUPERVISORS, "li", "/poll close 1")
    assert harness.sent(SUPERVISORS)[-1].text.startswith("投票 #1 已于")
    harness.clock.advance(timedelta(days=2))
    assert await close_tick(harness) == 0


async def test_who_may_ask_and_what_is_refused(harness: Harness) -> None:
    await harness.say(OWNERS_1, "u-a", "/poll 换物业？ 换|不换")
    assert harness.sent(OWNERS_1)[-1].text == "抱歉，该操作仅限物业工作人员。"
    await harness.say(STEWARDS, "wang", "/poll 换物业？ 换|不换")
    assert "主管" in harness.sent(STEWARDS)[-1].text
    await harness.say(SUPERVISORS, "li", "/poll 换物业？")
    assert harness.sent(SUPERVISORS)[-1].text.startswith("用法：/poll")
    await harness.say(SUPERVISORS, "li", "/poll 换物业？ 换|换")
    assert "不重复的选项" in harness.sent(SUPERVISORS)[-1].text
    await harness.say(SUPERVISORS, "li", "/poll 换物业？ 换|不换 截止 下个月吧")
    assert "看不懂截止时间「下个月吧」" in harness.sent(SUPERVISORS)[-1].text
    await harness.say(SUPERVISORS, "li", "/poll 换物业？ 换|不换 截止 今天 8:00")
    assert "已经过去了" in harness.sent(SUPERVISORS)[-1].text
    await harness.say(SUPERVISORS, "li", "/poll result 9")
    assert harness.sent(SUPERVISORS)[-1].text == "没有编号为 9 的投票。"
    assert not [m for m in harness.sent(OWNERS_1) if m.text.startswith("🗳️")]
    # Another community's supervisor cannot read or close 绿溪园's poll.
    await harness.say(SUPERVISORS, "li", "/poll 换物业？ 换|不换")
    await harness.say("hbhy-supervisors", "cheung", "/poll result 1")
    assert harness.sent("hbhy-supervisors")[-1].text == "沒有編號為 1 的投票。"
    # A steward's press is not a vote.
    message = poll_message(harness, OWNERS_1)
    await harness.press(OWNERS_1, message, option_data(message, "换"), "wang")
    assert "仅限业主" in harness.channel.toasts(OWNERS_1)[-1].text
    # A forged press.
    await harness.press(OWNERS_1, message, "pv:1:7", "u-a")
    assert "已失效" in harness.channel.toasts(OWNERS_1)[-1].text
    assert await harness.count(PollVote) == 0


async def test_a_hong_kong_poll_speaks_traditional(harness: Harness) -> None:
    await harness.say("hbhy-supervisors", "cheung", "/poll 中秋活動揀邊日？ 星期六|星期日 截止 11月25日")
    post = [m for m in harness.sent("hbhy-owners") if m.text.startswith("🗳️")][-1]
    assert "業主投票" in post.text
    assert "11-25 20:00" in post.text
    await harness.press("hbhy-owners", post, option_data(post, "星期六"), "u-hk")
    assert harness.channel.toasts("hbhy-owners")[-1].text == "（提示）已投「星期六」。截止前可以改。"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("9月28日", datetime(2027, 9, 28, 20, 0, tzinfo=SHANGHAI)),  # past this year: next year's
        ("12月1日 18:30", datetime(2026, 12, 1, 18, 30, tzinfo=SHANGHAI)),
        ("2026-11-30 9点半", datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)),
        ("明天", datetime(2026, 11, 24, 20, 0, tzinfo=SHANGHAI)),
        ("后天 8点", datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)),
        ("3天后", MONDAY_MORNING + timedelta(days=3)),
        ("3天", MONDAY_MORNING + timedelta(days=3)),
        ("48小时", MONDAY_MORNING + timedelta(hours=48)),
    ],
)
def test_times_as_staff_write_them(written: str, expected: datetime) -> None:
    assert parse_when(written, MONDAY_MORNING, SHANGHAI, default_time=time(20, 0)) == expected


@pytest.mark.parametrize("written", ["下周", "13月1日", "2月30日", "明天 25:00", ""])
def test_times_not_read(written: str) -> None:
    with pytest.raises(BadTime):
        parse_when(written, MONDAY_MORNING, SHANGHAI, default_time=time(20, 0))
