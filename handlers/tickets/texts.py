"""What tickets say: the steps told to owners and staff, the answers to commands and presses,
the SLA watch's reminders and escalations, and the labels of the audit trail's actions.

Texts are Simplified Chinese; Traditional is converted (`bot.core.texts`) except where
`TEXTS_HANT` has Cantonese written by hand.
"""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    "t.owner.accepted": "工单 {number} 已由{name}受理，正在处理。",
    "t.owner.progress": "工单 {number} 进度：{note}",
    "t.owner.resolved": "工单 {number} 已处理完毕：{note}\n请您对本次服务进行评价：",
    "t.owner.cancelled": "工单 {number} 已取消：{note}",
    "t.owner.merged": "已有 {n} 位业主反映此问题，已合并处理（工单 {number}），处理完毕会通知您。",
    "t.owner.merged_resolved": "您反映的问题（工单 {number}）已处理完毕：{note}",
    "t.owner.again": "您已反映过此问题（工单 {number}），我们正在处理。",
    "t.staff.accepted": "✅ {name} 已接单 {number}",
    "t.staff.claimed": "✅ {name} 抢单成功 {number}",
    "t.staff.claim_lost": "手慢了，{number} 已由{name}接单。",
    "t.staff.note": "📝 {number} 进度（{name}）：{note}",
    "t.staff.resolved": "🏁 {number} 已办结（{name}）：{note}",
    "t.staff.transferred": "🔁 {number} 已由{from_name}转派给{to_name}，请接单。",
    "t.staff.assigned": "👉 {number} 已派给{to_name}，请接单。",
    "t.staff.cancelled": "🚫 {number} 已取消（{name}）：{note}",
    "t.staff.merged": "➕ {number} 又有业主反映（共 {n} 位）。",
    "t.staff.chased": "⏳ 业主催办 {number}，请尽快处理并回复业主。",
    "t.answer.ok": "已记录",
    "t.rating.thanks": "感谢您的评价「{rating}」！工单 {number} 已归档。",
    "t.rating.unhappy": "抱歉让您不满意，工单 {number} 已重新打开，主管将在2小时内跟进。",
    "t.rating.alert": "⚠️ 业主对工单 {number} 的处理「不满意」，已重新打开，请在2小时内跟进（{deadline}前）。",
    "t.rating.not_yours": "只有提交工单的业主可以评价。",
    "t.rating.closed": "该工单已评价或已归档。",
    "t.my.none": "您目前没有工单。",
    "t.my.title": "您的工单：",
    "t.my.staff_title": "您负责的未完成工单：",
    "t.my.line": "{number}｜{category}｜{status}",
    "t.ticket.head": "工单 {number}（{category}·{place}）\n状态：{status}　责任人：{assignee}",
    "t.ticket.event": "{at} {action}{note}",
    "t.resolved_default": "已处理",
    "err.bad_transition": "工单 {number} 当前为「{status}」，不能改为「{target}」。",
    "err.no_ticket": "找不到工单 {number}。",
    "err.not_your_ticket": "您只能查看自己的工单。",
    "err.not_assignee": "该工单由{name}负责，请由负责人或主管操作。",
    "err.no_person": "找不到管家「{name}」。",
    # the SLA watch
    "sla.reminder": "⏰ 工单 {number}（{category}·{place}）的{phase}时限将到（{due}），请尽快处理。",
    "sla.breach": "🚨 工单 {number}（{category}·{place}）已超过{phase}时限（{due}），责任人：{assignee}。请主管跟进。",
    "sla.manager": "🚨🚨 工单 {number}（{category}·{place}）已超时一倍以上（{phase}时限 {due}），责任人：{assignee}。请经理关注。",
    "sla.phase.respond": "响应",
    "sla.phase.resolve": "办结",
}

TEXTS_HANT: dict[str, str] = {
    "t.owner.merged": "已有 {n} 位業主反映呢個問題，已合併處理（工單 {number}），處理好會通知你。",
    "t.my.none": "你而家冇工單。",
    "t.my.title": "你嘅工單：",
    "t.rating.thanks": "多謝你嘅評價「{rating}」！工單 {number} 已歸檔。",
    "t.rating.unhappy": "唔好意思令你唔滿意，工單 {number} 已重新開啟，主管會喺2小時內跟進。",
}

# The audit trail's actions as /ticket shows them.
ACTION_LABELS: dict[str, str] = {
    "opened": "受理",
    "assigned": "派单",
    "claimed": "抢单",
    "accepted": "接单",
    "note": "进度",
    "resolved": "办结",
    "transferred": "转派",
    "cancelled": "取消",
    "rated": "评价",
    "reopened": "重新打开",
    "closed": "归档",
    "merged": "合并反映",
    "chased": "业主催办",
    "sla_reminder": "时限提醒",
    "sla_breach": "超时升级",
    "sla_manager": "超时升级（经理）",
    "auto_closed": "超时未评价归档",
}
