"""Demo scene: an urgent incident on the emergency clock (issue 21). Two owners report the same
lift emergency (merged), one sends a photo right after; the lift technician on duty takes it, says 「已到场」,
is prompted for progress 30 minutes in (the simulated clock), answers the prompt, resolves
with an after photo; every reporter hears each step, and /ticket and /photos show the photos.
Every reply comes from the real handlers."""

from __future__ import annotations

from datetime import timedelta

from bot.core.events import Photo
from bot.demo.kit import Demo, Line
from bot.demo.scenes.tickets import ticket_by_prefix

OWNERS = "lxy-owners-1"
STEWARDS = "lxy-stewards"


async def emergency_scene(demo: Demo) -> None:
    demo.console.rule("紧急工单：照片 → 接单 → 已到场 → 30 分钟进度提醒 → 办结（模拟时钟）")
    await demo.say(Line(OWNERS, "u-he", "何女士", "1栋电梯困人了！我妈妈被困在里面，快来人！"))
    await demo.say(Line(OWNERS, "u-he", "何女士", "", photos=(Photo("demo-lift-photo-1", "demo-u-1"),)))
    await demo.say(Line(OWNERS, "u-feng", "冯先生", "1栋电梯困人，里面有人在喊，快来人"))
    lift = await ticket_by_prefix(demo, "1栋电梯困人了")
    await demo.press(STEWARDS, f"t:accept:{lift.id}", "zhao", "赵师傅")
    demo.clock.advance(timedelta(minutes=12))
    await demo.press(STEWARDS, f"t:arrive:{lift.id}", "zhao", "赵师傅")
    demo.clock.advance(timedelta(minutes=12))
    demo.console.print("[dim]  (报修后 30 分钟，工单仍未办结；SLA 巡检运行)[/dim]")
    await demo.run_jobs("sla-watch")
    prompt = next(m for m in reversed(demo.channel.sent_to(STEWARDS)) if "请回复本消息" in m.text)
    demo.clock.advance(timedelta(minutes=2))
    await demo.channel.post(
        STEWARDS, "zhao", "电梯公司已到，正在手动盘车放人", sender_name="赵师傅", reply_to=prompt.message_id
    )
    await demo.app.sender.drain()
    demo.clock.advance(timedelta(minutes=10))
    await demo.say(
        Line(
            STEWARDS,
            "zhao",
            "赵师傅",
            f"/resolve {lift.number} 人已安全救出，电梯停用待检",
            photos=(Photo("demo-lift-photo-2", "demo-u-2"),),
        )
    )
    await demo.say(Line(STEWARDS, "zhao", "赵师傅", f"/ticket {lift.number}"))
    await demo.say(Line(STEWARDS, "zhao", "赵师傅", f"/photos {lift.number}"))
