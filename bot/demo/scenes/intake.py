"""Demo scene: a morning of owner messages in two communities, Simplified and Cantonese,
opening tickets, answering a question and staying quiet at thanks and stickers."""

from __future__ import annotations

from bot.core.events import MessageKind
from bot.demo.kit import Demo, Line

SCRIPT: list[Line] = [
    Line("lxy-owners-1", "u-zhang", "张先生", "3栋2单元1302厨房水管漏水了，水一直往下滴，麻烦尽快派人来看看"),
    Line("lxy-owners-2", "u-li", "李阿姨", "救命！5号楼电梯卡在8楼了，里面有老人出不来！！！"),
    Line("lxy-owners-1", "u-wang", "王女士", "楼上每天晚上12点还在装修敲墙，吵得根本睡不着，已经好几天了😡"),
    Line("lxy-owners-2", "u-chen", "陈先生", "请问这个月的物业费可以用微信交吗？"),
    Line("lxy-owners-1", "u-zhao", "赵先生", "电梯修好了，谢谢管家"),
    Line("lxy-owners-1", "u-zhao", "赵先生", "", MessageKind.STICKER),
    Line("lxy-owners-1", "u-sun", "孙女士", "2栋门口的路灯坏了好几天了，晚上黑漆漆的很不安全"),
    Line("lxy-owners-2", "u-zhou", "周先生", "👍👍"),
    Line("hbhy-owners", "u-wong", "黃生", "A座16樓B室廁所漏水，滴到落樓下，唔該盡快派師傅嚟睇下"),
    Line("hbhy-owners", "u-chan", "陳太", "B座部lift又壞咗，成個禮拜壞咗三次，管理處究竟有冇人理㗎？"),
    Line("hbhy-owners", "u-lee", "李小姐", "聽日幾點停水？"),
    Line("hbhy-owners", "u-ho", "何生", "多謝管理處幫手搬走啲雜物🙏"),
    Line("hbhy-owners", "u-lam", "林太", "C座大堂好大陣煤氣味！！"),
]


async def intake_scene(demo: Demo) -> None:
    demo.console.rule("业主群消息 → 工单")
    for line in SCRIPT:
        await demo.say(line)
