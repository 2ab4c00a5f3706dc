"""Demo scene: broadcasts. A supervisor's notice is previewed and confirmed; a water outage is
announced with its reminders the evening before and an hour before, owners asking 「几点停水」
are answered from it (in Cantonese in Hong Kong), and 「已恢复」 follows; then the weekly safety
tip goes out on Monday morning. The simulated clock is moved and the broadcast jobs are run
exactly as APScheduler would run them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.demo.kit import Demo, Line

SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_local(demo: Demo, at: time, days: int = 0) -> datetime:
    """The next `at` (Shanghai time) at least `days` days from now; the clock never goes back."""
    now = demo.clock.now().astimezone(SHANGHAI)
    when = datetime.combine(now.date() + timedelta(days=days), at, SHANGHAI)
    return when if when > now else when + timedelta(days=1)


async def tick(demo: Demo, when: datetime) -> None:
    """Move the clock to `when` and run the broadcast jobs."""
    demo.clock.set(when)
    demo.console.print(f"[dim]  （时间来到 {when.astimezone(SHANGHAI):%m-%d %H:%M}，定时任务运行）[/dim]")
    await demo.run_jobs("bc:tick")


async def broadcasts_scene(demo: Demo) -> None:
    demo.clock.set(next_local(demo, time(9, 30)))
    demo.console.rule("群发通知：主管发起 → 预览 → 确认 → 发到各业主群")
    await demo.say(
        Line(
            "lxy-supervisors",
            "li",
            "李主管",
            "/notice 全体 本周六上午9:00-11:00进行电梯年检，届时各栋电梯轮流停运约30分钟，请业主合理安排出行。",
        )
    )
    await demo.press("lxy-supervisors", "bc:ok:", "li", "李主管")
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/notice status N1"))

    demo.console.rule("停水公告：通知、前一晚提醒、开始前1小时提醒、业主询问、已恢复")
    tomorrow = next_local(demo, time(9, 0), days=1).date()
    await demo.say(
        Line(
            "lxy-supervisors", "li", "李主管", f"/outage water 3-5栋 {tomorrow:%Y-%m-%d} 09:00-17:00 管道维修"
        )
    )
    await demo.press("lxy-supervisors", "bc:ok:T", "li", "李主管")
    await demo.say(
        Line(
            "hbhy-supervisors",
            "cheung",
            "張經理",
            f"/outage water A座 {tomorrow:%Y-%m-%d} 09:00-13:00 水箱清洗",
        )
    )
    await demo.press("hbhy-supervisors", "bc:ok:T", "cheung", "張經理")

    await tick(demo, next_local(demo, time(20, 0)))
    await demo.say(Line("lxy-owners-2", "u-zhou", "周先生", "明天几点停水？要停多久？"))
    await demo.say(Line("hbhy-owners", "u-lee", "李小姐", "聽日幾點停水？"))

    await tick(demo, next_local(demo, time(8, 0)))
    demo.clock.set(next_local(demo, time(10, 0)))
    await demo.say(Line("lxy-owners-1", "u-sun", "孙女士", "几点来水啊"))
    demo.clock.set(next_local(demo, time(15, 30)))
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/outage restored T1"))

    demo.console.rule("安全小贴士：每周一 10:00，按月主题与季节，不重复")
    monday = next_local(demo, time(10, 0))
    while monday.weekday() != 0:
        monday += timedelta(days=1)
    await tick(demo, monday)
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/notice list"))
