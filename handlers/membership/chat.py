"""Who belongs where: `/unit` (an owner registers a unit once, kept private) and
`/bind CODE` (a chat joins a community with a one-time code an admin created)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.context import Context, DomainError
from bot.core.router import Router
from handlers.shared.privacy import mask_unit
from storage.directory.models import BindCode
from storage.uow import Store

router = Router(name="membership")

ROLES = ("owners", "stewards", "supervisors", "management")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones

TEXTS_HANS = {
    "unit.saved": "已登记房号 {masked}（仅物业可见）。",
    "unit.usage": "请这样登记房号：/unit 3-2-1302（楼栋-单元-房号）",
    "unit.unknown_building": "本小区没有 {building} 栋，请检查房号。",
    "unit.already": "您已登记过房号 {masked}。如需更改请联系物业。",
    "bind.done": "本群已绑定到「{community}」，角色：{role}。",
    "bind.invalid": "绑定码无效、已使用或已过期。",
    "bind.usage": "用法：/bind 绑定码",
    "role.owners": "业主群",
    "role.stewards": "管家工作群",
    "role.supervisors": "主管群",
    "role.management": "管理层群",
}


@router.command("unit", "房号", "單位")
async def unit_command(ctx: Context) -> None:
    parsed = ctx.incoming.command
    raw = " ".join(parsed[1]) if parsed else ""
    unit = ctx.services.classifier.classify(raw).unit if raw.strip() else None
    if unit is None or unit.building is None:
        raise DomainError("unit.usage")
    member = ctx.member
    assert member is not None
    community = ctx.community
    if community is None and member.community_id is not None:
        community = await ctx.store.directory.community(member.community_id)
    if community is None:
        raise DomainError("help.unbound")
    if unit.building not in community.buildings:
        raise DomainError("unit.unknown_building", building=unit.building[:8])
    if member.unit:
        raise DomainError("unit.already", masked=mask_unit(member.unit.split("-", 1)[0], ctx.lang))
    member.unit = unit.canonical()
    member.community_id = community.id
    await ctx.reply(ctx.t("unit.saved", masked=mask_unit(unit.building, ctx.lang)))


@router.command("bind")
async def bind_command(ctx: Context) -> None:
    parsed = ctx.incoming.command
    args = parsed[1] if parsed else []
    if len(args) != 1:
        raise DomainError("bind.usage")
    chat = ctx.chat
    assert chat is not None
    code = await ctx.store.tickets.use_bind_code(args[0].strip().upper(), chat.id, ctx.now)
    if code is None:
        raise DomainError("bind.invalid")
    community = await ctx.store.directory.community(code.community_id)
    assert community is not None
    chat.community_id = community.id
    chat.role = code.role
    chat.buildings = list(code.buildings) or ["*"]
    chat.active = True
    ctx.community = community
    await ctx.reply(ctx.t("bind.done", community=community.name, role=ctx.t(f"role.{code.role}")))


async def create_bind_code(
    store: Store, community_code: str, role: str, buildings: list[str], now: datetime, valid: timedelta
) -> BindCode:
    """An admin's one-time code (`steward admin bind-code`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    community = await store.directory.community_by_code(community_code)
    if community is None:
        raise ValueError(f"unknown community {community_code!r}")
    unknown = [b for b in buildings if b not in community.buildings]
    if unknown:
        raise ValueError(f"unknown buildings {unknown} in {community_code}")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return await store.tickets.add_bind_code(
        BindCode(
            code=code,
            community_id=community.id,
            role=role,
            buildings=buildings,
            created_at=now,
            expires_at=now + valid,
        )
    )
