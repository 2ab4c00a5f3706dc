"""User-facing text, Simplified Chinese first; Traditional by OpenCC unless written by hand.

Every string the bot says lives here under a key. `zh-Hant` (Hong Kong) converts with
OpenCC's s2hk and `zh-Hant-TW` with s2twp, except where `HANT` gives a hand-written text
(Cantonese wording a converter cannot produce).
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Any

import opencc

HANS: dict[str, str] = {
    # intake
    "ack.repair": "已收到报修，工单 {number}（{category}{place}）。{promise}",
    "ack.complaint": "已收到您的反映，工单 {number}（{category}{place}），我们会认真处理。{promise}",
    "ack.urgent": "⚠️ 紧急情况已通知值班管家和主管，工单 {number}。请注意安全，如有危险请先撤离并拨打119/120。",
    "ack.place": "·{place}",
    "promise.respond": "管家将在{duration}内响应。",
    "inquiry.received": "已收到您的咨询，已转给值班管家，会尽快答复（工单 {number}）。",
    "inquiry.nobody": "已收到您的咨询，管家会尽快答复。",
    # cards in the stewards' group
    "card.title": "{icon} 新工单 {number}{urgent}",
    "card.urgent": " 【紧急】",
    "card.body": "业主：{owner}\n内容：{text}\n响应时限：{respond_due}\n办结时限：{resolve_due}",
    "card.assignee": "责任管家：{name}",
    "card.unassigned": "暂无值班管家，请主管派单。",
    "btn.claim": "接单",
    "btn.accept": "接单",
    "btn.resolve": "已解决",
    # durations
    "dur.minutes": "{n}分钟",
    "dur.hours": "{n}小时",
    "dur.days": "{n}天",
    "place.unknown": "未注明",
    # commands
    "help.owners": "您好，我是物业管家机器人。在本群直接描述问题即可报修或投诉，例如「3栋厨房水管漏水」。\n/my 查看我的工单\n/ticket 工单号 查看进度\n/unit 3-2-1302 登记房号（仅物业可见）",
    "help.stewards": "管家工作群：新工单会发到这里。\n按「接单」认领，到达现场按「已到场」；回复工单卡片即可添加进度或照片；\n/accept /arrive /progress /resolve /transfer 工单号 处理工单（/resolve 可附维修后照片），/photos 工单号 查看照片。\n巡查发现问题：/open 3栋 消防通道堆满杂物（或「开单：…」）；/hazards 查看隐患整改台账，/hazard 工单号 done 整改销项。\n/callbacks 查看待电话回访的工单。",
    "help.supervisors": "主管群：这里接收超时升级、舆情预警和日报。",
    "help.private": "您好，我是物业管家机器人。请在小区业主群中与我互动，或使用 /my 查看您的工单。",
    "help.unbound": "本群尚未绑定小区。请管理员生成绑定码后发送 /bind 绑定码。",
    "err.unknown_command": "未知命令 /{name}。发送 /help 查看可用命令。",
    "err.forbidden": "抱歉，该操作仅限物业工作人员。",
    "err.forbidden_role": "抱歉，该操作仅限{role}。",
    "err.role.supervisor": "主管及以上人员",
    "err.role.manager": "经理及以上人员",
    "err.role.admin": "系统管理员",
    "err.internal": "抱歉，系统开小差了，请稍后再试。我们已记录此问题。",
    "err.too_long": "消息太长了，请精简后再发送。",
    "err.stale_button": "该操作已失效。",
    "err.usage": "用法：{usage}",
    "err.date_range": "日期「{value}」超出范围：请写 {first} 至 {last} 年之间的日期。",
    # to admins, privately: an update the inbox gave up on (bot/core/inbox.py)
    "inbox.parked": "⚠️ 有一条消息处理失败 {failures} 次，已暂停：编号 {id}（{platform} 会话 {chat}，{error}）。查看：steward inbox failed；重新处理：steward inbox retry {id}",
}

# Hand-written Hong Kong (Cantonese) text where the wording differs from a conversion;
# Taiwan (zh-Hant-TW) always converts from Simplified, which reads as Mandarin.
HANT: dict[str, str] = {
    "ack.urgent": "⚠️ 緊急情況已通知當值管理員和主管，工單 {number}。請注意安全，如有危險請先撤離並致電999。",
    "help.owners": "你好，我係物業管家機械人。喺本群直接講出問題就可以報修或投訴，例如「A座廚房水喉漏水」。\n/my 睇我嘅工單\n/ticket 工單號 查進度\n/unit A-16-B 登記單位（只限物業可見）",
    "err.internal": "唔好意思，系統出咗啲問題，請稍後再試。我哋已記錄。",
    "err.unknown_command": "未知指令 /{name}。發送 /help 查看可用指令。",
    "inquiry.nobody": "已收到你嘅查詢，管理處會盡快回覆。",
}

_FORMATTER = string.Formatter()


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_traditional(text: str, variant: str = "zh-Hant") -> str:
    return str(_converter("s2twp" if variant == "zh-Hant-TW" else "s2hk").convert(text))


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


class Texts:
    """Renders keyed texts in a community's language; unknown keys fail loudly in tests."""

    def __init__(self, hans: dict[str, str] | None = None, hant: dict[str, str] | None = None) -> None:
        self.hans = dict(HANS if hans is None else hans)
        self.hant = dict(HANT if hant is None else hant)
        self._cache: dict[tuple[str, str], str] = {}

    def register(self, hans: dict[str, str], hant: dict[str, str] | None = None) -> None:
        """Add a feature module's texts (`TEXTS_HANS` / `TEXTS_HANT`); a key may not clash."""
        clash = set(hans) & set(self.hans)
        if clash:
            raise ValueError(f"text keys defined twice: {sorted(clash)}")
        self.hans.update(hans)
        self.hant.update(hant or {})
        self._cache.clear()

    def template(self, key: str, lang: str) -> str:
        cached = self._cache.get((key, lang))
        if cached is not None:
            return cached
        if key not in self.hans:
            raise KeyError(f"no text for {key!r}")
        if lang == "zh-Hant" and key in self.hant:
            text = self.hant[key]  # Hong Kong Cantonese, written by hand
        elif lang.startswith("zh-Hant"):
            text = to_traditional(self.hans[key], lang)
        else:
            text = self.hans[key]
        self._cache[(key, lang)] = text
        return text

    def render(self, key: str, lang: str, **values: Any) -> str:
        return self.template(key, lang).format(**values)

    def convert(self, text: str, lang: str) -> str:
        """Convert free text written in Simplified (e.g. a category label) to the language."""
        return to_traditional(text, lang) if lang.startswith("zh-Hant") else text
