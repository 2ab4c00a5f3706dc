"""What general says: where Steward hears only what is addressed to it and shows no buttons
(WeCom's robots), /help says what to write, "@物业管家 …", instead of which button to press
(`{robot}` is the name people @-mention, `Capabilities.addressed_as`); and what the
supervisors and admins are told when Steward can no longer post to a chat (`service.py`)."""

from __future__ import annotations

TEXTS_HANS: dict[str, str] = {
    "help.owners.typed": (
        "您好，我是物业管家机器人。在本群 @{robot} 并描述问题即可报修或投诉，例如「@{robot} 3栋厨房水管漏水」。\n"
        "@{robot} /my 查看我的工单\n"
        "@{robot} /ticket 工单号 查看进度\n"
        "处理完成后，按提示发送「@{robot} 满意 工单号」等进行评价。\n"
        "也可以直接私聊我报修，私聊时不用 @。"
    ),
    "help.stewards.typed": (
        "管家工作群：新工单会发到这里，卡片下方写着每一步要发的话，可直接复制。\n"
        "在群里 @{robot} 并写：\n"
        "· 接单 工单号，例：@{robot} 接单 BX-20261123-0001\n"
        "· 已解决 工单号 处理结果，例：@{robot} 已解决 BX-20261123-0001 换了阀门\n"
        "· 已到场 工单号（到达现场时，紧急工单须1小时内）\n"
        "· 进度 工单号 进度说明（可附照片）\n"
        "· 转派 工单号 管家姓名\n"
        "· 改为报修 / 改为投诉 / 改为咨询 / 不是工单 工单号\n"
        "引用工单卡片时可以不写工单号（如 @{robot} 接单），也可以只写卡片上的序号（如 @{robot} 1）。\n"
        "@{robot} /my 查看我负责的工单；私聊我时不用 @。"
    ),
    "help.supervisors.typed": (
        "主管群：这里接收超时升级、舆情预警和日报。\n"
        "在群里 @{robot} 并写：\n"
        "· 派给 工单号 管家姓名\n"
        "· 取消 工单号 原因\n"
        "· /notice 通知内容：先出预览，预览下方写着确认要发的话（如 @{robot} 确认发送 N12）\n"
        "引用消息回复时，写消息下方的序号即可（如 @{robot} 1）。"
    ),
    "help.unbound.typed": "本群尚未绑定小区。请管理员生成绑定码后在群里发送 @{robot} /bind 绑定码。",
    # Steward can no longer post to a chat (WeCom 93000: its group robot is dead), and again
    "chat.push_failed": (
        "⚠️ 机器人已无法向群「{title}」（{role}）发送任何消息：平台拒绝了该群机器人的推送地址（{error}）。"
        "发往该群的通知、回复和工单卡片都会失败，直到修好为止。\n"
        "修复：在该群重新添加群机器人，把新的 webhook key 写进社区配置文件（该群的 webhook_key）后重启，"
        "或在该群 @机器人 说一句话让我记下新地址。修好后，一天内未送达的消息会自动补发。\n"
        "查看：steward {platform} chats；再试一次：steward {platform} retry {chat_id}"
    ),
    "chat.push_restored": "✅ 群「{title}」（{role}）的机器人已恢复，{n} 条未送达的消息已重新发送。",
    "chat.role.owners": "业主群",
    "chat.role.stewards": "管家群",
    "chat.role.supervisors": "主管群",
    "chat.role.management": "管理层群",
    "chat.role.private": "私聊",
    "chat.role.unbound": "未绑定的群",
    # a staff member addressed Steward with words no feature read
    "words.unheard": (
        "没看懂这句话。可以这样写（工单号见卡片）：\n"
        "{address}接单 工单号\n"
        "{address}已解决 工单号 处理结果\n"
        "{address}进度 工单号 进度说明\n"
        "引用工单卡片时可以不写工单号。发送 {address}/help 查看全部。"
    ),
}
