"""Flood control for the Bot API as sliding windows, plugged into python-telegram-bot's ExtBot.

Why not PTB's `AIORateLimiter`: it is a leaky bucket (aiolimiter). A bucket of 20 per 60 s lets
20 messages out at once and then one every 3 s, so a burst puts ~39 messages into the first
minute of a group, which is what Telegram's "20 messages per minute in a group" forbids.
`tests/telegram/test_flood_control.py` shows the fake server's sliding-window check answering 429
to it. Here a window of `max_rate` per `period` is a semaphore of `max_rate` slots where a slot is
taken before a request starts and handed back `period` seconds after its answer arrived. So the
(k + max_rate)-th request to a group starts at least `period` after the k-th one was answered,
hence after Telegram received it: never more than `max_rate` in any window, as Telegram counts,
whatever the network latency. Bursts up to `max_rate` still go out at once.

`RetryAfter` (HTTP 429) pauses the chat it came from (or everything, for requests without a
chat) for `retry_after` seconds and retries the request up to `max_retries` times, then lets the
exception through. Each 429 is reported to `on_flood` (the adapter's call log counts them).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import logging
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

_LOG = logging.getLogger(__name__)

_EVERYTHING = "*"  # the pause key for requests that name no chat

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


def retry_after_seconds(exc: RetryAfter) -> float:
    """`exc.retry_after` in seconds, whichever type this PTB version returns (int or timedelta)."""
    with warnings.catch_warnings():
        # PTB 22 warns that the attribute will become a timedelta; we accept both.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


class _Window:
    """`size` slots; a slot returns `period` seconds after the request that held it finished.

    `on_idle` runs when no slot is held, none is awaited and no release is pending, so the owner
    can drop the window without ever having two windows for one chat.
    """

    def __init__(self, size: int, period: float, on_idle: Callable[[], None] | None = None) -> None:
        self._slots = asyncio.Semaphore(size)
        self._period = period
        self._users = 0  # requests waiting for, holding, or waiting to give back a slot
        self._on_idle = on_idle
        self._handles: set[asyncio.TimerHandle] = set()

    def _done(self) -> None:
        self._users -= 1
        if self._users == 0 and self._on_idle is not None:
            self._on_idle()

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self._users += 1
        try:
            await self._slots.acquire()
        except BaseException:
            self._done()
            raise
        try:
            yield
        finally:
            handle: asyncio.TimerHandle | None = None

            def release() -> None:
                if handle is not None:
                    self._handles.discard(handle)
                self._slots.release()
                self._done()

            handle = asyncio.get_running_loop().call_later(self._period, release)
            self._handles.add(handle)

    def cancel_timers(self) -> None:
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()


class SlidingWindowRateLimiter(BaseRateLimiter[int]):
    """At most `group_max_rate` requests per group chat in any `group_period` seconds and at most
    `overall_max_rate` requests naming a chat in any `overall_period` seconds.

    Group chats are negative chat ids (and @usernames), as in PTB's AIORateLimiter. Requests
    without a chat (getUpdates never reaches a rate limiter; answerCallbackQuery, setMyCommands)
    are not throttled, only paused after a 429. A rate of 0 disables that window.
    """

    def __init__(
        self,
        *,
        overall_max_rate: int = 30,
        overall_period: float = 1.0,
        group_max_rate: int = 20,
        group_period: float = 60.0,
        max_retries: int = 3,
        on_flood: Callable[[], None] | None = None,
    ) -> None:
        self._overall: _Window | None = (
            _Window(overall_max_rate, overall_period) if overall_max_rate and overall_period else None
        )
        self._group_max_rate = group_max_rate if group_period else 0
        self._group_period = group_period
        self._groups: dict[int | str, _Window] = {}
        self._paused_until: dict[int | str, float] = {}
        self._max_retries = max_retries
        self._on_flood = on_flood  # told of every 429 (for /metrics)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        for window in self._groups.values():
            window.cancel_timers()
        if self._overall is not None:
            self._overall.cancel_timers()
        self._groups.clear()

    def _group_window(self, key: int | str) -> _Window:
        window = self._groups.get(key)
        if window is None:

            def forget() -> None:
                if self._groups.get(key) is window:
                    del self._groups[key]

            window = _Window(self._group_max_rate, self._group_period, on_idle=forget)
            self._groups[key] = window
        return window

    async def _wait_unpaused(self, key: int | str) -> None:
        loop = asyncio.get_running_loop()
        while True:
            until = max(self._paused_until.get(key, 0.0), self._paused_until.get(_EVERYTHING, 0.0))
            delay = until - loop.time()
            if delay <= 0:
                return
            await asyncio.sleep(delay)

    def _pause(self, key: int | str, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), loop.time() + seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        max_retries = self._max_retries if rate_limit_args is None else rate_limit_args
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        key: int | str = chat_id if isinstance(chat_id, int | str) else _EVERYTHING
        is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
        overall_window = self._overall if key != _EVERYTHING else None

        for attempt in range(max_retries + 1):
            async with contextlib.AsyncExitStack() as stack:
                if is_group and self._group_max_rate:
                    # Looked up per attempt: an idle window may have been dropped meanwhile.
                    await stack.enter_async_context(self._group_window(key).slot())
                await self._wait_unpaused(key)
                if overall_window is not None:
                    await stack.enter_async_context(overall_window.slot())
                try:
                    return await callback(*args, **kwargs)
                except RetryAfter as exc:
                    if self._on_flood is not None:
                        self._on_flood()
                    seconds = retry_after_seconds(exc)
                    if attempt >= max_retries:
                        _LOG.warning(
                            "%s to chat %s: flood control, giving up after %d retries", endpoint, key, attempt
                        )
                        raise
                    _LOG.info("%s to chat %s: flood control, retrying in %.1f s", endpoint, key, seconds)
                    self._pause(key, seconds)
        raise AssertionError("unreachable")  # the last attempt returns or raises
