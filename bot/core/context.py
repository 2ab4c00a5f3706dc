"""What a handler receives: the update, who and where it came from, and the ports it may use.

Handlers never import a platform library; they answer through `Context.reply` / `send`,
which write `Outgoing` messages to the outbox inside the update's transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.events import Button, ChatType, Incoming, Mention, MessageKind, Outgoing
from bot.core.texts import Texts

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from bot.core.clock import Clock
    from nlp.classifier import Classifier
    from storage.directory.models import Chat, Community, Member, Steward
    from storage.messages.models import MessageLog
    from storage.uow import Store


class Role(StrEnum):
    OWNER = "owner"
    STEWARD = "steward"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        return self is not Role.OWNER

    @property
    def rank(self) -> int:
        return {"owner": 0, "steward": 1, "supervisor": 2, "manager": 3, "admin": 4}[self.value]


class DomainError(Exception):
    """An error the user caused, with a message fit to show in chat (a text key + values)."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


@dataclass
class Services:
    """Long-lived collaborators built once by the composition root."""

    classifier: Classifier
    clock: Clock
    texts: Texts
    admins: frozenset[str] = frozenset()  # "platform:user_id"
    extras: dict[str, Any] = field(default_factory=dict)


DEFAULT_LANGUAGE = {"telegram": "zh-Hant", "wecom": "zh-Hans", "local": "zh-Hans"}


@dataclass
class Context:
    incoming: Incoming
    services: Services
    store_: Store | None = None
    chat: Chat | None = None
    community: Community | None = None
    member: Member | None = None
    steward: Steward | None = None
    role: Role = Role.OWNER
    stop: bool = False
    log_entry: MessageLog | None = None

    @property
    def store(self) -> Store:
        if self.store_ is None:
            raise RuntimeError("no store: the session middleware did not run")
        return self.store_

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def lang(self) -> str:
        if self.community is not None:
            return self.community.language
        return DEFAULT_LANGUAGE.get(self.incoming.platform, "zh-Hans")

    @property
    def is_private(self) -> bool:
        return self.incoming.chat_type is ChatType.PRIVATE

    @property
    def chat_role(self) -> str:
        if self.chat is None:
            return "unbound"
        return self.chat.role

    def t(self, key: str, **values: Any) -> str:
        return self.services.texts.render(key, self.lang, **values)

    def require(self, minimum: Role) -> None:
        if self.role.rank < minimum.rank:
            raise DomainError("err.forbidden")

    async def reply(
        self,
        text: str,
        *,
        buttons: tuple[tuple[Button, ...], ...] = (),
        mentions: tuple[Mention, ...] = (),
        quote: bool = True,
        ref_type: str | None = None,
        ref_id: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Answer in the chat the update came from (replying to it, in the same thread)."""
        reply_to = None
        if quote and self.incoming.kind not in (MessageKind.CALLBACK,):
            reply_to = self.incoming.message_id
        message = Outgoing(
            text=text,
            buttons=buttons,
            mentions=mentions,
            reply_to=reply_to,
            thread_id=self.incoming.thread_id,
            reply_hint=self.incoming.reply_hint,
            extra=extra or {},
        )
        await self.store.outbox.enqueue(
            platform=self.incoming.platform,
            platform_chat_id=self.incoming.chat_id,
            chat_id=self.chat.id if self.chat else None,
            payload=message.to_json(),
            now=self.now,
            ref_type=ref_type,
            ref_id=ref_id,
        )

    async def send(
        self,
        chat: Chat,
        message: Outgoing,
        *,
        ref_type: str | None = None,
        ref_id: int | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue a message to another chat; False if `dedupe_key` was already queued."""
        return await send_to_chat(
            self.store,
            chat,
            message,
            self.now,
            ref_type=ref_type,
            ref_id=ref_id,
            dedupe_key=dedupe_key,
            not_before=not_before,
        )


async def send_to_chat(
    store: Store,
    chat: Chat,
    message: Outgoing,
    now: datetime,
    *,
    ref_type: str | None = None,
    ref_id: int | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """The one way anything reaches a chat: a row in the outbox, in the caller's transaction."""
    row = await store.outbox.enqueue(
        platform=chat.platform,
        platform_chat_id=chat.platform_chat_id,
        chat_id=chat.id,
        payload=message.to_json(),
        now=now,
        not_before=not_before,
        ref_type=ref_type,
        ref_id=ref_id,
        dedupe_key=dedupe_key,
    )
    return row is not None


@dataclass
class Runtime:
    """What scheduled jobs get instead of an update: sessions, services and a way to wake
    the outbox sender. Jobs write to the outbox exactly like handlers do."""

    sessions: async_sessionmaker[AsyncSession]
    services: Services
    wake: Callable[[], None] = lambda: None

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        """One committed unit of work; the sender is woken once it is committed."""
        from storage.uow import Store

        async with self.sessions() as session:
            store = Store(session)
            yield store
            await store.commit()
        self.wake()


class AppPorts(Protocol):
    """What a feature module's `install(app)` may use from the composition root."""

    @property
    def runtime(self) -> Runtime: ...

    @property
    def services(self) -> Services: ...

    @property
    def scheduler(self) -> Any: ...  # apscheduler AsyncIOScheduler

    @property
    def settings(self) -> Any: ...  # bot.config.Settings
