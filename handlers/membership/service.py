"""Who belongs where, as use cases: an owner registers a unit once; a chat joins a community
with a one-time code an admin created (`steward admin bind-code`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import DomainError
from handlers.shared.privacy import mask_unit
from nlp.classifier import Classifier
from storage.directory.models import BindCode, Chat, Community, Member
from storage.uow import UnitOfWork

ROLES = ("owners", "stewards", "supervisors", "management")
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud, typed on phones
# /bind attempts a chat may make in a window (a code has 31^8 values; guessing needs millions).
BIND_ATTEMPTS = 5
BIND_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Bound:
    community: Community
    role: str


class MembershipService:
    def __init__(self, classifier: Classifier) -> None:
        self.classifier = classifier

    async def register_unit(
        self, uow: UnitOfWork, member: Member, community: Community | None, written: str
    ) -> str:
        """Keep `written` (3-2-1302) as the member's unit, once; returns its building."""
        unit = self.classifier.classify(written).unit if written.strip() else None
        if unit is None or unit.building is None:
            raise DomainError("unit.usage")
        if community is None and member.community_id is not None:
            community = await uow.directory.community(member.community_id)
        if community is None:
            raise DomainError("help.unbound")
        if unit.building not in community.buildings:
            raise DomainError("unit.unknown_building", building=unit.building[:8])
        if member.unit:
            building = member.unit.split("-", 1)[0]
            raise DomainError("unit.already", masked=mask_unit(building, community.language))
        member.unit = unit.canonical()
        member.community_id = community.id
        return unit.building

    async def bind_chat(self, uow: UnitOfWork, chat: Chat, code: str, now: datetime) -> Bound:
        """Spend a one-time code: the chat joins its community in its role. A chat has
        `BIND_ATTEMPTS` tries in `BIND_WINDOW` (counted from the stored updates, so refused
        tries count across restarts and processes), then waits."""
        tried = await uow.inbox.commands_since(
            chat.platform, chat.platform_chat_id, "/bind", now - BIND_WINDOW
        )
        if tried > BIND_ATTEMPTS:
            raise DomainError("bind.too_many", minutes=int(BIND_WINDOW.total_seconds() // 60))
        spent = await uow.directory.use_bind_code(code.strip().upper(), chat.id, now)
        if spent is None:
            raise DomainError("bind.invalid")
        community = await uow.directory.community(spent.community_id)
        assert community is not None
        chat.community_id = community.id
        chat.role = spent.role
        chat.buildings = list(spent.buildings) or ["*"]
        chat.active = True
        return Bound(community, spent.role)


async def create_bind_code(
    uow: UnitOfWork, community_code: str, role: str, buildings: list[str], now: datetime, valid: timedelta
) -> BindCode:
    """An admin's one-time code (`steward admin bind-code`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    community = await uow.directory.community_by_code(community_code)
    if community is None:
        raise ValueError(f"unknown community {community_code!r}")
    unknown = [b for b in buildings if b not in community.buildings]
    if unknown:
        raise ValueError(f"unknown buildings {unknown} in {community_code}")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return await uow.directory.add_bind_code(
        BindCode(
            code=code,
            community_id=community.id,
            role=role,
            buildings=buildings,
            created_at=now,
            expires_at=now + valid,
        )
    )
