"""Demo scene: public opinion. An angry, collective message raises an alert in the
supervisors' chat (tier 3, the manager mentioned); a repeat about the same matter is folded
into it; a supervisor answers 「已跟进」; the daily digest; and a service report drawn as a
PNG on disk, shown in the transcript as its path. Every reply comes from the real handlers.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.demo.kit import Demo, Line

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def opinion_scene(demo: Demo) -> None:
    demo.console.rule("舆情预警：愤怒的集体投诉 → 主管群（三级，@经理）")
    await demo.say(
        Line(
            "lxy-owners-1",
            "u-feng",
            "冯先生",
            "2栋的电梯一个星期坏三次，物业到底管不管？大家联名投诉，再不修就打12345找媒体曝光！我电话13812345678",
        )
    )

    demo.console.rule("同一件事又有业主说 → 并入第一条预警，不重复推送")
    await demo.say(Line("lxy-owners-1", "u-jiang", "蒋女士", "2栋电梯又停了，天天坏，太离谱了，受不了"))
    await demo.press("lxy-supervisors", "op:done:", "li", "李主管")

    demo.console.rule("舆情日报（18:00，发主管群）")
    today = demo.clock.now().astimezone(SHANGHAI).date()
    demo.clock.set(datetime.combine(today, time(18, 0), SHANGHAI))
    job = demo.app.scheduler.get_job("opinion:digest")
    await job.func(*job.args, **job.kwargs)
    await demo.app.sender.drain()

    demo.console.rule("月度服务报告：图表写入磁盘，发到主管群")
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/report"))
