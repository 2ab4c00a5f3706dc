"""Which group robot pushes to which WeCom chat (the `WeComChannel`'s key resolver), and which
robots are dead.

A dead robot (errcode 93000: the webhook key is invalid, the robot was removed from the group)
never makes its group drop out silently. The chat stays active, so notices, cards and replies
are still written for it and fail visibly, each with WeCom's answer; the chat's row records
since when (`chats.push_failed_at`), WeCom's answer and a fingerprint of the dead key; the
supervisors and the admins are told once per dead key (`PushWatcher.failed`, in the same
transaction); `/healthz` and `steward wecom chats` show it. Once the chat has another key (the
community file's, after a restart; a group-robot callback's) or a push to it works again
(`steward wecom retry` sends what failed once more), the record is cleared, what failed
because of it in the last day is sent again and the watchers are told (`PushWatcher.restored`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.wecom.webhook import DEAD_WEBHOOK, mask_key, webhook_key_from_url
from bot.core.events import Platform
from storage.db import WriteGate
from storage.directory.models import Chat
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PLATFORM = Platform.WECOM.value
# What failed because of a dead robot is sent again when it works again, if written this
# recently: older news (yesterday's water cut) would only confuse a group.
RESEND_WITHIN = timedelta(hours=24)


def fingerprint(key: str) -> str:
    """A webhook key's fingerprint: which key failed, without storing the credential again."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


class PushWatcher(Protocol):
    """Who hears that a chat's robot died or works again (the supervisors, the admins),
    written in the transaction that records it."""

    async def failed(self, uow: UnitOfWork, chat: Chat, now: datetime) -> None: ...

    async def restored(self, uow: UnitOfWork, chat: Chat, resent: int, now: datetime) -> None: ...


class WebhookKeyBook:
    """Which group robot pushes to which WeCom chat: a `WeComChannel` key resolver.

    The community file's keys win, unless WeCom refused one as invalid: then a key learnt from
    the group's robot since (a group-robot callback's `WebhookUrl`) is used instead, until the
    file is corrected. Learnt keys are written to the chat's row (`chats.webhook_key`), so a
    group bound with `/bind CODE` keeps its robot over a restart, and `chats.push_key` keeps
    the fingerprint of the last key refused. Until `attach` gives it the database, only the
    file's keys are known, and dead robots are only logged.
    """

    def __init__(self, configured: Mapping[str, str]) -> None:
        self._configured = dict(configured)
        self._stored: dict[str, str] = {}
        self._refused: dict[str, str] = {}  # chat id -> fingerprint of the last key refused
        self._dead: set[str] = set()  # chats whose robot is dead now
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._gate = WriteGate(serialize=False)
        self._now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._wake: Callable[[], None] = lambda: None
        self._watcher: PushWatcher | None = None

    def attach(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        *,
        now: Callable[[], datetime] | None = None,
        wake: Callable[[], None] | None = None,
        watcher: PushWatcher | None = None,
    ) -> None:
        """The database (and the clock, the sender's wake-up, who hears of dead robots)."""
        self._sessions, self._gate = sessions, gate
        self._now = now or self._now
        self._wake = wake or self._wake
        self._watcher = watcher

    @property
    def configured(self) -> Mapping[str, str]:
        return self._configured

    def _usable(self, chat_id: str, key: str | None) -> str | None:
        """`key`, unless it is the one WeCom last refused for the chat."""
        return key if key is not None and fingerprint(key) != self._refused.get(chat_id) else None

    async def __call__(self, chat_id: str) -> str | None:
        configured = self._configured.get(chat_id)
        key = self._usable(chat_id, configured) or self._stored.get(chat_id)
        if key is not None or self._sessions is None:
            return key or configured
        async with self._sessions() as session:
            chat = await UnitOfWork(session).directory.chat_by_platform_id(PLATFORM, chat_id)
            stored = chat.webhook_key if chat is not None else None
        if stored:
            self._stored[chat_id] = stored
        return stored or configured

    async def learn(self, chat_id: str, webhook_url: str | None) -> None:
        """Keep the key of a callback's `WebhookUrl` for its chat (a no-op when known, or when
        the community file's key for it works); a new key for a chat whose robot was dead
        sends again what failed."""
        key = webhook_key_from_url(webhook_url) if webhook_url else None
        if key is None or self._stored.get(chat_id) == key:
            return
        configured = self._configured.get(chat_id)
        if configured == key or self._usable(chat_id, configured) is not None:
            return
        if self._sessions is None:
            return
        async with self._gate(), self._sessions() as session:
            store = UnitOfWork(session)
            chat = await store.directory.chat_by_platform_id(PLATFORM, chat_id)
            if chat is None:
                return
            if chat.webhook_key != key:
                chat.webhook_key = key
                await store.commit()
                log.info("wecom chat %d: robot %s kept for pushes", chat.id, mask_key(key))
        self._stored[chat_id] = key
        if configured is not None:
            log.warning(
                "wecom chat %s: the community file's webhook_key was refused as invalid; the group robot's "
                "new key %s is used instead: correct the file",
                chat_id,
                mask_key(key),
            )
        if chat_id in self._dead and self._usable(chat_id, key) is not None:
            await self.repaired(chat_id)

    # -- dead robots -----------------------------------------------------------------------------
    async def load(self) -> int:
        """At start: the keys refused before, and the chats whose robot was dead when Steward
        last ran. One that has another key now (the community file was corrected) is
        repaired: what failed is sent again with it. Returns how many are still dead."""
        if self._sessions is None:
            return 0
        async with self._sessions() as session:
            chats = [
                (c.platform_chat_id, c.push_key, c.push_failed_at is not None)
                for c in await UnitOfWork(session).directory.all_chats(PLATFORM)
                if c.push_key
            ]
        still = 0
        for chat_id, refused, dead in chats:
            self._refused[chat_id] = refused or ""
            if not dead:
                continue
            self._dead.add(chat_id)
            if self._usable(chat_id, await self(chat_id)) is not None:
                log.warning("wecom chat %s: its robot has a new key", chat_id)
                await self.repaired(chat_id)
            else:
                still += 1
        return still

    def is_dead(self, chat_id: str) -> bool:
        return chat_id in self._dead

    async def died(self, chat_id: str, key: str, reason: str) -> None:
        """WeCom refused `key` for good (93000): recorded on the chat and told once per key."""
        print_ = fingerprint(key)
        if chat_id in self._dead and self._refused.get(chat_id) == print_:
            return
        log.error("wecom chat %s: robot %s refused as invalid (%s)", chat_id, mask_key(key), reason[:120])
        self._dead.add(chat_id)
        self._refused[chat_id] = print_
        if self._sessions is None:
            return
        async with self._gate(), self._sessions() as session:
            store = UnitOfWork(session)
            chat = await store.directory.chat_by_platform_id(PLATFORM, chat_id)
            if chat is None or (chat.push_failed_at is not None and chat.push_key == print_):
                return
            now = self._now()
            chat.push_failed_at, chat.push_error, chat.push_key = now, reason[:300], print_
            if self._watcher is not None:
                await self._watcher.failed(store, chat, now)
            await store.commit()
        self._wake()

    async def works(self, chat_id: str) -> None:
        """A push to the chat was accepted: if its robot was dead, it is not any more."""
        if chat_id in self._dead:
            await self.repaired(chat_id, works=True)

    async def repaired(self, chat_id: str, *, works: bool = False) -> int:
        """The chat's robot works again (a push was accepted) or has another key: the record
        is cleared, what failed because of it is sent again (if written in the last
        `RESEND_WITHIN`) and the watchers told how much. Another dead key is found out, and
        told, by the sends themselves. `works`: the refused key itself works (no longer
        avoided). Returns how many messages are sent again."""
        self._dead.discard(chat_id)
        if works:  # the key refused works after all: nothing to avoid any more
            self._refused.pop(chat_id, None)
        if self._sessions is None:
            return 0
        async with self._gate(), self._sessions() as session:
            store = UnitOfWork(session)
            chat = await store.directory.chat_by_platform_id(PLATFORM, chat_id)
            if chat is None or chat.push_failed_at is None:
                return 0
            now = self._now()
            resent = await store.outbox.requeue_failed(
                PLATFORM, chat_id, since=now - RESEND_WITHIN, error_prefix=DEAD_WEBHOOK, now=now
            )
            chat.push_failed_at = chat.push_error = None  # push_key: which key not to use again
            if works:
                chat.push_key = None
            if self._watcher is not None:
                await self._watcher.restored(store, chat, resent, now)
            await store.commit()
        log.warning("wecom chat %s: its robot is repaired; %d message(s) sent again", chat_id, resent)
        self._wake()
        return resent

    async def requeue(self, chat_id: str) -> int:
        """Send again what failed because the chat's robot was dead (the last `RESEND_WITHIN`),
        to try its key once more (`steward wecom retry`): the sends find out whether it works."""
        if self._sessions is None:
            return 0
        async with self._gate(), self._sessions() as session:
            store = UnitOfWork(session)
            now = self._now()
            again = await store.outbox.requeue_failed(
                PLATFORM, chat_id, since=now - RESEND_WITHIN, error_prefix=DEAD_WEBHOOK, now=now
            )
            await store.commit()
        self._wake()
        return again
