"""Demo scene: a steward's patrol (巡查开单) and the rectification ledger (隐患整改台账): a
captioned photo 「开单：…」 and a 「巡查发现…」 in the stewards' group open work orders with no
owner; the hazards go into the ledger; /hazards lists them; one is overdue and reaches the
supervisors; /hazard … done closes the other. And sudden contamination reported by an owner,
on its 30-minute clock. Every reply comes from the real handlers."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import Photo
from bot.demo.kit import Demo, Line
from bot.demo.scenes.tickets import ticket_by_prefix


async def patrol_scene(demo: Demo) -> None:
    demo.console.rule("突发污渍 → 30 分钟响应")
    await demo.say(Line("lxy-owners-1", "u-lin", "林女士", "2栋电梯里有一坨狗屎，太恶心了，谁来清理一下"))

    demo.console.rule("管家巡查开单 → 隐患整改台账")
    demo.console.print("[dim]  (王管家巡楼时拍了一张照片，配文如下：台账记下整改前的照片)[/dim]")
    await demo.say(
        Line(
            "lxy-stewards",
            "wang",
            "王管家",
            "开单：3栋消防通道堆满杂物，纸箱和旧家具堵住了安全出口",
            photos=(Photo("demo-exit-before", "demo-u-exit-1"),),
        )
    )
    await demo.say(Line("lxy-stewards", "liu", "刘管家", "巡查发现5栋楼梯间的应急灯不亮"))
    await demo.say(Line("lxy-stewards", "liu", "刘管家", "今天巡查其他地方一切正常"))
    await demo.say(Line("lxy-stewards", "li", "李主管", "/hazards"))

    blocked = await ticket_by_prefix(demo, "3栋消防通道")
    light = await ticket_by_prefix(demo, "5栋楼梯间")
    demo.clock.advance(timedelta(hours=3))
    demo.console.print("[dim]  (3 小时后，赵师傅换好了应急灯)[/dim]")
    await demo.say(
        Line("lxy-stewards", "zhao", "赵师傅", f"/hazard {light.number} done 已更换应急灯，测试正常")
    )
    demo.clock.advance(timedelta(hours=22))
    demo.console.print("[dim]  (又过 22 小时，3栋消防通道过了整改期限仍未整改；隐患巡检运行)[/dim]")
    await demo.run_jobs("hazard-watch")
    await demo.say(
        Line(
            "lxy-stewards",
            "wang",
            "王管家",
            f"/hazard {blocked.number} done 杂物已全部清走",
            photos=(Photo("demo-exit-after", "demo-u-exit-2"),),
        )
    )
    await demo.say(Line("lxy-stewards", "wang", "王管家", f"/ticket {blocked.number}"))
    await demo.say(Line("lxy-stewards", "wang", "王管家", "/hazards"))
