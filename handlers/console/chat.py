"""`/console` in a private chat: a staff member gets a signed sign-in link to the web console
(single use, ten minutes). In a group the link would be anyone's: the person is asked to
write privately. Owners are refused by the role declared at registration."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.roles import Role
from bot.core.router import Router
from handlers.console.service import LINK_TTL, ConsoleService

TEXTS_HANS = {
    "console.link": "管理后台登录链接（{minutes} 分钟内有效，只能使用一次，请勿转发）：\n{url}",
    "console.private_only": "登录链接只能私聊发送：请在与我的私聊中发送 /console。",
    "console.off": "管理后台未开启（需要设置 STEWARD_CONSOLE_SECRET），请联系管理员。",
    "console.link_bad": "登录链接无效、已使用或已过期，请在私聊中重新发送 /console。",
}
TEXTS_HANT = {
    "console.link": "管理後台登入連結（{minutes} 分鐘內有效，只可以用一次，請勿轉發）：\n{url}",
    "console.private_only": "登入連結只會私訊發送：請喺同我嘅私訊度發送 /console。",
    "console.off": "管理後台未開啟（需要設定 STEWARD_CONSOLE_SECRET），請聯絡管理員。",
    "console.link_bad": "登入連結無效、已用過或者已過期，請喺私訊度重新發送 /console。",
}


class ConsoleChat:
    def __init__(self, service: ConsoleService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="console")
        router.command("console", require=Role.STEWARD)(self.console)
        return router

    async def console(self, ctx: Context) -> None:
        if not ctx.is_private:
            await ctx.reply(ctx.t("console.private_only"))
            return
        url = await self.service.issue_link(ctx.uow, ctx.incoming.platform, ctx.incoming.sender_id, ctx.now)
        minutes = int(LINK_TTL.total_seconds() // 60)
        await ctx.reply(ctx.t("console.link", minutes=minutes, url=url))
