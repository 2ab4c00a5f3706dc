"""Which group robot pushes to which WeCom chat (the `WeComChannel`'s key resolver)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.wecom.webhook import mask_key, webhook_key_from_url
from bot.core.events import Platform
from storage.db import WriteGate
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class WebhookKeyBook:
    """Which group robot pushes to which WeCom chat: a `WeComChannel` key resolver.

    The community file's keys win; keys learnt from group-robot callbacks are written to the
    chat's row (`chats.webhook_key`), so a group bound with `/bind CODE` keeps its robot over
    a restart. Until `attach` gives it the database, only the file's keys are known.
    """

    def __init__(self, configured: Mapping[str, str]) -> None:
        self._configured = dict(configured)
        self._stored: dict[str, str] = {}
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._gate = WriteGate(serialize=False)

    def attach(self, sessions: async_sessionmaker[AsyncSession], gate: WriteGate) -> None:
        self._sessions, self._gate = sessions, gate

    @property
    def configured(self) -> Mapping[str, str]:
        return self._configured

    async def __call__(self, chat_id: str) -> str | None:
        key = self._configured.get(chat_id) or self._stored.get(chat_id)
        if key is not None or self._sessions is None:
            return key
        async with self._sessions() as session:
            chat = await UnitOfWork(session).directory.chat_by_platform_id(Platform.WECOM.value, chat_id)
            stored = chat.webhook_key if chat is not None else None
        if stored:
            self._stored[chat_id] = stored
        return stored

    async def learn(self, chat_id: str, webhook_url: str | None) -> None:
        """Keep the key of a callback's `WebhookUrl` for its chat (a no-op when known)."""
        key = webhook_key_from_url(webhook_url) if webhook_url else None
        if key is None or chat_id in self._configured or self._stored.get(chat_id) == key:
            return
        if self._sessions is None:
            return
        async with self._gate(), self._sessions() as session:
            store = UnitOfWork(session)
            chat = await store.directory.chat_by_platform_id(Platform.WECOM.value, chat_id)
            if chat is None:
                return
            if chat.webhook_key != key:
                chat.webhook_key = key
                await store.commit()
                log.info("wecom chat %d: robot %s kept for pushes", chat.id, mask_key(key))
        self._stored[chat_id] = key
