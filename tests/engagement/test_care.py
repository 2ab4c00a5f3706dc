"""The care list: kept by stewards, seen only by staff and masked in groups; before a typhoon
notice or an outage goes out, a check-in list for the stewards (已确认 / 未联系上), and whoever
is not confirmed safe in time escalated to the supervisors, once."""

from __future__ import annotations

from datetime import timedelta

from handlers.engagement.jobs import JOB_ID
from storage.engagement.models import CareCheck
from tests.harness import Harness

OWNERS_1, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-stewards", "lxy-supervisors"


async def tick(harness: Harness) -> int:
    job = harness.app.scheduler.get_job(JOB_ID)
    done = int(await job.func(*job.args))
    await harness.app.sender.drain()
    return done


def check_ins(harness: Harness) -> list[str]:
    return [m.text for m in harness.sent(STEWARDS) if m.text.startswith("🛟 先确认安全")]


async def test_the_list_is_staffs_and_masked(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/care add 3-2-1302 独居老人 子女在外地")
    assert harness.sent(STEWARDS)[-1].text == "✅ 已加入关怀名单 C1：3栋**** 独居老人（仅物业可见）。"
    await harness.say(STEWARDS, "liu", "/care add 5-1-101 孕妇 电话13812345678")
    await harness.say(STEWARDS, "wang", "/care list")
    listing = harness.sent(STEWARDS)[-1].text
    assert "C1 3栋**** 独居老人（子女在外地）" in listing
    assert "C2 5栋**** 孕妇" in listing
    assert "1302" not in listing
    assert "13812345678" not in listing
    await harness.say("wang", "wang", "/care list", private=True)
    assert "C1 3-2-1302 独居老人" in harness.sent("wang")[-1].text  # in full only privately
    # Owners never see it, nor may they add to it; a typed unit of no building is refused.
    await harness.say(OWNERS_1, "u-a", "/care list")
    assert harness.sent(OWNERS_1)[-1].text == "抱歉，该操作仅限物业工作人员。"
    await harness.say(STEWARDS, "wang", "/care add 9-1-101 独居老人")
    assert harness.sent(STEWARDS)[-1].text == "绿溪园 没有 9 栋。"
    await harness.say(STEWARDS, "wang", "/care add 3-2-1302")
    assert "请写上类别" in harness.sent(STEWARDS)[-1].text
    await harness.say(STEWARDS, "wang", "/care remove C2")
    assert harness.sent(STEWARDS)[-1].text == "已从关怀名单移除 C2。"
    await harness.say(STEWARDS, "wang", "/care list")
    assert "C2" not in harness.sent(STEWARDS)[-1].text
    await harness.say("hbhy-stewards", "ho", "/care remove C1")
    assert harness.sent("hbhy-stewards")[-1].text == "關懷名單中沒有 C1。"


async def test_a_typhoon_notice_starts_a_check_in_escalated_in_time(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/care add 3-2-1302 独居老人")
    await harness.say(STEWARDS, "liu", "/care add 5-1-101 残障人士")
    await harness.say(SUPERVISORS, "li", "/notice 全体 周六上午电梯保养，请提前安排。")
    assert check_ins(harness) == []  # not a warning
    await harness.say(SUPERVISORS, "li", "/notice 全体 台风「海葵」预计今晚登陆，请业主关好门窗，减少外出。")
    [check] = check_ins(harness)
    assert "台风「海葵」预计今晚登陆" in check
    assert "请在 60 分钟内（11:" in check
    assert "1. 3栋**** 独居老人 — 待确认" in check
    assert "2. 5栋**** 残障人士 — 待确认" in check
    # The owner groups have heard nothing yet: the notice waits for its confirmation.
    assert not [m for m in harness.sent(OWNERS_1) if "台风" in m.text]
    message = [m for m in harness.sent(STEWARDS) if m.text.startswith("🛟")][-1]
    labels = [[b.label for b in row] for row in message.out.buttons]
    assert labels == [["1 已确认", "1 未联系上"], ["2 已确认", "2 未联系上"]]

    await harness.press(STEWARDS, message, message.out.buttons[0][0].data, "wang")
    assert harness.sent(STEWARDS)[-1].text == "第 1 户：✅ 已确认（王管家）"
    await harness.press(STEWARDS, message, message.out.buttons[1][1].data, "liu")
    assert harness.sent(STEWARDS)[-1].text == "第 2 户：❗未联系上（刘管家）"
    # An owner cannot press it.
    await harness.press(STEWARDS, message, message.out.buttons[1][0].data, "u-a")
    assert "仅限" in harness.channel.toasts(STEWARDS)[-1].text

    harness.clock.advance(timedelta(minutes=59))
    assert await tick(harness) == 0
    harness.clock.advance(timedelta(minutes=1))
    assert await tick(harness) == 1
    escalation = harness.sent(SUPERVISORS)[-1].text
    assert escalation.startswith("⚠️ 安全确认超时：台风「海葵」")
    assert "以下 1 户在 60 分钟内未确认安全" in escalation
    assert "2. 5栋**** 残障人士 — ❗未联系上（刘管家）" in escalation
    assert "3栋" not in escalation
    said = len(harness.sent(SUPERVISORS))
    assert await tick(harness) == 0
    assert len(harness.sent(SUPERVISORS)) == said


async def test_an_outage_announcement_starts_a_check_in(harness: Harness) -> None:
    await harness.say(SUPERVISORS, "li", "/outage water 3栋 2026-11-25 09:00-17:00 维修")
    assert check_ins(harness) == []  # an empty list: nothing to check
    assert await harness.count(CareCheck) == 0
    await harness.say(STEWARDS, "wang", "/care add 3-2-1302 独居老人")
    await harness.say(SUPERVISORS, "li", "/outage power 3栋 2026-11-26 09:00-12:00 检修")
    [check] = check_ins(harness)
    assert "先确认安全：停电 检修" in check
    await harness.say(STEWARDS, "wang", "/care check 寒潮")
    assert harness.sent(STEWARDS)[-1].text == "✅ 已发起安全确认（1 户），60 分钟后未确认的将上报主管。"
    assert "先确认安全：寒潮" in check_ins(harness)[-1]
