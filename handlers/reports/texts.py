"""What service reports say: chart titles, captions, the owner summary and refusals (Simplified
Chinese; Traditional by conversion, with Hong Kong's block names written by hand)."""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    "rp.period.month": "{year}年{month}月",
    "rp.period.week": "{year}年第{week}周（{start}至{end}）",
    "rp.title.staff": "{community} · {period} 物业服务报告",
    "rp.title.owners": "{community} · {period} 物业服务简报",
    "rp.subtitle": "工单 {total} 件 · 首次响应中位 {response} 分钟 · 办结中位 {resolution} 小时 · 业主消息 {messages} 条（负面 {negative}）· 舆情预警 {alerts} 条",
    "rp.footer": "Steward 生成于 {at}",
    "rp.owner.subtitle": "本期受理 {total} 件，已办结 {done} 件",
    "rp.owner.footer": "感谢各位业主的支持与监督",
    "rp.chart.category": "工单按类别",
    "rp.chart.building": "工单按楼栋",
    "rp.chart.rates": "服务指标",
    "rp.chart.rating": "满意度评价（{n} 份）",
    "rp.chart.trend": "负面舆情趋势（每日）",
    "rp.chart.places": "高频问题位置（2次以上）",
    "rp.legend.negative": "负面消息数",
    "rp.legend.share": "负面占比",
    "rp.metric.response_sla": "按时响应率",
    "rp.metric.resolve_sla": "按时办结率",
    "rp.metric.closure": "办结率",
    "rp.metric.satisfaction": "满意率",
    "rp.building": "{b}栋",
    "rp.building.none": "未注明",
    "rp.place": "{building}·{category}",
    "rp.kind.repair": "报修",
    "rp.kind.complaint": "投诉",
    "rp.kind.inquiry": "咨询",
    "rp.empty": "本期无数据",
    "rp.empty.places": "本期无重复问题",
    "rp.sep": " · ",
    "rp.none": "无",
    "rp.caption.staff": (
        "📈 {community} · {period} 服务报告\n工单 {total} 件，办结率 {closure}，按时响应 {response}，"
        "按时办结 {resolve}，满意率 {satisfaction}（{rated} 份评价）\n类别前三：{top}\n高频位置：{places}\n"
        "业主消息 {messages} 条，负面 {negative} 条"
    ),
    "rp.owner.text": (
        "📋 {community} · {period} 物业服务简报\n本期共受理工单 {total} 件（报修 {repairs} 件、投诉 {complaints} 件、咨询 {inquiries} 件），"
        "已办结 {done} 件（办结率 {closure}）。\n"
        "首次响应中位时间 {response} 分钟，按时响应率 {sla}。\n业主满意率 {satisfaction}（{rated} 份评价）。\n"
        "主要问题：{top}\n感谢各位业主的支持与监督，如有问题欢迎随时在群内反映。"
    ),
    "rp.owner.top": "{category} {n} 件",
    "rp.visits": "简单维修{within}分钟内到场 {rate}（{visited}/{total}，目标 ≥ {target}）",
    "rp.empty.period": "{community} · {period} 没有工单、业主消息或舆情预警，不生成报告。",
    "rp.no_chart": "未附图表：服务器找不到中文字体（需安装 noto-cjk-sans-otc 或 fonts-noto-cjk）。以下为文字版和 CSV 数据：",
    "rp.csv": "CSV：",
    "rp.btn.publish": "发布业主版",
    "rp.published": "已将{period}服务简报发布到 {n} 个业主群。",
    "rp.published.already": "{period}服务简报已发布过，未重复发送。",
    "rp.err.period": "请写明月份、周、季度或年份，例如 /report 2026-11、/report 2026-W47、/report 2026-Q4 或 /report 2026。",
    "rp.period.quarter": "{year}年第{quarter}季度",
    "rp.period.year": "{year}年",
    "rp.na": "-",
    "rp.minutes": "{n} 分钟",
    "rp.fig.line": "{mark} {label} {value}（目标 {target}）",
    "rp.fig.complaint_closure": "投诉办结率",
    "rp.fig.overdue": "逾期率",
    "rp.fig.first_time_fix": "一次解决率",
    "rp.fig.visit_30min": "简单维修30分钟上门率",
    "rp.fig.revisit": "回访率",
    "rp.fig.satisfaction": "满意率",
    "rp.fig.median_response": "首次响应中位时间",
    "rp.cmp.prev.week": "上周 {value}",
    "rp.cmp.prev.month": "上月 {value}",
    "rp.cmp.prev.quarter": "上季度 {value}",
    "rp.cmp.prev.year": "上年 {value}",
    "rp.cmp.yoy": "去年同期 {value}",
    "rp.targets.head": "【指标对照目标】",
    "rp.targets.missed": "未达标 {n} 项：{names}",
    "rp.targets.all_met": "各项指标均已达标",
    "rp.star": "【月度服务之星】{name}（处理 {handled} 件，一次解决 {fixed} 件，好评 {satisfied} 份）",
    "rp.star.none": "【月度服务之星】本月暂无（需处理至少 {n} 件工单且得分为正）",
    "rp.low.head": "【本月低评工单 {n} 件】",
    "rp.low.line": "{number} {category} · {steward} · {rating}：{reasons}",
    "rp.low.reason.none": "业主未说明原因",
    "rp.low.none": "本月没有低评工单",
    "rp.chart.targets": "指标与目标（黑线为目标）",
    "rp.chart.compare": "同比与环比：各项比率",
    "rp.cmp.col.yoy": "去年同期",
    "rp.cmp.col.prev.week": "上周",
    "rp.cmp.col.prev.month": "上月",
    "rp.cmp.col.prev.quarter": "上季度",
    "rp.cmp.col.prev.year": "上年",
    "rp.cmp.col.this.week": "本周",
    "rp.cmp.col.this.month": "本月",
    "rp.cmp.col.this.quarter": "本季度",
    "rp.cmp.col.this.year": "本年",
    "rp.chart.months.rates": "月度趋势：各项比率",
    "rp.chart.months.response": "月度趋势：首次响应中位时间（分钟）",
    "rp.kpi.head": "【管家绩效】{community} · {period}",
    "rp.kpi.line": (
        "{name}：处理 {handled} 件 · 按时响应 {response} · 按时办结 {resolve} · 一次解决 {ftf} · "
        "评价 {rated} 份（满意率 {satisfaction}，不满意 {unhappy}）· 表扬 {praise} · 回访 {revisits}"
    ),
    "rp.kpi.nobody": "本期名册上没有管家。",
    "rp.kpi.own": "{name}，您{period}的服务数据：",
    "rp.kpi.own.star": "恭喜您获评本月「月度服务之星」！",
    "rp.err.kpi_chat": "管家绩效请在主管群、管理层群或私聊中查看。",
    "rp.err.no_community": "本群尚未绑定小区。",
    "rp.err.owners_chat": "服务报告请在管家群或主管群查看。",
}

TEXTS_HANT: dict[str, str] = {"rp.building": "{b}座"}  # Hong Kong names blocks 座
