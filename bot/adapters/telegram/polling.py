"""Long polling that confirms an update to Telegram only once Steward has stored it.

Telegram keeps an update until a `getUpdates` call asks for an offset past it. PTB's Updater
asks for the next batch as soon as it has queued the last one in memory, so updates it had
fetched but not yet processed were confirmed and lost when the process died or its stop was
cut short. This loop runs over python-telegram-bot's `Bot.get_updates` (PTB still does the
HTTP) and hands each update of a batch, in order, to `dispatch`, which stores it in the inbox
(and handles it). The offset moves past an update only when it was stored; at the first one
that was not, the rest of the batch is left to Telegram, fetched again after a back-off. When
Steward stops, the update in flight finishes, nothing more is taken, and the updates stored
since the last poll are confirmed with one short `getUpdates`; what was fetched but not
stored stays with Telegram for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from enum import Enum

from telegram import Bot, Update
from telegram.error import InvalidToken, TelegramError

_LOG = logging.getLogger(__name__)

BATCH = 100  # the most getUpdates returns at once
STORE_RETRY_CAP = 5.0  # seconds: the database is back, the updates should follow soon
POLL_RETRY_CAP = 30.0


class Delivery(Enum):
    DELIVERED = "delivered"  # stored (and handled, or left to the inbox to retry), or ignored
    NOT_STORED = "not_stored"  # keep it with Telegram: it is fetched again
    CLOSED = "closed"  # Steward is stopping: keep it with Telegram for the next start


class Poller:
    def __init__(
        self,
        bot: Bot,
        dispatch: Callable[[Update], Awaitable[Delivery]],
        *,
        timeout: int,
        allowed_updates: Sequence[str],
        retry_backoff: float,
    ) -> None:
        self._bot = bot
        self._dispatch = dispatch
        self._timeout = timeout
        self._allowed = list(allowed_updates)
        self._backoff = max(retry_backoff, 0.01)
        self._offset: int | None = None  # the next update wanted: past every stored one
        self._told: int | None = None  # the offset Telegram was last given
        self._stopping = False
        self._delivering = False
        self._task: asyncio.Task[None] | None = None

    @property
    def offset(self) -> int | None:
        return self._offset

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        """Take no more updates; the one being delivered finishes (the caller bounds the wait;
        cut short, it is still in the inbox or still with Telegram). Then confirm the stored ones."""
        self._stopping = True
        task, self._task = self._task, None
        if task is None:
            return
        if not self._delivering:
            task.cancel()  # a long poll or a pause: what the poll would return is still Telegram's
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            if not task.done():  # our own caller was cancelled (the stop overran its bound)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                raise
        await self._confirm()

    async def _confirm(self) -> None:
        """Tell Telegram every update before `offset` is stored, so a restart does not fetch them
        again (if this fails it will, and the inbox recognises them)."""
        if self._offset is None or self._offset == self._told:
            return
        try:
            await self._bot.get_updates(offset=self._offset, limit=1, timeout=0)
            self._told = self._offset
        except TelegramError as exc:
            _LOG.info("telegram: confirming the stored updates failed (%s); they come again", exc)

    async def _run(self) -> None:
        poll_failures = store_failures = 0
        while not self._stopping:
            try:
                updates = await self._bot.get_updates(
                    offset=self._offset, limit=BATCH, timeout=self._timeout, allowed_updates=self._allowed
                )
            except InvalidToken:
                poll_failures += 1
                _LOG.error("telegram: getUpdates: the bot token was rejected; retrying")
                await self._pause(poll_failures, POLL_RETRY_CAP)
                continue
            except TelegramError as exc:  # network errors, timeouts, 5xx, another instance (409)
                poll_failures += 1
                _LOG.warning("telegram: getUpdates failed, retrying: %s", exc)
                await self._pause(poll_failures, POLL_RETRY_CAP)
                continue
            poll_failures = 0
            self._told = self._offset
            result = Delivery.DELIVERED
            for update in updates:
                if self._stopping:
                    return
                self._delivering = True
                try:
                    result = await self._dispatch(update)
                finally:
                    self._delivering = False
                if result is not Delivery.DELIVERED:
                    break
                self._offset = update.update_id + 1
            if result is Delivery.CLOSED:
                return
            if result is Delivery.NOT_STORED:
                store_failures += 1
                await self._pause(store_failures, STORE_RETRY_CAP)
            else:
                store_failures = 0

    async def _pause(self, failures: int, cap: float) -> None:
        await asyncio.sleep(min(cap, self._backoff * 2 ** min(failures - 1, 16)))
