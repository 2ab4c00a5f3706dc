"""Where a request may go and who may send it there: the communities a notice or an outage
reaches (the sender's own, one named by code, or every one for an admin) and the buildings
it names, checked against the community."""

from __future__ import annotations

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.roles import Role
from storage.directory.models import Community
from storage.uow import UnitOfWork


def may_act_on(actor: Actor, community_id: int) -> bool:
    """An admin acts on every community; staff on their own."""
    return actor.role is Role.ADMIN or actor.community_id == community_id


async def target_communities(
    uow: UnitOfWork, scope: str, code: str | None, actor: Actor, home: Community | None
) -> list[Community]:
    """Every community (`scope` "every", admins only), the one named by `code`, or `home`."""
    if scope == "every":
        if actor.role is not Role.ADMIN:
            raise DomainError("bc.err.every_admin")
        return list(await uow.directory.communities())
    if code:
        community = await uow.directory.community_by_code(code)
        if community is None:
            raise DomainError("bc.err.community", code=code[:32])
        if not may_act_on(actor, community.id):
            raise DomainError("err.forbidden")
        return [community]
    if home is None:
        raise DomainError("bc.err.no_community")
    if not may_act_on(actor, home.id):
        raise DomainError("err.forbidden")
    return [home]


def check_buildings(community: Community, buildings: tuple[str, ...]) -> list[str]:
    """The buildings asked for, if the community has every one of them."""
    unknown = [b for b in buildings if b not in community.buildings]
    if unknown:
        raise DomainError(
            "bc.err.unknown_buildings",
            buildings="、".join(unknown),
            community=community.name,
            known="、".join(community.buildings),
        )
    return list(buildings)
