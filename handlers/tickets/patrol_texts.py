"""What stewards' work orders and the rectification ledger say (Simplified; Traditional is
converted except where `PATROL_HANT` has Cantonese written by hand)."""

from __future__ import annotations

PATROL_HANS: dict[str, str] = {
    "t.card.patrol": "🔍 巡查开单：{name}（无业主，不回访）",
    "t.card.hazard": "🚧 已列入隐患整改台账，整改期限：{due}",
    "t.patrol.opened": "✅ 已开单 {number}（{category}·{place}），{who}。",
    "t.patrol.assigned": "已派给{name}",
    "t.patrol.unassigned": "暂无值班管家，已请主管派单",
    "t.patrol.hazard": "🚧 已列入隐患整改台账，整改期限 {due}。",
    "t.patrol.where": "请在管家工作群或私聊中开单。",
    "t.usage.open": "/open 3栋 消防通道堆满杂物（或「开单：3栋 消防通道堆满杂物」）",
    "t.usage.hazard": "/hazard 工单号 done 整改说明",
    "t.hazards.title": "🚧 隐患整改台账：未整改 {n} 项",
    "t.hazards.none": "🚧 隐患整改台账：目前没有未整改的隐患。",
    "t.hazards.line": "· {overdue}{number}｜{category}·{place}｜期限 {due}｜责任人 {name}｜{photo}",
    "t.hazards.overdue": "⏰已逾期 ",
    "t.hazards.photo": "有整改前照片",
    "t.hazards.no_photo": "无照片",
    "t.hazards.not_listed": "工单 {number} 不在隐患整改台账中。",
    "t.hazards.closed_already": "隐患 {number} 已经销项了。",
    "t.hazards.done": "✅ 隐患 {number} 已整改销项。",
    "t.staff.hazard_done": "🚧✅ 隐患 {number} 已整改销项（{name}）{note}",
    "hazard.overdue": "⏰ 隐患整改逾期（{n} 项），请主管督办：",
    "hazard.overdue.line": "· {number}（{category}·{place}）整改期限 {due}，责任人：{name}",
}

PATROL_HANT: dict[str, str] = {
    "t.card.patrol": "🔍 巡查開單：{name}（冇業主，唔使回訪）",
    "t.patrol.unassigned": "而家冇當值管理員，已請主管派單",
    "t.patrol.where": "請喺管理處工作群或者私訊開單。",
    "t.hazards.none": "🚧 隱患整改台賬：而家冇未整改嘅隱患。",
    "t.hazards.not_listed": "工單 {number} 唔喺隱患整改台賬入面。",
    "t.hazards.closed_already": "隱患 {number} 已經銷咗項。",
}
