"""HTTP to WeCom's robot endpoints: the group-robot webhook and the intelligent robot's response_url.

    POST {api_base}/cgi-bin/webhook/send?key=KEY      (group robot push)
    POST {response_url}                               (one reply per intelligent-robot message)

WeCom answers HTTP 200 even when it refuses, so the `errcode` in the body decides: 0 is
success, 45009 (too frequent) is retried here after a back-off, 93000 (invalid webhook url:
the robot was removed, or its key changed) is a `DeadWebhook` (the group is still there: the
channel records the dead robot, `keybook.py`), anything else is a `SendError`. Every
request's outcome goes to a `CallLog` (an answer, a failure, a 45009) for /healthz. A per-robot
sliding-window limiter (WeCom allows 20 messages a minute per robot) runs before every
request, and one lock per robot keeps the parts of a message together and messages in order.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from bot.core.calls import CallLog
from bot.core.events import SendError

log = logging.getLogger(__name__)

ERR_OK = 0
ERR_BUSY = -1
ERR_TOO_FREQUENT = 45009
ERR_INVALID_WEBHOOK = 93000
# How a send refused with 93000 is recorded (the outbox row's error starts so).
DEAD_WEBHOOK = f"wecom errcode {ERR_INVALID_WEBHOOK}"

Payload = dict[str, Any]
Sleep = Callable[[float], Awaitable[None]]


def mask_key(key: str) -> str:
    """Webhook keys are credentials: logs show only their first four characters."""
    return key[:4] + "…" if len(key) > 4 else "…"


def webhook_key_from_url(url: str) -> str | None:
    """The `key` of a `…/cgi-bin/webhook/send?key=KEY` URL (as in a callback's WebhookUrl)."""
    parts = urlsplit(url.strip())
    if not parts.path.endswith("/cgi-bin/webhook/send"):
        return None
    keys = parse_qs(parts.query).get("key", [])
    return keys[0] if len(keys) == 1 and keys[0] else None


def is_response_url(url: str) -> bool:
    return urlsplit(url.strip()).path.endswith("/cgi-bin/aibot/response")


class DeadWebhook(SendError):
    """WeCom refused the robot's key for good (93000): nothing sent with it will get through
    until the group has a working robot again. Permanent for the message; not the end of the
    chat."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, permanent=True)


class RobotRateLimiter:
    """At most `limit` requests per `window` seconds per robot key (sliding window)."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("rate limit needs limit >= 1 and window > 0")
        self._limit = limit
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: dict[str, deque[float]] = {}

    async def acquire(self, key: str) -> None:
        """Wait until one more request to `key` fits the window, then count it."""
        sent = self._sent.setdefault(key, deque())
        while True:
            now = self._clock()
            while sent and sent[0] <= now - self._window:
                sent.popleft()
            if len(sent) < self._limit:
                sent.append(now)
                return
            await self._sleep(sent[0] + self._window - now)


class WebhookClient:
    """Sends payloads to robots, honouring the limiter and retrying 45009."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_base: str,
        limiter: RobotRateLimiter,
        *,
        rate_limited_backoff: float,
        max_rate_limited_retries: int,
        sleep: Sleep = asyncio.sleep,
        calls: CallLog | None = None,
    ) -> None:
        self.calls = calls or CallLog("wecom")
        self._http = http
        self._send_url = api_base.rstrip("/") + "/cgi-bin/webhook/send"
        self._limiter = limiter
        self._backoff = rate_limited_backoff
        self._max_retries = max_rate_limited_retries
        self._sleep = sleep
        self._locks: dict[str, asyncio.Lock] = {}

    async def send(self, key: str, payloads: list[Payload]) -> None:
        """Send the parts of one message to one robot, in order, without interleaving."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            for payload in payloads:
                await self._send_one(key, payload)

    async def _send_one(self, key: str, payload: Payload) -> None:
        for attempt in range(self._max_retries + 1):
            await self._limiter.acquire(key)
            errcode, errmsg = await self._post(self._send_url, payload, params={"key": key})
            if errcode == ERR_OK:
                return
            if errcode != ERR_TOO_FREQUENT:
                raise _errcode_error(errcode, errmsg)
            if attempt < self._max_retries:
                log.info(
                    "wecom robot %s: 45009 too frequent, retry %d in %.2f s",
                    mask_key(key),
                    attempt + 1,
                    self._backoff,
                )
                await self._sleep(self._backoff)
        raise SendError(
            f"wecom 45009 api freq out of limit after {self._max_retries} retries",
            retry_after=self._backoff,
        )

    async def respond(self, response_url: str, payload: Payload) -> None:
        """One reply through an intelligent-robot response_url (single use, valid one hour)."""
        errcode, errmsg = await self._post(response_url, payload, params=None)
        if errcode != ERR_OK:
            raise _errcode_error(errcode, errmsg)

    async def _post(self, url: str, payload: Payload, *, params: dict[str, str] | None) -> tuple[int, str]:
        calls = self.calls
        try:
            response = await self._http.post(url, json=payload, params=params)
        except httpx.HTTPError as exc:
            calls.failed(f"request failed: {type(exc).__name__}")
            raise SendError(f"wecom request failed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            transient = response.status_code >= 500 or response.status_code == 429
            if response.status_code == 429:
                calls.rate_limited("429")
                calls.ok(refused=True)
            elif transient:
                calls.failed(f"HTTP {response.status_code}")
            else:
                calls.ok(refused=True)
            raise SendError(f"wecom HTTP {response.status_code}", permanent=not transient)
        try:
            body = response.json()
        except ValueError as exc:
            calls.failed("answer is not JSON")
            raise SendError("wecom answered with something that is not JSON") from exc
        errcode = body.get("errcode") if isinstance(body, dict) else None
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            calls.failed("answer has no errcode")
            raise SendError("wecom answer has no errcode")
        errmsg = body.get("errmsg")
        if errcode == ERR_OK:
            calls.ok()
        elif errcode == ERR_BUSY:
            calls.failed("errcode -1 (system busy)")
        else:
            if errcode == ERR_TOO_FREQUENT:
                calls.rate_limited(str(ERR_TOO_FREQUENT))
            calls.ok(refused=True)
        return errcode, errmsg if isinstance(errmsg, str) else ""


def _errcode_error(errcode: int, errmsg: str) -> SendError:
    reason = f"wecom errcode {errcode}: {errmsg[:200]}"
    if errcode == ERR_TOO_FREQUENT:
        return SendError(reason)
    if errcode == ERR_BUSY:
        return SendError(reason)
    if errcode == ERR_INVALID_WEBHOOK:
        return DeadWebhook(reason)
    return SendError(reason, permanent=True)
