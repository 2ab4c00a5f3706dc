"""What the stewards' digest says. Simplified Chinese; Traditional is converted except where
`TEXTS_HANT` has Cantonese written by hand."""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    "tr.digest.title": "🗂️ 待确认的业主消息 {n} 条（{since}–{until}）\n分类不确定，未开单、未回复业主。请逐条选择「开单」或「忽略」：",
    "tr.digest.line": "{i}. {name}（{place}）{at}：{text}",
    "tr.digest.guess": "　　〔{guess}〕",
    "tr.digest.opened": "　　✅ 已开单 {number}（{by}）",
    "tr.digest.joined": "　　✅ 已并入 {number}（{by}）",
    "tr.digest.ignored": "　　🗑️ 已忽略（{by}）",
    "tr.digest.more": "…另有 {n} 条，下次汇总。",
    "tr.btn.open": "第{i}条 开单",
    "tr.btn.ignore": "第{i}条 忽略",
    "tr.told.opened": "🗂️ 待确认第 {i} 条：已开单 {number}（{by}）",
    "tr.told.joined": "🗂️ 待确认第 {i} 条：已并入 {number}（{by}）",
    "tr.told.ignored": "🗂️ 待确认第 {i} 条：已忽略（{by}）",
    "tr.answer.opened": "已开单 {number}",
    "tr.answer.joined": "已并入 {number}",
    "tr.answer.ignored": "已忽略",
    "tr.answer.done": "已处理",
    "tr.kind.repair": "报修",
    "tr.kind.complaint": "投诉",
    "tr.kind.inquiry": "咨询",
    "tr.place.unknown": "楼栋未知",
}

TEXTS_HANT: dict[str, str] = {
    "tr.digest.title": "🗂️ 待確認嘅業主訊息 {n} 條（{since}–{until}）\n分類唔確定，未開單、未回覆業主。請逐條揀「開單」或「忽略」：",
    "tr.digest.more": "…仲有 {n} 條，下次再列。",
}
