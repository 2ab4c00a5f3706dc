"""Demo scene: the closed loop 受理 → 派单 → 处理 → 回访 → 归档, a message the classifier was not
sure of taken from the stewards' digest, an incident merge, and an SLA escalation on the
simulated clock. Every reply comes from the real handlers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.demo.kit import Demo, Line
from storage.tickets.models import Ticket


async def ticket_by_prefix(demo: Demo, summary_start: str) -> Ticket:
    async with demo.app.sessions() as session:
        tickets = (await session.scalars(select(Ticket).order_by(Ticket.id))).all()
    return next(t for t in tickets if t.summary.startswith(summary_start))


async def tickets_scene(demo: Demo) -> None:
    demo.console.rule("管家接单 → 进度 → 办结 → 回访")
    leak = await ticket_by_prefix(demo, "3栋2单元1302")
    await demo.press("lxy-stewards", f"t:accept:{leak.id}", "wang", "王管家")
    card = next(
        m
        for m in demo.channel.sent_to("lxy-stewards")
        if leak.number in m.text and m.outgoing and m.outgoing.buttons
    )
    demo.clock.advance(timedelta(minutes=20))
    await demo.channel.post(
        "lxy-stewards",
        "wang",
        "师傅已到现场，正在更换厨房角阀",
        sender_name="王管家",
        reply_to=card.message_id,
    )
    await demo.app.sender.drain()
    demo.clock.advance(timedelta(minutes=40))
    await demo.say(Line("lxy-stewards", "wang", "王管家", f"/resolve {leak.number} 已更换角阀，试水无渗漏"))
    await demo.press("lxy-owners-1", f"rate:{leak.id}:1", "u-zhang", "张先生")

    demo.console.rule("分类不确定的消息 → 管家待确认汇总（开单 / 忽略）")
    demo.console.print("[dim]  (孙女士的路灯消息分类不确定：未开单、未回复，等管家确认)[/dim]")
    await demo.run_jobs("triage:digest")
    await demo.press("lxy-stewards", "dg:open:", "wang", "王管家")

    demo.console.rule("多位业主反映同一问题 → 合并处理")
    await demo.say(
        Line("lxy-owners-2", "u-qian", "钱女士", "5号楼电梯是不是坏了？一直停在8楼不动，按了没反应")
    )
    await demo.say(Line("lxy-owners-2", "u-wu", "吴先生", "5号楼电梯坏了，我在1楼等了十分钟"))

    demo.console.rule("超时未响应 → 自动升级（模拟时钟）")
    await demo.say(Line("lxy-owners-2", "u-zheng", "郑先生", "4栋地下车库入口的道闸坏了，车进不去"))
    demo.clock.advance(timedelta(minutes=35))
    demo.console.print("[dim]  (35 分钟过去，无人接单；SLA 巡检运行)[/dim]")
    await demo.run_jobs("sla-watch")
    demo.clock.advance(timedelta(minutes=30))
    demo.console.print("[dim]  (又过 30 分钟，已超时一倍)[/dim]")
    await demo.run_jobs("sla-watch")

    demo.console.rule("业主查询自己的工单")
    await demo.say(Line("lxy-owners-1", "u-zhang", "张先生", "/my"))
    await demo.say(Line("lxy-owners-1", "u-zhang", "张先生", f"/ticket {leak.number}"))
