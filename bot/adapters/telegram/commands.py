"""The command menu Telegram shows, in Traditional and Simplified Chinese and English.

`setMyCommands` takes a two-letter ISO 639-1 `language_code` (or none, the default list), so
Chinese can be registered once, under "zh". Telegram is how Hong Kong, Taiwan and overseas
communities run their owner groups, so the default list is Traditional Chinese, "zh" is
Simplified and "en" English. A deployment whose Chinese-speaking users are mostly on
Traditional-Chinese clients can map "zh" to "zh-hant" instead (`languages=` of
`TelegramChannel.set_commands`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

ZH_HANT = "zh-hant"
ZH_HANS = "zh-hans"
EN = "en"

# setMyCommands language_code ("" = every user without a more specific list) -> our locale.
DEFAULT_COMMAND_LANGUAGES: Mapping[str, str] = {"": ZH_HANT, "zh": ZH_HANS, "en": EN}


@dataclass(frozen=True)
class CommandSpec:
    name: str  # 1-32 characters: a-z, 0-9, _
    descriptions: Mapping[str, str]  # locale -> 1-256 characters

    def description(self, locale: str) -> str:
        return self.descriptions.get(locale) or self.descriptions.get(EN) or self.name


DEFAULT_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", {ZH_HANT: "開始使用管家", ZH_HANS: "开始使用管家", EN: "Start using Steward"}),
    CommandSpec(
        "help",
        {ZH_HANT: "說明此群組可做甚麼", ZH_HANS: "说明此群组可做什么", EN: "What Steward does in this chat"},
    ),
    CommandSpec("my", {ZH_HANT: "我的報修與投訴", ZH_HANS: "我的报修与投诉", EN: "My tickets"}),
    CommandSpec("ticket", {ZH_HANT: "查詢工單", ZH_HANS: "查询工单", EN: "Look up a ticket"}),
    CommandSpec("unit", {ZH_HANT: "我的單位", ZH_HANS: "我的单位", EN: "My unit"}),
    CommandSpec(
        "bind", {ZH_HANT: "綁定此群組或單位", ZH_HANS: "绑定此群组或单位", EN: "Bind this chat or a unit"}
    ),
    CommandSpec("notice", {ZH_HANT: "通告", ZH_HANS: "通知公告", EN: "Notices"}),
    CommandSpec("outage", {ZH_HANT: "停水停電通知", ZH_HANS: "停水停电通知", EN: "Water and power outages"}),
    CommandSpec(
        "assign", {ZH_HANT: "指派工單（管家）", ZH_HANS: "指派工单（管家）", EN: "Assign a ticket (stewards)"}
    ),
    CommandSpec(
        "transfer",
        {ZH_HANT: "轉交工單（管家）", ZH_HANS: "转交工单（管家）", EN: "Hand a ticket over (stewards)"},
    ),
)
