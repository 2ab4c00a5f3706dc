"""Who hears that Steward can no longer post to a chat, and that it can again.

A platform may refuse a chat's push credential for good while the group itself lives on
(WeCom's 93000: the group robot was removed, or its webhook key changed). Nothing sent there
arrives, notices included, so it is never left to be noticed: the community's supervisors
(their chats and the management's; the stewards' when those are the chat that died) and the
admins (privately, where a platform can write to a person) are told once, with how to repair
it; and told again when it is repaired, with how many messages were sent again. The adapter
records the state and calls these in the same transaction (`PushWatcher`).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.context import DEFAULT_LANGUAGE
from bot.core.events import Mention, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.services import Services
from storage.directory.models import Chat
from storage.directory.repository import account_of
from storage.uow import UnitOfWork

ROLES = ("owners", "stewards", "supervisors", "management", "private", "unbound")


class PushNotices:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def failed(self, uow: UnitOfWork, chat: Chat, now: datetime) -> None:
        """`chat`'s push credential was refused for good (`chat.push_error` says how)."""
        await self._tell(uow, chat, now, "chat.push_failed", f"push:{chat.id}:{chat.push_key}", {})

    async def restored(self, uow: UnitOfWork, chat: Chat, resent: int, now: datetime) -> None:
        """Steward can post to `chat` again; `resent` messages that had failed go out again."""
        stamp = now.strftime("%Y%m%d%H%M%S")
        await self._tell(uow, chat, now, "chat.push_restored", f"push-ok:{chat.id}:{stamp}", {"n": resent})

    async def _tell(
        self, uow: UnitOfWork, chat: Chat, now: datetime, key: str, dedupe: str, values: dict[str, object]
    ) -> None:
        texts = self.services.texts
        community = await uow.directory.community(chat.community_id) if chat.community_id else None
        for target in await self._told(uow, chat):
            lang = (
                community.language
                if community is not None
                else DEFAULT_LANGUAGE.get(target.platform, "zh-Hans")
            )
            text = texts.render(key, lang, **self._values(chat, lang, values))
            supervisors = (
                await uow.directory.roster(chat.community_id, "supervisor") if chat.community_id else []
            )
            mentions = tuple(
                Mention(account, s.name)
                for s in supervisors
                if (account := account_of(s, target.platform)) is not None
            )
            await send_to_chat(
                uow,
                target,
                Outgoing(text=text, mentions=mentions, urgent=True),
                now,
                dedupe_key=f"{dedupe}:{target.id}",
                priority=Priority.URGENT,
            )
        for admin in sorted(self.services.admins):
            platform, _, user_id = admin.partition(":")
            if not user_id or not self.services.capabilities(platform).direct:
                continue
            lang = DEFAULT_LANGUAGE.get(platform, "zh-Hans")
            await uow.outbox.enqueue(
                platform=platform,
                platform_chat_id=user_id,
                chat_id=None,
                payload=Outgoing(text=texts.render(key, lang, **self._values(chat, lang, values))).to_json(),
                now=now,
                dedupe_key=f"{dedupe}:admin:{admin}"[:200],
                priority=Priority.URGENT,
            )

    async def _told(self, uow: UnitOfWork, chat: Chat) -> list[Chat]:
        """The community's supervisors' and management's chats, else its stewards', never the
        chat itself (it hears nothing)."""
        if chat.community_id is None:
            return []
        found: list[Chat] = []
        for role in ("supervisors", "management"):
            found += [
                c for c in await uow.directory.chats_with_role(chat.community_id, role) if c.id != chat.id
            ]
        if not found:
            found = [
                c
                for c in await uow.directory.chats_with_role(chat.community_id, "stewards")
                if c.id != chat.id
            ]
        return found

    def _values(self, chat: Chat, lang: str, values: dict[str, object]) -> dict[str, object]:
        role = chat.role if chat.role in ROLES else "unbound"
        return {
            "title": chat.title or chat.platform_chat_id,
            "role": self.services.texts.render(f"chat.role.{role}", lang),
            "platform": chat.platform,
            "chat_id": chat.platform_chat_id,
            "error": (chat.push_error or "")[:120],
            **values,
        }
