"""Who and where: communities, chats, stewards and members."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import BindCode, Chat, Community, Member, Steward
from storage.rows import insert_new, table_of
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE

# The roster (stewards, supervisors, managers) changes only when the community file is
# synced at start, yet nearly every update asks who its sender is and tickets ask who can take
# them: one snapshot per database, read once after the sync, saves those queries on the hot
# path. The objects are detached and read-only; `sync_community` drops the snapshot.
_ROSTERS: dict[str, list[Steward]] = {}


# Statements every update runs, built once: building a select and computing its cache key
# cost more than running it (measured: 240 µs built per call, 120 µs prebuilt).
_SEE_CHAT = (
    select(Chat, Community, Member)
    .outerjoin(Community, Community.id == Chat.community_id)
    .outerjoin(
        Member, and_(Member.platform == bindparam("platform"), Member.platform_user_id == bindparam("user"))
    )
    .where(Chat.platform == bindparam("platform"), Chat.platform_chat_id == bindparam("chat"))
)
_MEMBER = select(Member).where(
    Member.platform == bindparam("platform"), Member.platform_user_id == bindparam("user")
)
_CHATS_WITH_ROLE = (
    select(Chat)
    .where(Chat.community_id == bindparam("community"), Chat.role == bindparam("role"), Chat.active.is_(True))
    .order_by(Chat.id)
)
_TICKETS = table_of(Ticket)
_MEMBERS = table_of(Member)
_OPEN_TICKET_COUNTS = (  # table columns: a plain Core statement (no ORM result loading)
    select(_TICKETS.c.assignee_id, func.count())
    .where(
        _TICKETS.c.community_id == bindparam("community"),
        _TICKETS.c.status.in_(sorted(ACTIVE)),
        _TICKETS.c.assignee_id.is_not(None),
    )
    .group_by(_TICKETS.c.assignee_id)
)


@dataclass(frozen=True)
class RosterPerson:
    """One roster entry as the config file gives it; kept free of config types."""

    name: str
    role: str  # steward | supervisor | manager
    buildings: list[str]
    categories: list[str]
    hours: str
    days: list[int]
    accounts: dict[str, str]


@dataclass(frozen=True)
class ChatBinding:
    platform: str
    platform_chat_id: str
    role: str
    title: str
    buildings: list[str]
    webhook_key: str | None = None


@dataclass(frozen=True)
class CommunitySpec:
    code: str
    name: str
    timezone: str
    language: str
    buildings: list[str]
    chats: list[ChatBinding] = field(default_factory=list)
    people: list[RosterPerson] = field(default_factory=list)


class Directory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        # Members read along with a chat by `see_chat` (its sender), for `see_member`.
        self._seen_members: dict[tuple[str, str], Member] = {}

    # -- configuration sync -------------------------------------------------------------
    async def sync_community(self, spec: CommunitySpec, now: datetime) -> Community:
        """Make the tables match the community file (idempotent; run at every start)."""
        _ROSTERS.pop(str(self.session.get_bind().engine.url), None)
        community = await self.session.scalar(select(Community).where(Community.code == spec.code))
        if community is None:
            community = Community(code=spec.code)
            self.session.add(community)
        community.name = spec.name
        community.timezone = spec.timezone
        community.language = spec.language
        community.buildings = list(spec.buildings)
        await self.session.flush()

        for binding in spec.chats:
            chat = await self.chat_by_platform_id(binding.platform, binding.platform_chat_id)
            if chat is None:
                chat = Chat(
                    platform=binding.platform,
                    platform_chat_id=binding.platform_chat_id,
                    first_seen_at=now,
                    last_seen_at=now,
                )
                self.session.add(chat)
            chat.community_id = community.id
            chat.role = binding.role
            chat.title = binding.title or chat.title or ""
            chat.buildings = list(binding.buildings)
            chat.webhook_key = binding.webhook_key
            chat.active = True

        existing = {
            s.name: s
            for s in await self.session.scalars(select(Steward).where(Steward.community_id == community.id))
        }
        for person in spec.people:
            steward = existing.pop(person.name, None)
            if steward is None:
                steward = Steward(community_id=community.id, name=person.name)
                self.session.add(steward)
            steward.role = person.role
            steward.buildings = list(person.buildings)
            steward.categories = list(person.categories)
            steward.hours = person.hours
            steward.days = list(person.days)
            steward.accounts = dict(person.accounts)
            steward.active = True
        for gone in existing.values():
            gone.active = False
        await self.session.flush()
        return community

    # -- lookups ------------------------------------------------------------------------
    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def community_by_code(self, code: str) -> Community | None:
        return await self.session.scalar(select(Community).where(Community.code == code))

    async def communities(self) -> Sequence[Community]:
        return (await self.session.scalars(select(Community).order_by(Community.id))).all()

    async def chat_by_platform_id(self, platform: str, platform_chat_id: str) -> Chat | None:
        return await self.session.scalar(
            select(Chat).where(Chat.platform == platform, Chat.platform_chat_id == platform_chat_id)
        )

    async def chat(self, chat_id: int) -> Chat | None:
        return await self.session.get(Chat, chat_id)

    async def see_chat(
        self,
        platform: str,
        platform_chat_id: str,
        title: str,
        now: datetime,
        sender_id: str | None = None,
        *,
        heard: bool = True,
    ) -> tuple[Chat, Community | None]:
        """The chat an update came from and its community, in one query; a chat seen for
        the first time is recorded as `unbound`. With `sender_id`, the same query reads the
        sender's member row, which the following `see_member` then uses. `heard`: someone
        wrote there (not the bot's removal), so the bot is in the chat and it is active
        again, whatever a failed send concluded before."""
        row = (
            await self.session.execute(
                _SEE_CHAT, {"platform": platform, "chat": platform_chat_id, "user": sender_id or ""}
            )
        ).first()
        if row is None:
            chat = Chat(
                platform=platform,
                platform_chat_id=platform_chat_id,
                role="unbound",
                title=title,
                buildings=[],
                first_seen_at=now,
                last_seen_at=now,
            )
            self.session.add(chat)
            await self.session.flush()
            return chat, None
        chat, community = row[0], row[1]
        if sender_id is not None and row[2] is not None:
            self._seen_members[(platform, sender_id)] = row[2]
        # Touched at most once a minute: a write per message would be the hot path's most
        # frequent UPDATE, for a column nobody reads that precisely.
        if now - chat.last_seen_at >= timedelta(minutes=1):
            chat.last_seen_at = now
        if heard and not chat.active:
            chat.active = True
        if title and chat.title != title:
            chat.title = title
        return chat, community

    async def chats_with_role(self, community_id: int, role: str) -> Sequence[Chat]:
        return (await self.session.scalars(_CHATS_WITH_ROLE, {"community": community_id, "role": role})).all()

    async def all_chats(self, platform: str | None = None) -> Sequence[Chat]:
        query = select(Chat).order_by(Chat.id)
        if platform:
            query = query.where(Chat.platform == platform)
        return (await self.session.scalars(query)).all()

    async def unreachable(self, platform: str | None = None) -> Sequence[Chat]:
        """The chats whose push credential the platform refused for good (`Chat.push_failed_at`)."""
        query = select(Chat).where(Chat.push_failed_at.is_not(None)).order_by(Chat.push_failed_at, Chat.id)
        if platform:
            query = query.where(Chat.platform == platform)
        return (await self.session.scalars(query)).all()

    async def set_chat_active(self, platform: str, platform_chat_id: str, active: bool) -> None:
        await self.session.execute(
            update(Chat)
            .where(Chat.platform == platform, Chat.platform_chat_id == platform_chat_id)
            .values(active=active)
        )

    async def migrate_chat(self, platform: str, old_id: str, new_id: str) -> bool:
        """A chat now lives under a new id (a Telegram group became a supergroup): its row
        takes the new id, so its binding and everything that refers to it follow. True if
        a row moved.

        The new id may have a row already, when someone wrote in the supergroup before the
        migration reached us. An unbound one swaps ids with the old row (and is deactivated:
        that chat is no more); a bound one keeps its own binding and the old row is only
        deactivated."""
        old = await self.chat_by_platform_id(platform, old_id)
        if old is None or old_id == new_id:
            return False
        new = await self.chat_by_platform_id(platform, new_id)
        if new is not None and new.role != "unbound":
            old.active = False
            await self.session.flush()
            return False
        if new is not None:  # free the new id first: the unique constraint is checked per statement
            new.platform_chat_id = f"{old_id}:migrating"
            await self.session.flush()
        old.platform_chat_id = new_id
        await self.session.flush()
        if new is not None:
            new.platform_chat_id = old_id
            new.active = False
            await self.session.flush()
        return True

    async def see_member(
        self, platform: str, user_id: str, name: str, now: datetime, community_id: int | None = None
    ) -> Member:
        member = self._seen_members.pop((platform, user_id), None)
        if member is None:
            member = await self.session.scalar(_MEMBER, {"platform": platform, "user": user_id})
        if member is None:
            # A person first seen in two chats at once (updates of different chats run side by
            # side): one INSERT lands, the other waits for it and then finds the row.
            values = {
                "platform": platform,
                "platform_user_id": user_id,
                "display_name": name,
                "first_seen_at": now,
                "community_id": community_id,
                "unit": None,
                "steward_id": None,
            }
            await insert_new(self.session, _MEMBERS, values)
            # Inserted, or committed by the transaction it waited for: there now.
            found = await self.session.execute(_MEMBER, {"platform": platform, "user": user_id})
            return found.scalar_one()
        if name and member.display_name != name:
            member.display_name = name
        return member

    async def member(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def _roster(self) -> list[Steward]:
        """Every roster person, from the process's snapshot (see `_ROSTERS`)."""
        key = str(self.session.get_bind().engine.url)
        snapshot = _ROSTERS.get(key)
        if snapshot is None:
            snapshot = list(await self.session.scalars(select(Steward).order_by(Steward.id)))
            for steward in snapshot:
                self.session.expunge(steward)  # shared across sessions: never flushed from one
            _ROSTERS[key] = snapshot
        return snapshot

    async def steward_by_account(
        self, community_id: int | None, platform: str, user_id: str
    ) -> Steward | None:
        """The roster person behind a platform account (in one community, or any)."""
        for steward in await self._roster():
            if not steward.active or (community_id is not None and steward.community_id != community_id):
                continue
            if str(steward.accounts.get(platform, "")) == user_id:
                return steward
        return None

    async def accounts(self, platform: str, user_id: str) -> list[Steward]:
        """Every active roster entry of one person (one per community they serve)."""
        return [s for s in await self._roster() if s.active and str(s.accounts.get(platform, "")) == user_id]

    async def steward(self, steward_id: int) -> Steward | None:
        return next((s for s in await self._roster() if s.id == steward_id), None)

    async def steward_by_name(self, community_id: int, name: str) -> Steward | None:
        return next(
            (s for s in await self._roster() if s.community_id == community_id and s.name == name), None
        )

    async def roster(self, community_id: int, role: str | None = None) -> Sequence[Steward]:
        return [
            s
            for s in await self._roster()
            if s.community_id == community_id and s.active and (role is None or s.role == role)
        ]

    async def open_ticket_counts(self, community_id: int) -> dict[int, int]:
        rows = await self.session.execute(_OPEN_TICKET_COUNTS, {"community": community_id})
        return {int(assignee): int(count) for assignee, count in rows.all() if assignee is not None}

    # -- bind codes ---------------------------------------------------------------------------
    async def add_bind_code(self, code: BindCode) -> BindCode:
        self.session.add(code)
        await self.session.flush()
        return code

    async def use_bind_code(self, code: str, chat_id: int, now: datetime) -> BindCode | None:
        """Spend a one-time code; None if unknown, used or expired (settled by one UPDATE)."""
        result = await self.session.execute(
            update(BindCode)
            .where(BindCode.code == code, BindCode.used_at.is_(None), BindCode.expires_at > now)
            .values(used_at=now, used_by_chat_id=chat_id)
            .execution_options(synchronize_session=False)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await self.session.scalar(select(BindCode).where(BindCode.code == code))


def account_of(steward: Steward, platform: str) -> str | None:
    value: Any = steward.accounts.get(platform)
    return str(value) if value else None
