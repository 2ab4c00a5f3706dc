"""Chat entry points of membership: `/unit` (an owner registers a unit once, kept private)
and `/bind CODE` (a chat joins a community).

A unit typed in a group is seen by everyone there, whatever the reply says: the bot deletes
the message where the platform lets it (`Capabilities.delete_messages`; a group where the bot
is no admin refuses, and the owner is asked to withdraw it), and elsewhere answers privately
and asks the owner to use the private chat next time."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.errors import DomainError
from bot.core.router import Router
from handlers.membership.service import MembershipService
from handlers.shared.privacy import mask_unit

TEXTS_HANS = {
    "unit.saved": "已登记房号 {masked}（仅物业可见）。",
    "unit.usage": "请这样登记房号：/unit 3-2-1302（楼栋-单元-房号）",
    "unit.cannot_remove": "房号是个人信息，我无法在本群撤回您的消息，请您自行撤回；以后请在与我的私聊中发送 /unit 登记。",
    "unit.use_private": "房号是个人信息，请在与我的私聊中发送 /unit 登记，并撤回本群中的房号消息。",
    "unit.told_privately": "已私信告知您登记结果。",
    "unit.unknown_building": "本小区没有 {building} 栋，请检查房号。",
    "unit.already": "您已登记过房号 {masked}。如需更改请联系物业。",
    "bind.done": "本群已绑定到「{community}」，角色：{role}。",
    "bind.invalid": "绑定码无效、已使用或已过期。",
    "bind.usage": "用法：/bind 绑定码",
    "bind.too_many": "本群尝试绑定次数过多，请 {minutes} 分钟后再试。",
    "role.owners": "业主群",
    "role.stewards": "管家工作群",
    "role.supervisors": "主管群",
    "role.management": "管理层群",
}
# Hong Kong units are written block-floor-flat, not 楼栋-单元-房号.
TEXTS_HANT = {
    "unit.usage": "請咁樣登記單位：/unit A-16-B（座-樓-室），亦可以寫 A座16樓B室 或 16/F Flat B, Block A",
}


class MembershipChat:
    def __init__(self, service: MembershipService) -> None:
        self.service = service

    def router(self) -> Router:
        router = Router(name="membership")
        router.command("unit", "房号", "單位")(self.unit)
        router.command("bind")(self.bind)
        return router

    async def unit(self, ctx: Context) -> None:
        parsed = ctx.incoming.command
        written = " ".join(parsed[1]) if parsed else ""
        assert ctx.member is not None
        if ctx.is_private:
            building = await self.service.register_unit(ctx.uow, ctx.member, ctx.community, written)
            await ctx.reply(ctx.t("unit.saved", masked=mask_unit(building, ctx.lang)))
            return
        # In a group: the message is taken away (or the owner asked to) whatever the outcome,
        # so a refusal is answered here rather than raised (raising would roll the deletion back).
        removed = bool(written.strip()) and await ctx.remove_incoming(unless=ctx.t("unit.cannot_remove"))
        try:
            building = await self.service.register_unit(ctx.uow, ctx.member, ctx.community, written)
            outcome = ctx.t("unit.saved", masked=mask_unit(building, ctx.lang))
        except DomainError as exc:
            outcome = ctx.t(exc.key, **exc.values)
        if removed or not written.strip():
            await ctx.reply(outcome, quote=False)  # the message it would quote is gone
        elif await ctx.tell_sender(outcome):
            await ctx.reply(ctx.t("unit.use_private") + ctx.t("unit.told_privately"))
        else:
            await ctx.reply(outcome + "\n" + ctx.t("unit.use_private"))

    async def bind(self, ctx: Context) -> None:
        parsed = ctx.incoming.command
        args = parsed[1] if parsed else []
        if len(args) != 1:
            raise DomainError("bind.usage")
        assert ctx.chat is not None
        bound = await self.service.bind_chat(ctx.uow, ctx.chat, args[0], ctx.now)
        ctx.community = bound.community
        await ctx.reply(ctx.t("bind.done", community=bound.community.name, role=ctx.t(f"role.{bound.role}")))
