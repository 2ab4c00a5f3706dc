"""Demo scenes of the service floor (issue 21): a tier-3 threat reaching management with a
crisis record (统一口径, a drafted reply the manager confirms), and a 回访 call recorded for a
ticket its owner never rated; with a suggestion and a thank-you on the way. Every reply comes
from the real handlers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.demo.kit import Demo, Line
from storage.opinion.models import OpinionAlert
from storage.tickets.models import Ticket


async def crisis_scene(demo: Demo) -> None:
    demo.console.rule("三级危机：业主扬言找媒体曝光 → 即刻上报管理层，开危机处理记录")
    await demo.say(Line("lxy-owners-2", "u-he", "何先生", "5栋电梯坏了三天了，物业再不修我就找报社记者曝光"))
    async with demo.app.sessions() as session:
        alert = (await session.scalars(select(OpinionAlert).order_by(OpinionAlert.id.desc()))).first()
    assert alert is not None and alert.tier == 3, "the threat should be a tier-3 alert"
    await demo.press("lxy-supervisors", f"cr:speak:{alert.id}", "li", "李主管")
    await demo.say(
        Line(
            "lxy-supervisors",
            "li",
            "李主管",
            f"/crisis {alert.id} draft 5栋电梯控制板故障，厂家工程师已到场 | 今晚22点前更换完毕，期间安排专人协助老人上下楼",
        )
    )
    await demo.press("lxy-supervisors", f"cr:send:{alert.id}", "chen", "陈经理")
    await demo.press("lxy-supervisors", f"op:done:{alert.id}", "li", "李主管")
    await demo.say(Line("lxy-supervisors", "chen", "陈经理", f"/crisis {alert.id}"))


async def callback_scene(demo: Demo) -> None:
    demo.console.rule("建议与表扬：不是报修")
    await demo.say(
        Line("lxy-owners-1", "u-sun", "孙女士", "建议物业在地下车库增加充电桩，现在电动车越来越多了")
    )
    await demo.say(Line("lxy-owners-1", "u-zhang", "张先生", "多谢王管家，水管修得很好"))

    demo.console.rule("100% 回访：业主三天未评价 → 管家电话回访并记录")
    await demo.say(Line("lxy-owners-1", "u-qian", "钱先生", "4栋1203卫生间地漏堵了，麻烦派人来通一下"))
    async with demo.app.sessions() as session:
        ticket = (await session.scalars(select(Ticket).order_by(Ticket.id.desc()))).first()
    assert ticket is not None
    await demo.say(Line("lxy-supervisors", "li", "李主管", f"/resolve {ticket.number} 已疏通地漏"))
    demo.clock.advance(timedelta(days=2))
    await demo.run_jobs("sla-watch")  # a day before the close: the owner is reminded once
    demo.clock.advance(timedelta(days=1))
    await demo.run_jobs("sla-watch")  # closed unrated, on the 回访 list
    await demo.say(Line("lxy-stewards", "liu", "刘管家", "/callbacks"))
    await demo.press("lxy-stewards", "cb:reached:", "liu", "刘管家")
