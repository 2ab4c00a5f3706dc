"""Notices from chat: preview and confirm, targets, permissions, list / status / cancel, quiet
hours and --urgent, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from storage.broadcasts.models import Broadcast
from tests.broadcasts.conftest import SHANGHAI, Rig
from tests.harness import alert_to_presser

SUPERVISORS = "lxy-supervisors"
STEWARDS = "lxy-stewards"
OWNERS_1 = "lxy-owners-1"  # buildings 1-3
OWNERS_2 = "lxy-owners-2"  # buildings 4-6
HK_OWNERS = "hbhy-owners"


async def test_preview_then_confirm_sends_once_to_every_owner_group(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 全体 本周六上午9点至11点电梯年检，请业主合理安排出行。")
    preview = rig.last(SUPERVISORS)
    assert "通知预览 N1" in preview
    assert "2个群" in preview
    assert "电梯年检" in preview
    assert rig.sent(OWNERS_1) == []
    assert rig.sent(OWNERS_2) == []
    [[ok, no]] = rig.channel.last_to(SUPERVISORS).outgoing.buttons  # type: ignore[union-attr]
    assert (ok.data, no.data) == ("bc:ok:N1", "bc:no:N1")

    await rig.press(SUPERVISORS, "bc:ok:", "li")
    assert "N1 已发出" in rig.last(SUPERVISORS)
    for chat in (OWNERS_1, OWNERS_2):
        [notice] = rig.texts(chat)
        assert notice.startswith("📢【绿溪园物业通知】")
        assert "电梯年检" in notice

    # A second press (a double tap, a platform retry) sends nothing more.
    await rig.channel.press(SUPERVISORS, rig.channel.sent_to(SUPERVISORS)[0].message_id, "bc:ok:N1", "li")
    await rig.app.sender.drain()
    assert len(rig.sent(OWNERS_1)) == 1
    assert len(rig.sent(OWNERS_2)) == 1
    assert "已经处理过" in rig.last(SUPERVISORS)
    rows = await rig.outbox()
    assert sorted(str(r.dedupe_key) for r in rows) == sorted(f"bc:1:{r.chat_id}" for r in rows)


async def test_cancel_button_sends_nothing(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 明天停电检修")
    await rig.press(SUPERVISORS, "bc:no:", "li")
    assert "已取消 N1" in rig.last(SUPERVISORS)
    await rig.press(SUPERVISORS, "bc:ok:", "li")  # confirming a discarded preview does nothing
    assert rig.sent(OWNERS_1) == []
    assert rig.sent(OWNERS_2) == []
    [broadcast] = await rig.broadcasts()
    assert broadcast.status == "cancelled"


async def test_buildings_target_only_their_groups_and_unknown_buildings_are_named(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 5栋 明天上午5栋电梯保养")
    assert "4-6栋" not in rig.last(SUPERVISORS)
    assert "5栋业主群（1个群）" in rig.last(SUPERVISORS)
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    assert rig.sent(OWNERS_1) == []
    assert len(rig.sent(OWNERS_2)) == 1

    await rig.say(SUPERVISORS, "li", "/notice 7-8栋 通知")
    assert "绿溪园没有 7、8" in rig.last(SUPERVISORS)


async def test_owners_are_refused_politely_and_nothing_is_drafted(rig: Rig) -> None:
    await rig.say(OWNERS_1, "u-zhang", "/notice 全体 明天停水")
    assert rig.last(OWNERS_1) == "抱歉，该操作仅限物业工作人员。"
    await rig.say("owner-dm", "u-zhang", "/notice 全体 明天停水", private=True)
    assert rig.last("owner-dm") == "抱歉，该操作仅限物业工作人员。"
    await rig.say(OWNERS_1, "u-zhang", "/outage water 3栋 2026-11-25 09:00-17:00 维修")
    assert rig.last(OWNERS_1) == "抱歉，该操作仅限物业工作人员。"
    # An owner pressing a confirm button (a forwarded preview) is refused too.
    await rig.say(SUPERVISORS, "li", "/notice 明天停电检修")
    posted = len(rig.sent(OWNERS_1))
    await rig.channel.press(OWNERS_1, "x", "bc:ok:N1", "u-zhang")
    await rig.app.sender.drain()
    # To the presser alone, not to the group, naming the role needed.
    assert alert_to_presser(rig.channel, OWNERS_1) == "抱歉，该操作仅限主管及以上人员。"
    assert len(rig.sent(OWNERS_1)) == posted
    assert [b.status for b in await rig.broadcasts()] == ["draft"]
    assert len(rig.sent(OWNERS_2)) == 0


async def test_stewards_may_list_but_not_send_and_staff_may_not_send_from_an_owner_group(rig: Rig) -> None:
    await rig.say(STEWARDS, "wang", "/notice 全体 明天停水")
    assert rig.last(STEWARDS) == "抱歉，该操作仅限主管及以上人员。"
    await rig.say(STEWARDS, "wang", "/notice list")
    assert "最近的通知" in rig.last(STEWARDS)
    await rig.say(OWNERS_1, "li", "/notice 全体 明天停水")
    assert "请在管家群、主管群或与我的私聊中使用" in rig.last(OWNERS_1)
    assert await rig.broadcasts() == []


async def test_a_supervisor_may_send_from_a_private_chat_and_a_manager_too(rig: Rig) -> None:
    await rig.say("li-dm", "li", "/notice 全体 私聊发的通知", private=True)
    assert "2个群" in rig.last("li-dm")
    await rig.press("li-dm", "bc:ok:", "li")
    assert "私聊发的通知" in rig.last(OWNERS_1)
    await rig.say(STEWARDS, "chen", "/notice 1栋 经理发的通知")
    await rig.press(STEWARDS, "bc:ok:", "chen")
    assert "经理发的通知" in rig.last(OWNERS_1)


async def test_other_communities_and_every_community_need_the_right_role(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice --community hbhy 越权通知")
    assert rig.last(SUPERVISORS) == "抱歉，该操作仅限物业工作人员。"
    await rig.say(SUPERVISORS, "li", "/notice 所有小区 全部小区通知")
    assert "仅限系统管理员" in rig.last(SUPERVISORS)

    await rig.say("admin-dm", "admin", "/notice 所有小区 年底消防检查通知", private=True)
    preview = rig.last("admin-dm")
    assert "共 2 个小区、3 个业主群" in preview
    await rig.press("admin-dm", "bc:ok:", "admin")
    assert "年底消防检查通知" in rig.last(OWNERS_1)
    hk = rig.last(HK_OWNERS)
    assert hk.startswith("📢【海濱花園管理處通告】")  # Hong Kong wording
    assert "消防檢查通知" in hk  # converted to Traditional for the Hong Kong community
    assert {b.batch_id for b in await rig.broadcasts()} == {1}


async def test_list_status_and_failure_reasons(rig: Rig) -> None:
    rig.channel.gone.add(OWNERS_2)  # the bot was removed from this group
    await rig.say(SUPERVISORS, "li", "/notice 全体 物业费缴纳提醒")
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    await rig.say(SUPERVISORS, "li", "/notice status N1")
    report = rig.last(SUPERVISORS)
    assert "N1 发送报告" in report
    assert "目标群：2 · 已送达：1 · 失败：1 · 待发送：0" in report
    assert "绿溪园4-6栋业主群：bot was removed from the chat" in report
    await rig.say(SUPERVISORS, "li", "/notice list")
    assert "N1 已发出 1/2" in rig.last(SUPERVISORS)


async def test_quiet_hours_hold_a_notice_until_morning_and_urgent_goes_at_once(rig: Rig) -> None:
    rig.at(datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI))
    await rig.say(SUPERVISORS, "li", "/notice 全体 明天上午清洗水箱")
    assert "免打扰时段（22:00–08:00），将于 11-24 08:00 发送" in rig.last(SUPERVISORS)
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    assert "N1 已定时" in rig.last(SUPERVISORS)
    await rig.say(SUPERVISORS, "li", "/notice 全体 --urgent 5栋发生火警，请勿使用电梯，从楼梯疏散！")
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    [urgent] = rig.texts(OWNERS_1)
    assert urgent.startswith("🚨【绿溪园紧急通知】")

    # An owner's message in the quiet hours is answered at once: the waiting notice does not
    # hold back the group's queue (it is not in the outbox yet).
    await rig.say(OWNERS_1, "u-zhang", "3栋厨房水管爆了，水漫出来了")
    assert "工单" in rig.last(OWNERS_1)

    await rig.tick()
    assert len(rig.sent(OWNERS_2)) == 1  # still only the urgent one
    rig.at(datetime(2026, 11, 24, 8, 0, tzinfo=SHANGHAI))
    await rig.tick()
    assert "清洗水箱" in rig.last(OWNERS_2)
    notice = next(b for b in await rig.broadcasts() if b.id == 1)
    assert notice.status == "queued"


async def test_a_notice_at_a_time_is_sent_by_its_job_and_can_be_cancelled(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 全体 2026-11-25 09:00 周三上午停车场划线")
    assert "2026-11-25 09:00（小区当地时间）" in rig.last(SUPERVISORS)
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    await rig.say(SUPERVISORS, "li", "/notice status N1")
    assert "目标群：2 · 已送达：0 · 失败：0 · 待发送：2 · 已撤回：0" in rig.last(SUPERVISORS)  # not 0
    await rig.say(SUPERVISORS, "li", "/notice 全体 明天 09:00 这条会被取消")
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    planned = await rig.jobs.rebuild()
    assert planned["bc:N1"] == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert planned["bc:N2"] == datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    assert {job.id for job in rig.app.scheduler.get_jobs()} >= {"bc:tick", "bc:N1", "bc:N2"}

    await rig.say(SUPERVISORS, "li", "/notice cancel N2")
    assert "已取消 N2" in rig.last(SUPERVISORS)
    assert "bc:N2" not in await rig.jobs.rebuild()

    rig.at(datetime(2026, 11, 25, 9, 0, 30, tzinfo=SHANGHAI))
    job = next(j for j in rig.app.scheduler.get_jobs() if j.id == "bc:N1")
    await job.func(*job.args)  # what APScheduler runs at 09:00
    await rig.app.sender.drain()
    assert [t for t in rig.texts(OWNERS_1) if "停车场" in t or "取消" in t] == [rig.last(OWNERS_1)]
    assert "停车场划线" in rig.last(OWNERS_1)
    assert {b.id: b.status for b in await rig.broadcasts()} == {1: "queued", 2: "cancelled"}


async def test_cancelling_a_notice_mid_send_withdraws_what_is_not_sent(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 全体 会被撤回的通知")
    await rig.channel.press(SUPERVISORS, rig.channel.last_to(SUPERVISORS).message_id, "bc:ok:N1", "li")
    # Confirmed and queued, but the sender has not run yet.
    await rig.channel.post(SUPERVISORS, "li", "/notice cancel N1")
    await rig.app.sender.drain()
    assert "撤回了 2 条尚未发出的消息" in rig.last(SUPERVISORS)
    assert rig.sent(OWNERS_1) == []
    assert rig.sent(OWNERS_2) == []
    await rig.say(SUPERVISORS, "li", "/notice status N1")
    assert "已撤回：2" in rig.last(SUPERVISORS)

    # A notice that has gone out entirely cannot be called back.
    await rig.say(SUPERVISORS, "li", "/notice 全体 已经发出的通知")
    await rig.press(SUPERVISORS, "bc:ok:N2", "li")
    await rig.say(SUPERVISORS, "li", "/notice cancel N2")
    assert "N2 已全部发出，无法撤回" in rig.last(SUPERVISORS)
    assert {b.id: b.status for b in await rig.broadcasts()} == {1: "cancelled", 2: "queued"}


async def test_bad_requests_get_a_useful_answer(rig: Rig) -> None:
    cases = {
        "/notice 全体": "请写上通知内容",
        "/notice --bogus 文本": "不认识的选项 --bogus",
        "/notice 2026-02-30 09:00 文本": "日期「2026-02-30」不存在",
        "/notice 2026-11-01 09:00 文本": "已经过去了",
        "/notice 09:00 每天 09:00 文本": "只能选一种",
        '/notice --every "0 25 * * *" 文本': "重复规则「0 25 * * *」有误",
        '/notice --every "* * * * *" 文本': "每天最多发送 1440 次，业主群会被刷屏。确需如此频繁，请加上 --often",
        "/notice --template 没有这个 文本": "没有名为「没有这个」的模板",
        "/notice status X9": "编号「X9」看不懂",
        "/notice status N99": "找不到 N99",
    }
    for command, expected in cases.items():
        await rig.say(SUPERVISORS, "li", command)
        assert expected in rig.last(SUPERVISORS), command
    assert [b for b in await rig.broadcasts() if b.status != "draft"] == []


async def test_preview_text_is_kept_exactly_with_line_breaks(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 全体\n第一行\n第二行  有空格")
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    assert rig.last(OWNERS_1).endswith("第一行\n第二行  有空格")
    [broadcast] = [b for b in await rig.broadcasts() if isinstance(b, Broadcast)]
    assert broadcast.body == "第一行\n第二行  有空格"


async def test_a_preview_confirmed_after_quiet_hours_began_waits_for_the_morning(rig: Rig) -> None:
    rig.at(datetime(2026, 11, 23, 21, 58, tzinfo=SHANGHAI))
    await rig.say(SUPERVISORS, "li", "/notice 全体 明早清洗水箱")
    assert "确认后立即发送" in rig.last(SUPERVISORS)
    rig.at(datetime(2026, 11, 23, 22, 5, tzinfo=SHANGHAI))
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    assert "N1 已定时：绿溪园，11-24 08:00 发送" in rig.last(SUPERVISORS)
    assert rig.sent(OWNERS_1) == []


async def test_the_preview_warns_about_units_and_phone_numbers(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice 全体 3栋2单元1302业主请联系13812345678挪车")
    assert "正文含房号或电话号码" in rig.last(SUPERVISORS)
    await rig.say(SUPERVISORS, "li", "/notice 全体 周六上午电梯保养")
    assert "正文含房号或电话号码" not in rig.last(SUPERVISORS)


async def test_the_role_is_checked_before_the_chat(rig: Rig) -> None:
    # Each sub-command's minimum role is declared where it is registered and checked first;
    # then staff are sent to a staff or private chat.
    await rig.say(OWNERS_1, "wang", "/notice 全体 明天停水")  # a steward may not send at all
    assert rig.last(OWNERS_1) == "抱歉，该操作仅限主管及以上人员。"
    await rig.say(OWNERS_1, "wang", "/notice list")  # a steward may list, but not here
    assert "请在管家群、主管群或与我的私聊中使用" in rig.last(OWNERS_1)
    await rig.say(OWNERS_1, "wang", "/outage status T1")
    assert "请在管家群、主管群或与我的私聊中使用" in rig.last(OWNERS_1)
    await rig.say(STEWARDS, "wang", "/outage list")
    assert rig.last(STEWARDS) == "近期没有停水停电停气安排。"
    await rig.say(STEWARDS, "wang", "/notice template 周报 本周{community}工作小结")
    assert rig.last(STEWARDS) == "抱歉，该操作仅限主管及以上人员。"
    await rig.say(SUPERVISORS, "li", "/notice template")  # a bare word is the text of a notice
    assert "通知预览 N1" in rig.last(SUPERVISORS)
