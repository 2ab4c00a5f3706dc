"""The quarterly satisfaction survey through the local channel: 10 indicators scored 1-5 by
buttons, one answer per owner and indicator (changeable until the close), the response rate
against households, the results per indicator and building, and the change since the last."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.local.channel import LocalMessage
from handlers.engagement.jobs import JOB_ID
from storage.engagement.models import SurveyAnswer
from tests.harness import Harness

OWNERS_1, OWNERS_2, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards", "lxy-supervisors"


def survey_message(harness: Harness, chat: str) -> LocalMessage:
    return [m for m in harness.sent(chat) if m.text.startswith("📝")][-1]


async def score(harness: Harness, chat: str, user: str, row: int, value: int) -> str:
    message = survey_message(harness, chat)
    before = len(harness.channel.toasts(chat))
    await harness.press(chat, message, message.out.buttons[row][value].data, user)
    toasts = harness.channel.toasts(chat)[before:]
    assert len(toasts) == 1, toasts
    return toasts[0].text


async def tick(harness: Harness) -> int:
    job = harness.app.scheduler.get_job(JOB_ID)
    done = int(await job.func(*job.args))
    await harness.app.sender.drain()
    return done


async def test_a_quarterly_survey_from_start_to_results(harness: Harness) -> None:
    for chat, user, unit in (
        (OWNERS_1, "u-a", "1-1-101"),
        (OWNERS_1, "u-b", "2-1-101"),
        (OWNERS_2, "u-c", "4-1-101"),
        (OWNERS_2, "u-d", "5-1-101"),
    ):
        await harness.say(chat, user, f"/unit {unit}")
    await harness.say(SUPERVISORS, "li", "/survey start")
    assert harness.sent(SUPERVISORS)[-1].text.startswith(
        "✅ 2026-Q4 满意度调查 #1 已发到 2 个业主群，12-07 10:00 截止"
    )
    post = survey_message(harness, OWNERS_1)
    assert len(post.out.buttons) == 10
    assert [b.label for b in post.out.buttons[0]] == ["保洁卫生", "1", "2", "3", "4", "5"]
    assert post.out.buttons[9][0].label == "整体满意度"
    await harness.say(SUPERVISORS, "li", "/survey start")
    assert "已有一份进行中的调查 #1" in harness.sent(SUPERVISORS)[-1].text

    assert await score(harness, OWNERS_1, "u-a", 0, 0) == "（提示）请点「保洁卫生」右边的 1-5 分。"
    assert await score(harness, OWNERS_1, "u-a", 0, 5) == "（提示）「保洁卫生」5 分，谢谢！（截止前可修改）"
    assert await score(harness, OWNERS_1, "u-a", 0, 4) == "（提示）「保洁卫生」4 分，谢谢！（截止前可修改）"
    await score(harness, OWNERS_1, "u-a", 9, 3)
    await score(harness, OWNERS_1, "u-b", 0, 2)
    await score(harness, OWNERS_2, "u-c", 0, 5)
    assert await harness.count(SurveyAnswer) == 4  # one per owner and indicator
    assert "仅限业主" in await score(harness, OWNERS_1, "wang", 0, 1)

    await harness.say(STEWARDS, "wang", "/survey")
    result = harness.sent(STEWARDS)[-1].text
    assert "参与 3 户 / 4 户（按已登记房号），参与率 75.0%" in result
    assert "  保洁卫生：3.67（3）" in result
    assert "  整体满意度：3.00（1）" in result
    assert "  安全秩序：—（0）" in result
    assert "按楼栋平均分：1栋 3.50 · 2栋 2.00 · 4栋 5.00" in result

    harness.clock.advance(timedelta(days=14))
    assert await tick(harness) == 1
    for chat in (STEWARDS, SUPERVISORS):
        assert "满意度调查 #1（已截止）" in harness.sent(chat)[-1].text
    assert await tick(harness) == 0
    assert "已截止" in await score(harness, OWNERS_1, "u-b", 1, 5)

    # The next survey compares with this one.
    await harness.say(SUPERVISORS, "li", "/survey start")
    await score(harness, OWNERS_1, "u-a", 0, 5)
    await harness.say(SUPERVISORS, "li", "/survey")
    assert "  保洁卫生：5.00（1） 较上次 +1.33" in harness.sent(SUPERVISORS)[-1].text
    # Owners cannot read results.
    await harness.say(OWNERS_1, "u-a", "/survey")
    assert harness.sent(OWNERS_1)[-1].text == "抱歉，该操作仅限物业工作人员。"
