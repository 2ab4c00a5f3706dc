"""An owner group's evening: 50 messages, of which 5 are real reports; the rest is chatter,
acknowledgements, emoji, a merge, follow-ups, a chase and an urgent report about an open
incident. Shared by the local-channel test and the Telegram end-to-end test; it must open
exactly five tickets (BX ×4, TS ×1) and answer the owners eight times."""

from __future__ import annotations

from typing import NamedTuple


class Said(NamedTuple):
    user: str
    text: str
    replies_to_ack: bool = False  # a reply to the bot's acknowledgement of this user's report


EVENING: tuple[Said, ...] = (
    Said("u-8", "大家晚上好"),
    Said("u-9", "楼下水果店的荔枝今天特价，要的接龙"),
    Said("u-10", "接龙：1. 3栋1302 两斤"),
    Said("u-1", "3栋2单元1302厨房水管漏水了，麻烦派人来修"),
    Said("u-11", "哈哈哈哈"),
    Said("u-1", "補充：係廚房水槽下面", replies_to_ack=True),
    Said("u-12", "有没有人一起去跑步"),
    Said("u-8", "今晚月亮好圆啊"),
    Said("u-2", "1栋门禁坏了，刷卡没反应"),
    Said("u-9", "谁家的小猫跑出来了，橘色的，在2栋门口"),
    Said("u-10", "是我家的，谢谢提醒！"),
    Said("u-2", "😡"),
    Said("u-11", "明天降温了，大家多穿点衣服"),
    Said("u-12", "好的好的"),
    Said("u-3", "2栋电梯坏了，按了没反应"),
    Said("u-8", "小朋友们在花园玩得好开心"),
    Said("u-6", "2栋电梯又坏了"),
    Said("u-9", "团购的牛奶到了，在门卫处自提"),
    Said("u-3", "还有，电梯里的灯也不亮"),
    Said("u-10", "周末有人去爬山吗"),
    Said("u-11", "👍"),
    Said("u-12", "晚安各位"),
    Said("u-8", "早点休息"),
    Said("u-1", "收到"),
    Said("u-9", "今天的晚霞真好看"),
    Said("u-4", "楼上天天半夜装修敲墙，吵得根本睡不着，太过分了"),
    Said("u-10", "有人捡到一串钥匙吗？蓝色钥匙扣"),
    Said("u-11", "太好了谢谢"),
    Said("u-12", "分享一个好吃的面馆，就在小区对面"),
    Said("u-8", "下次一起去"),
    Said("u-1", "點解仲未有人嚟？好急呀"),
    Said("u-9", "哈哈好啊"),
    Said("u-10", "加油加油"),
    Said("u-7", "2栋电梯困人了，有小孩在里面！"),
    Said("u-11", "今天天气真好啊"),
    Said("u-12", "大家注意保暖"),
    Said("u-2", "谢谢"),
    Said("u-8", "明白"),
    Said("u-5", "3栋1单元1802马桶堵了，冲不下去"),
    Said("u-9", "OK"),
    Said("u-10", "🙏🙏"),
    Said("u-4", "[发怒]"),
    Said("u-11", "好的"),
    Said("u-5", "好的，谢谢管家"),
    Said("u-12", "哈哈"),
    Said("u-8", "晚安"),
    Said("u-9", "晚安😴"),
    Said("u-10", "明天见"),
    Said("u-6", "收到"),
    Said("u-3", "谢谢师傅"),
)

# What the evening opens: the reports' owners, in order, with their kind.
REPORTS = (("u-1", "repair"), ("u-2", "repair"), ("u-3", "repair"), ("u-4", "complaint"), ("u-5", "repair"))
# The owners' group hears this much: five acknowledgements, one merge (u-6), the chase (u-1)
# and the urgent report that made the lift ticket urgent (u-7); nothing for anything else.
ANSWERED = ("u-1", "u-2", "u-3", "u-6", "u-4", "u-1", "u-7", "u-5")
