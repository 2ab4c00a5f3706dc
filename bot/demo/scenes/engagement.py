"""Demo scenes of owners' voice: a poll from a supervisor, owners voting by button (one
changes their mind), and the close job posting the result to the owner groups (counts only)
and per building to staff; an activity's sign-ups summed up in one message; a fee reminder
sent privately a week before the period, answered 「已缴」; a care check-in before a typhoon
notice, one household escalated."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.demo.kit import Demo, Line

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def poll_scene(demo: Demo) -> None:
    demo.console.rule("业主投票：主管发起 → 业主按按钮投票（可改选）→ 截止后公布结果")
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/poll 中秋游园活动选哪天？ 周六|周日 截止 3小时"))
    await demo.press("lxy-owners-1", "pv:", "u-zhou", "周先生")
    await demo.press("lxy-owners-1", "pv:", "u-wu", "吴女士")
    await demo.press("lxy-owners-2", "pv:", "u-zheng", "郑先生")
    # 周先生 changes his mind: the second button of the same poll.
    message = next(m for m in reversed(demo.channel.sent_to("lxy-owners-1")) if m.text.startswith("🗳️"))
    second = message.out.buttons[1][0]
    demo.console.print(f"[dim]  (周先生 改按「{second.label}」)[/dim]")
    await demo.channel.press("lxy-owners-1", message.message_id, second.data, "u-zhou", "周先生")
    await demo.app.sender.drain()
    await demo.say(Line("lxy-stewards", "wang", "王管家", "/poll result 1"))
    demo.clock.advance(timedelta(hours=3))
    demo.console.print("[dim]  （3 小时后，投票截止，定时任务运行）[/dim]")
    await demo.run_jobs("engagement:tick")


async def activity_scene(demo: Demo) -> None:
    demo.console.rule("社区活动：主管发布 → 业主按「报名」或发「报名 2人」（不逐条回复，汇总接龙）→ 满员候补")
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/activity 亲子手工课 后天 15:00 限4人"))
    await demo.press("lxy-owners-1", "ac:join:", "u-zhou", "周先生")
    await demo.say(Line("lxy-owners-1", "u-wu", "吴女士", "报名 2人"))
    await demo.say(Line("lxy-owners-2", "u-zheng", "郑先生", "报名 2人"))
    demo.clock.advance(timedelta(minutes=5))
    demo.console.print("[dim]  （5 分钟后，汇总接龙定时更新）[/dim]")
    await demo.run_jobs("engagement:tick")
    await demo.say(Line("lxy-stewards", "wang", "王管家", "/activity list 1"))


FEES = """unit,account,amount_due,months_overdue
3-2-1302,local:u-zhou,1280.00,0
2-1-101,local:u-wu,2560.00,2
5-3-502,,3840.00,5
"""


async def fee_scene(demo: Demo) -> None:
    demo.console.rule("物业费提醒：导入账单 → 私信业主（从不发群）→ 业主回复「已缴」→ 管家核对")
    service = demo.app.scheduler.get_job("engagement:tick").args[3]
    for user, name in (("u-zhou", "周先生"), ("u-wu", "吴女士")):  # reminders go where a private chat is open
        await demo.channel.post(user, user, "/start", sender_name=name, private=True)
    await demo.app.sender.drain()
    async with demo.app.runtime.transaction() as uow:
        done = await service.import_file(uow, "lxy", FEES, demo.clock.now())
    demo.console.print(f"[dim]  （steward fees import：新增 {done.new} 户）[/dim]")
    today = demo.clock.now().astimezone(SHANGHAI).date()
    due = service.policy.next_due(
        today + timedelta(days=8)
    )  # its week before is ahead: the clock never goes back
    demo.clock.set(datetime.combine(due - timedelta(days=7), time(10, 0), SHANGHAI))
    demo.console.print(f"[dim]  （{due - timedelta(days=7):%m-%d} 10:00，缴费期前一周，定时任务运行）[/dim]")
    await demo.run_jobs("engagement:tick")
    await demo.press("u-zhou", "fee:paid:", "u-zhou", "周先生")
    await demo.say(Line("lxy-stewards", "wang", "王管家", "/fees"))


async def care_scene(demo: Demo) -> None:
    demo.console.rule("关怀名单：管家登记 → 台风通知发出前先确认安全 → 超时未确认上报主管")
    await demo.say(Line("lxy-stewards", "wang", "王管家", "/care add 3-2-1302 独居老人 子女在外地"))
    await demo.say(Line("lxy-stewards", "liu", "刘管家", "/care add 5-1-101 残障人士"))
    await demo.say(
        Line(
            "lxy-supervisors",
            "li",
            "李主管",
            "/notice 全体 台风「海葵」预计今晚登陆，请业主关好门窗，减少外出。",
        )
    )
    await demo.press("lxy-stewards", "cm:ok:", "wang", "王管家")
    demo.clock.advance(timedelta(minutes=60))
    demo.console.print("[dim]  （60 分钟后，仍有住户未确认安全，定时任务运行）[/dim]")
    await demo.run_jobs("engagement:tick")
    await demo.press("lxy-supervisors", "bc:ok:", "li", "李主管")
