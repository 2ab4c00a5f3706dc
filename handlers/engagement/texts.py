"""What owners' voice says: polls (Simplified Chinese; Traditional by conversion, with
Cantonese wording where it reads differently)."""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    # polls
    "eg.poll.usage": (
        "用法：/poll 问题 选项1|选项2 [截止 时间]\n例：/poll 中秋活动选哪天？ 周六|周日 截止 9月20日 20:00\n"
        "查看：/poll result 编号；提前结束：/poll close 编号"
    ),
    "eg.poll.err.options": "请给出 2 到 {max} 个不重复的选项，用 | 分隔，每个不超过 {length} 个字。",
    "eg.poll.err.question": "请写上投票的问题（不超过 {length} 个字）。",
    "eg.poll.err.when": "看不懂截止时间「{value}」。可以写：9月20日 20:00、明天 18:00、3天、48小时。",
    "eg.poll.err.past": "截止时间 {when} 已经过去了，请写一个将来的时间。",
    "eg.poll.err.far": "截止时间最多在 {days} 天之内。",
    "eg.poll.err.no_groups": "{community} 还没有业主群，投票无处可发。",
    "eg.poll.err.community": "请在本小区的工作群、主管群或私聊中发起投票。",
    "eg.poll.err.unknown": "没有编号为 {ref} 的投票。",
    "eg.poll.err.stale": "这个投票按钮已失效。",
    "eg.poll.err.closed": "投票「{question}」已于 {when} 截止，不能再投了。",
    "eg.poll.err.owner_only": "投票仅限业主参与。",
    "eg.poll.err.elsewhere": "这个投票不属于本群所在的小区。",
    "eg.poll.post": "🗳️ 业主投票 #{id}：{question}\n截止：{when}\n匿名投票，每户业主一票，截止前可改选。请点下方选项：",
    "eg.poll.created": "✅ 投票 #{id} 已发到 {groups} 个业主群，{when} 截止，届时公布结果。",
    "eg.poll.voted": "已投「{option}」。截止前可改选。",
    "eg.poll.changed": "已改投「{option}」。",
    "eg.poll.same": "您已投「{option}」。",
    "eg.poll.voted.blind": "已收到您的投票（匿名，截止前可改选）。",
    "eg.poll.result": "🗳️ 投票结果 #{id}：{question}\n{lines}\n共 {total} 人投票。感谢参与！",
    "eg.poll.result.line": "{option}：{votes} 票（{share}）",
    "eg.poll.result.none": "无人投票。",
    "eg.poll.staff": "🗳️ 投票 #{id}（{state}）：{question}\n合计：{total_line}（{total} 人）\n按楼栋：\n{lines}",
    "eg.poll.staff.open": "进行中，{when} 截止",
    "eg.poll.staff.closed": "已于 {when} 截止",
    "eg.poll.staff.line": "  {building}：{counts}",
    "eg.poll.staff.count": "{option} {votes}",
    "eg.poll.staff.unknown": "未登记楼栋",
    "eg.poll.closed_early": "✅ 投票 #{id} 已提前结束，结果已发到业主群。",
    "eg.poll.already_closed": "投票 #{id} 已于 {when} 截止。",
    # activities
    "eg.act.usage": (
        "用法：/activity 名称 日期 [时间] [限N人]\n例：/activity 中秋游园 9月28日 14:00 限50人\n"
        "报名表：/activity list 编号；取消活动：/activity cancel 编号"
    ),
    "eg.act.err.when": "看不懂活动时间「{value}」。可以写：9月28日、9月28日 14:00、明天 9点。",
    "eg.act.err.past": "活动时间 {when} 已经过去了。",
    "eg.act.err.capacity": "名额请写成「限N人」，N 在 1 到 {max} 之间。",
    "eg.act.err.title": "请写上活动名称（不超过 {length} 个字）。",
    "eg.act.err.unknown": "没有编号为 {ref} 的活动。",
    "eg.act.err.stale": "这个活动按钮已失效。",
    "eg.act.err.over": "「{title}」已开始或已取消，不能再报名了。",
    "eg.act.err.owner_only": "活动报名仅限业主。",
    "eg.act.err.elsewhere": "这个活动不属于本群所在的小区。",
    "eg.act.err.people": "一次最多报 {max} 人。",
    "eg.act.err.no_room": "名额不足：您已报 {people} 人，最多还能改为 {most} 人。",
    "eg.act.err.which": "现在有几个活动在报名：{titles}。请回复要报名的活动消息，或写「报名 #编号 2人」。",
    "eg.act.err.rate_only": "仅报名参加的业主可以评分。",
    "eg.act.unlimited": "不限",
    "eg.act.post": (
        "🎉 社区活动 #{id}：{title}\n时间：{when}\n名额：{capacity}\n"
        "点「报名」即报 1 人；多人同行请在群里发「报名 2人」。不能参加请点「取消报名」。"
    ),
    "eg.act.board": "📋 报名接龙：已报 {taken}{of} 人（{households} 户）{waiting}",
    "eg.act.board.of": "/{capacity}",
    "eg.act.board.waiting": "，候补 {n} 户 {people} 人",
    "eg.act.board.line": "{n}. {name} {people}人",
    "eg.act.board.more": "…等共 {n} 户",
    "eg.act.join": "报名",
    "eg.act.leave": "取消报名",
    "eg.act.created": "✅ 活动 #{id}「{title}」已发到 {groups} 个业主群（{when}，名额 {capacity}）。",
    "eg.act.joined": "已报名「{title}」{people} 人。",
    "eg.act.waiting": "名额已满，已排入候补第 {n} 位（{people} 人），有人取消会通知您。",
    "eg.act.same": "您已报名「{title}」{people} 人。",
    "eg.act.left": "已取消「{title}」的报名。",
    "eg.act.not_signed": "您还没有报名「{title}」。",
    "eg.act.promoted": "🎉 您候补的「{title}」（{when}）有名额了，已为您报名 {people} 人。",
    "eg.act.promoted.group": "🎉 候补的业主已转为报名「{title}」：",
    "eg.act.remind": "⏰ 提醒：您报名的「{title}」将于 {when} 举行（{people} 人）。如不能参加，请在群里点「取消报名」。",
    "eg.act.remind.group": "⏰ 提醒：「{title}」将于 {when} 举行，已报名的业主请准时参加：",
    "eg.act.cancelled": "📣 活动 #{id}「{title}」（{when}）已取消，给大家带来不便，敬请谅解。",
    "eg.act.cancelled.staff": "✅ 活动 #{id} 已取消，已通知业主群。",
    "eg.act.already_cancelled": "活动 #{id} 已取消。",
    "eg.act.feedback": "🙏「{title}」已结束，感谢参加！参加的业主请为本次活动打分（5 分最满意）：",
    "eg.act.rated": "感谢您的评分：{score} 分！",
    "eg.act.sheet": (
        "📋 活动 #{id}「{title}」签到表（{when}）\n已报名 {households} 户 {taken} 人，名额 {capacity}\n{lines}"
    ),
    "eg.act.sheet.line": "{n}. {name}{building} {people}人 □",
    "eg.act.sheet.waiting": "候补：",
    "eg.act.sheet.none": "（还没有人报名）",
    "eg.act.sheet.rating": "评分：{average} 分（{n} 人评）",
    "eg.act.sheet.cancelled": "（已取消）",
    # fees
    "eg.fee.friendly": (
        "🔔 温馨提示：您的房屋 {unit} 本期物业费 {amount} 将于 {due} 到期，请按时缴纳，感谢支持！\n"
        "已缴纳请点「已缴」；对金额有疑问请点「有异议」，管家会与您联系。"
    ),
    "eg.fee.formal": (
        "📄 物业费催缴通知：您的房屋 {unit} 物业费已逾期 {months} 个月，欠费 {amount}。请尽快缴纳。\n"
        "如已缴纳请点「已缴」；如有异议请点「有异议」，管家会与您联系核对。"
    ),
    "eg.fee.paid": "已缴",
    "eg.fee.dispute": "有异议",
    "eg.fee.answered": "已收到，管家会尽快核对，谢谢！",
    "eg.fee.answered.again": "您已回复过「{answer}」，管家会尽快核对。",
    "eg.fee.steward": "💰 催缴回复 F{id}：{unit} 的业主回复「{answer}」，请核对缴费记录并联系业主。",
    "eg.fee.staff.cases": "📂 欠费超过 {months} 个月的住户（{n} 户，请安排上门或按规定处理）：\n{lines}",
    "eg.fee.staff.unreached": "📵 以下住户无法私信提醒（未与物业管家私聊），请人工通知（{n} 户）：\n{lines}",
    "eg.fee.staff.line": "  F{id} {unit} {what}",
    "eg.fee.what.friendly": "本期将到期",
    "eg.fee.what.formal": "逾期 {months} 个月",
    "eg.fee.what.case": "逾期 {months} 个月",
    "eg.fee.staff.details": "详情请在与我的私聊中发送 /fees case 编号。",
    "eg.fee.rate": "💰 {community} 物业费收缴率 {rate}（目标 {target}）{flag}\n住户 {total} 户，欠费 {overdue} 户{buildings}",
    "eg.fee.rate.building": "\n  {building}：{rate}（{overdue}/{total} 户欠费）{flag}",
    "eg.fee.rate.miss": "❗未达标",
    "eg.fee.rate.ok": "✅",
    "eg.fee.rate.none": "{community} 还没有导入缴费数据（steward fees import）。",
    "eg.fee.case": "💰 F{id} {unit}：欠费 {amount}，逾期 {months} 个月，账号 {account}。提醒记录：{reminders}",
    "eg.fee.case.private": "缴费详情只在与我的私聊中查看。",
    "eg.fee.err.unknown": "没有编号为 {ref} 的缴费记录。",
    "eg.fee.err.stale": "这个按钮已失效。",
    "eg.fee.err.not_yours": "这条提醒不是发给您的。",
    # care list
    "eg.care.usage": (
        "用法：/care add 房号 类别 [备注]（类别如 独居老人、孕妇、残障人士）\n"
        "/care list；/care remove 编号；/care check 原因（发起安全确认）"
    ),
    "eg.care.added": "✅ 已加入关怀名单 C{id}：{unit} {kind}（仅物业可见）。",
    "eg.care.removed": "已从关怀名单移除 C{id}。",
    "eg.care.list": "🧡 {community} 关怀名单（{n} 户，仅物业可见）：\n{lines}",
    "eg.care.list.line": "  C{id} {unit} {kind}{note}",
    "eg.care.list.none": "{community} 的关怀名单还是空的（/care add 房号 类别）。",
    "eg.care.err.unit": "请写上房号，如 /care add 3-2-1302 独居老人。",
    "eg.care.err.building": "{community} 没有 {building} 栋。",
    "eg.care.err.kind": "请写上类别（如 独居老人、孕妇、残障人士），不超过 {length} 个字。",
    "eg.care.err.unknown": "关怀名单中没有 {ref}。",
    "eg.care.err.stale": "这个确认按钮已失效。",
    "eg.care.err.empty": "{community} 的关怀名单是空的，无需确认。",
    "eg.care.check": (
        "🛟 先确认安全：{reason}\n请在 {minutes} 分钟内（{until} 前）逐户联系以下住户，确认后点按钮；"
        "届时未确认的将上报主管。\n{lines}"
    ),
    "eg.care.check.line": "{n}. {unit} {kind}{note} — {state}",
    "eg.care.state.pending": "待确认",
    "eg.care.state.confirmed": "✅ 已确认（{name}）",
    "eg.care.state.unreached": "❗未联系上（{name}）",
    "eg.care.ok": "{n} 已确认",
    "eg.care.no": "{n} 未联系上",
    "eg.care.marked": "第 {n} 户：{state}",
    "eg.care.escalate": (
        "⚠️ 安全确认超时：{reason}\n以下 {count} 户在 {minutes} 分钟内未确认安全，请主管跟进：\n{lines}"
    ),
    "eg.care.started": "✅ 已发起安全确认（{n} 户），{minutes} 分钟后未确认的将上报主管。",
    # satisfaction survey
    "eg.sv.post": (
        "📝 {community} {quarter} 业主满意度调查\n请为以下 {n} 项服务打分（1 分最差，5 分最满意），"
        "每项点一下右边的分数即可，{until} 前可修改。匿名统计，感谢您的宝贵意见！"
    ),
    "eg.sv.created": "✅ {quarter} 满意度调查 #{id} 已发到 {groups} 个业主群，{until} 截止，届时结果发管家群和主管群。",
    "eg.sv.scored": "「{indicator}」{score} 分，谢谢！（截止前可修改）",
    "eg.sv.explain": "请点「{indicator}」右边的 1-5 分。",
    "eg.sv.err.stale": "这个调查按钮已失效。",
    "eg.sv.err.closed": "本次满意度调查已截止，感谢关注！",
    "eg.sv.err.owner_only": "满意度调查仅限业主参与。",
    "eg.sv.err.none": "{community} 还没有满意度调查（/survey start）。",
    "eg.sv.err.open": "{community} 已有一份进行中的调查 #{id}（{until} 截止）。",
    "eg.sv.result": (
        "📊 {community} {quarter} 满意度调查 #{id}（{state}）\n"
        "参与 {respondents} 户 / {households} 户（{source}），参与率 {rate}\n各项平均分（人数）：\n{lines}"
        "\n按楼栋平均分：{buildings}"
    ),
    "eg.sv.result.line": "  {indicator}：{average}（{n}）{change}",
    "eg.sv.result.change": " 较上次 {delta}",
    "eg.sv.result.building": "{building} {average}",
    "eg.sv.result.none": "—",
    "eg.sv.state.open": "进行中，{until} 截止",
    "eg.sv.state.closed": "已截止",
    "eg.sv.source.billed": "按收费户数",
    "eg.sv.source.registered": "按已登记房号",
    "eg.building": "{building}栋",
    "eg.sep": " · ",
}

TEXTS_HANT: dict[str, str] = {
    "eg.building": "{building}座",
    "eg.poll.voted": "已投「{option}」。截止前可以改。",
    "eg.poll.voted.blind": "收到你嘅投票（匿名，截止前可以改）。",
    "eg.poll.result": "🗳️ 投票結果 #{id}：{question}\n{lines}\n共 {total} 人投票。多謝參與！",
}
