"""What suggestions and praise say (Simplified; Traditional converted, with Cantonese for the
owners' lines)."""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    "voice.suggestion.ack": "感谢您的建议！已记录（建议 #{id}），将提交每月物业工作会议讨论，有结果会在群里答复您。",
    "voice.suggestion.staff": "💡 业主建议 #{id}（{owner}）：{text}\n已列入月度会议清单（/suggestions），决定后用 /suggestion {id} 采纳 … 答复业主。",
    "voice.praise.thanks": "谢谢您的肯定！已转达{name}，我们会继续做好服务。",
    "voice.praise.staff": "👍 业主表扬了{name}：{text}",
    "voice.list.none": "目前没有待讨论的业主建议。",
    "voice.list.title": "💡 业主建议清单（{n} 条，供月度会议讨论）：",
    "voice.list.line": "#{id} {date} [{state}] {text}",
    "voice.list.usage": "答复：/suggestion 编号 采纳|不采纳|暂缓 说明",
    "voice.state.open": "待讨论",
    "voice.state.adopted": "已采纳",
    "voice.state.declined": "不采纳",
    "voice.state.noted": "暂缓研究",
    "voice.answer.owner": "📢 关于业主建议 #{id}（{text}）：{decision}{reply}",
    "voice.answer.reply": "。{reply}",
    "voice.answer.done": "✅ 建议 #{id} 已答复：{decision}（已通知业主群）",
    "voice.answer.same": "建议 #{id} 已是「{decision}」，无需重复答复。",
    "voice.usage.answer": "/suggestion 编号 采纳|不采纳|暂缓 说明",
    "voice.err.unknown": "找不到建议 #{id}。",
    "voice.err.no_community": "请在本小区的管家群或主管群中使用此命令。",
}

TEXTS_HANT: dict[str, str] = {
    "voice.suggestion.ack": "多謝你嘅建議！已記錄（建議 #{id}），會交俾每月物業工作會議討論，有結果會喺群入面回覆你。",
    "voice.praise.thanks": "多謝你嘅讚賞！已轉達{name}，我哋會繼續做好服務。",
    "voice.answer.owner": "📢 關於業主建議 #{id}（{text}）：{decision}{reply}",
}
