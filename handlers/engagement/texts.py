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
    "eg.poll.err.when": "看不懂截止时间「{value}」。可以写：9月20日 20:00、明天 18:00、3天后、48小时。",
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
    "eg.building": "{building}栋",
    "eg.sep": " · ",
}

TEXTS_HANT: dict[str, str] = {
    "eg.building": "{building}座",
    "eg.poll.voted": "已投「{option}」。截止前可以改。",
    "eg.poll.voted.blind": "收到你嘅投票（匿名，截止前可以改）。",
    "eg.poll.result": "🗳️ 投票結果 #{id}：{question}\n{lines}\n共 {total} 人投票。多謝參與！",
}
