"""What opinion monitoring says: alert cards, fold notes, verdicts and the digest (Simplified
Chinese; Traditional by conversion)."""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    "op.tier.2": "二级·主管48小时内跟进",
    "op.tier.3": "三级·管理层即刻介入，统一对外口径",
    "op.card.message": (
        "{icon} 舆情预警（{tier}）#{id}\n小区：{community} · {chat}\n业主：{owner}\n消息：{text}\n"
        "原因：{reasons}（情绪 {sentiment}）\n{tickets}\n时间：{time}"
    ),
    "op.card.group": (
        "👥 群体投诉预警（二级·主管48小时内跟进）#{id}\n小区：{community}\n"
        "{owners} 位业主在{window}内反映「{topic}」：\n{quotes}\n{tickets}\n时间：{time}"
    ),
    "op.card.spike": (
        "📈 负面消息激增（二级·主管48小时内跟进）#{id}\n小区：{community}\n"
        "近1小时业主负面消息 {count} 条，过去{days}天同一时段平均 {mean} 条（阈值 {threshold}）\n"
        "热点话题：{topics}\n时间：{time}"
    ),
    "op.card.quote": "· {owner}：{text}",
    "op.card.folded": "🔁 此后又有 {n} 条相关消息",
    "op.card.state.followed": "✅ 已跟进：{name}",
    "op.card.state.false_positive": "❎ 误报：{name}",
    "op.reason.crisis": "险情：{words}",
    "op.reason.external": "外部渠道：{words}",
    "op.reason.exposure": "媒体或诉讼：{words}",
    "op.reason.collective": "集体行动：{words}",
    "op.reason.refusal": "拒交费用：{words}",
    "op.reason.negative": "负面用语：{words}",
    "op.tickets": "业主未结工单：{tickets}",
    "op.tickets.none": "业主未结工单：无",
    "op.ticket": "{number}（{category}·{status}{late}）",
    "op.ticket.late": "·已超时：{what}",
    "op.late.respond": "响应",
    "op.late.resolve": "办结",
    "op.status.open": "待派单",
    "op.status.assigned": "已派单",
    "op.status.in_progress": "处理中",
    "op.status.resolved": "已解决",
    "op.status.closed": "已关闭",
    "op.status.reopened": "重新处理",
    "op.status.cancelled": "已取消",
    "op.kind.repair": "报修",
    "op.kind.complaint": "投诉",
    "op.kind.inquiry": "咨询",
    "op.kind.message": "单条",
    "op.kind.group": "群体",
    "op.kind.spike": "激增",
    "op.fold": "🔁 预警 #{id}（{topic}）又有 {n} 条相关消息",
    "op.fold.latest": "最新：{owner}：{text}",
    "op.btn.followed": "已跟进",
    "op.btn.false": "误报",
    "op.verdict.open": "待跟进",
    "op.verdict.followed": "已跟进",
    "op.verdict.false_positive": "误报",
    "op.pressed": "✅ 预警 #{id} 已标记为「{verdict}」（{name}）",
    "op.pressed.again": "预警 #{id} 已由 {name} 标记为「{verdict}」",
    "op.err.unknown": "该预警不存在或已失效。",
    "op.dur.minutes": "{n}分钟",
    "op.dur.hours": "{n}小时",
    "op.sep": " · ",
    "op.none": "无",
    "op.topic": "{label} {n}",
    "op.digest.title": "📊 舆情日报 · {community}（{since} 至 {until}）",
    "op.report.title": "📊 舆情报告 · {community}（{since} 至 {until}）",
    "op.digest.messages": "业主消息 {messages} 条，负面 {negative} 条（{share}）",
    "op.digest.alerts": "预警 {n} 条：待跟进 {open} · 已跟进 {followed} · 误报 {false}",
    "op.digest.alert": "  #{id} {kind}·{tier}级 {topic}：{state}，相关消息 {related} 条",
    "op.digest.more": "  …另有 {n} 条",
    "op.digest.topics": "热点话题：{topics}",
    "op.digest.tickets": "相关工单：{tickets}",
    "op.digest.suggestions": "业主建议 {n} 条：{ids}（/suggestions 查看）",
    "op.digest.praise": "业主表扬 {n} 次：{names}",
}

TEXTS_HANT: dict[str, str] = {}
