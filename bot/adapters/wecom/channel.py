"""`WeComChannel`: the `bot.channel.Channel` for WeCom's sending side.

Receiving happens in `bot.wecom.callback` (routes on the shared HTTP server). Sending has two
paths, chosen per message:

* `Outgoing.reply_hint` holds an intelligent robot's `response_url` (copied from the Incoming
  it answers): the reply goes there as markdown, once. If that fails (it expires after an hour)
  and the chat has a group-robot key, the message is pushed through the webhook instead.
* Otherwise the chat's group-robot webhook key is looked up: a `WebhookUrl` in `reply_hint`
  (group-robot callbacks carry one), then the `webhook_keys` mapping or callable given to the
  constructor (from config or storage), then keys learnt from callbacks (`remember_webhook`,
  or automatically when the callback routes deliver through `receive`).

`send` raises `bot.events.SendError`: permanent for things a retry cannot fix (no key, bad
image, errcode 93000), transient for network trouble and exhausted 45009 retries (with
`retry_after`). A 93000 is a dead robot, not a gone chat: it is reported to `dead_robots`
(the key book records it and has the supervisors and admins told), and the next push the
chat's robot accepts reports it repaired.

A multi-part message (a long text, or text plus an image) that fails half-way is reported as
failed and will be sent again whole by the outbox; the parts already out are repeated then.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from bot.adapters.wecom.buttons import button_press
from bot.adapters.wecom.render import RenderError, image_payload, markdown_payloads, text_payloads
from bot.adapters.wecom.webhook import (
    DeadWebhook,
    Payload,
    RobotRateLimiter,
    WebhookClient,
    is_response_url,
    mask_key,
    webhook_key_from_url,
)
from bot.core.calls import CallLog
from bot.core.channel import Capabilities, Deliver
from bot.core.events import Incoming, Outgoing, Platform, SendError, SendResult

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"

KeyLookup = Callable[[str], str | Awaitable[str | None] | None]
KeyResolver = Mapping[str, str] | KeyLookup


class DeadRobots(Protocol):
    """Where a robot refused as invalid (93000), or one working again, is reported
    (`bot.adapters.wecom.keybook.WebhookKeyBook`)."""

    def is_dead(self, chat_id: str) -> bool: ...

    async def died(self, chat_id: str, key: str, reason: str) -> None: ...

    async def works(self, chat_id: str) -> None: ...


class WeComChannel:
    """Sends `Outgoing` messages to WeCom groups and direct chats."""

    platform: str = Platform.WECOM.value

    def __init__(
        self,
        *,
        api_base: str = DEFAULT_API_BASE,
        webhook_keys: KeyResolver | None = None,
        rate_limit: int = 20,
        rate_window: float = 60.0,
        rate_limited_backoff: float = 10.0,
        max_rate_limited_retries: int = 6,
        response_url_limit: int = 20480,
        request_timeout: float = 10.0,
        callback_prefixes: Iterable[str] = (),
        robots: Sequence[str] = (),
        dead_robots: DeadRobots | None = None,
    ) -> None:
        self._api_base = api_base.rstrip("/")
        # The robots' names, the one to @-mention first (STEWARD_WECOM_ROBOT_NAMES).
        self.robots = tuple(robots)
        self._robot = self.robots[0] if self.robots else ""
        # Group robots post text, markdown and images only, and hear only their @-mentions: a
        # button is shown as what to write to the robot (bot.adapters.wecom.buttons), and
        # there is nothing to edit or answer privately.
        self.capabilities = Capabilities(addressed_as=self._robot)
        self._resolver: KeyResolver = webhook_keys if webhook_keys is not None else {}
        self._limiter = RobotRateLimiter(rate_limit, rate_window)
        self._backoff = rate_limited_backoff
        self._max_retries = max_rate_limited_retries
        self._response_url_limit = response_url_limit
        self._timeout = request_timeout
        self._callback_prefixes = tuple(callback_prefixes)
        self._dead_robots = dead_robots
        self._learnt: dict[str, str] = {}
        self._http: httpx.AsyncClient | None = None
        self._webhook: WebhookClient | None = None
        self._deliver: Deliver | None = None
        self.calls = CallLog(self.platform)  # every request's outcome, for /healthz and /metrics

    async def start(self, deliver: Deliver) -> None:
        """Open the HTTP client. `deliver` is used by `receive` (see `bot.wecom.callback`)."""
        self._deliver = deliver
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._timeout, trust_env=True)
            self._webhook = WebhookClient(
                self._http,
                self._api_base,
                self._limiter,
                rate_limited_backoff=self._backoff,
                max_rate_limited_retries=self._max_retries,
                calls=self.calls,
            )

    async def stop(self) -> None:
        http, self._http, self._webhook = self._http, None, None
        if http is not None:
            await http.aclose()

    def prepare(self, incoming: Incoming) -> Incoming:
        """A callback's message as Steward handles it: the group's webhook key is learnt, and a
        reply to rendered buttons becomes the button press it stands for (`callback_prefixes`)."""
        if incoming.reply_hint:
            self.remember_webhook(incoming.chat_id, incoming.reply_hint)
        return button_press(incoming, self._callback_prefixes)

    async def receive(self, incoming: Incoming) -> None:
        """`prepare`, then deliver (store and handle) through what `start` was given."""
        if self._deliver is None:
            raise RuntimeError("WeComChannel.receive called before start()")
        await self._deliver(self.prepare(incoming))

    def remember_webhook(self, chat_id: str, webhook_url: str) -> bool:
        """Learn a chat's robot key from a `…/webhook/send?key=…` URL; False if it is not one."""
        key = webhook_key_from_url(webhook_url)
        if key is None:
            return False
        if self._learnt.get(chat_id) != key:
            log.info("wecom chat %s uses robot %s", chat_id, mask_key(key))
            self._learnt[chat_id] = key
        return True

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        webhook = self._webhook
        if webhook is None:
            raise SendError("WeCom channel is not started")
        if message.answer is not None and not (message.text.strip() or message.image_path):
            # Only a button's toast (Telegram shows it to the presser): WeCom has no toasts, and
            # what the press did is posted to the group anyway. Nothing to send, not a failure.
            return SendResult(message_id=None)
        image = await self._load_image(message.image_path)
        hint = (message.reply_hint or "").strip()

        if hint and is_response_url(hint):
            await self._reply(webhook, chat_id, hint, message, image)
            return SendResult(message_id=None)

        key = webhook_key_from_url(hint) if hint else None
        if key is not None:
            self.remember_webhook(chat_id, hint)
        else:
            key = await self._resolve_key(chat_id)
        if key is None:
            raise SendError(f"no WeCom robot webhook key for chat {chat_id}", permanent=True)
        payloads = text_payloads(message, self._robot) + ([image] if image else [])
        if not payloads:
            raise SendError("nothing to send: empty text and no image", permanent=True)
        await self._push(webhook, chat_id, key, payloads)
        return SendResult(message_id=None)

    async def _push(self, webhook: WebhookClient, chat_id: str, key: str, payloads: list[Payload]) -> None:
        """Push through the chat's robot, reporting a dead one (and one working again)."""
        try:
            await webhook.send(key, payloads)
        except DeadWebhook as exc:
            await self._report(chat_id, key, exc.reason)
            raise
        await self._report(chat_id, key, None)

    async def _report(self, chat_id: str, key: str, dead: str | None) -> None:
        robots = self._dead_robots
        if robots is None or (dead is None and not robots.is_dead(chat_id)):
            return
        try:
            if dead is None:
                await robots.works(chat_id)
            else:
                await robots.died(chat_id, key, dead)
        except Exception:  # the send's outcome is recorded by the sender whatever happens here
            log.exception("wecom chat %s: recording its robot's state failed", chat_id)

    async def _reply(
        self,
        webhook: WebhookClient,
        chat_id: str,
        response_url: str,
        message: Outgoing,
        image: Payload | None,
    ) -> None:
        if not _same_origin(response_url, self._api_base):
            raise SendError("response_url does not point at the configured WeCom API", permanent=True)
        parts = markdown_payloads(message, self._response_url_limit, self._robot)
        key = await self._resolve_key(chat_id)
        if not parts:
            if image is None:
                raise SendError("nothing to send: empty text and no image", permanent=True)
            if key is None:
                raise SendError(
                    "a response_url takes markdown only and the chat has no robot key", permanent=True
                )
            await self._push(webhook, chat_id, key, [image])
            return
        try:
            await webhook.respond(response_url, parts[0])
        except SendError as exc:
            if key is None:
                raise
            log.info("wecom response_url failed (%s); pushing through robot %s", exc.reason, mask_key(key))
            await self._push(
                webhook, chat_id, key, text_payloads(message, self._robot) + ([image] if image else [])
            )
            return
        rest = parts[1:] + ([image] if image else [])
        if rest and key is not None:
            await self._push(webhook, chat_id, key, rest)
        elif rest:
            log.warning(
                "wecom reply in chat %s: %d part(s) dropped, no robot key to push them", chat_id, len(rest)
            )

    async def _resolve_key(self, chat_id: str) -> str | None:
        resolver = self._resolver
        key: str | None
        if isinstance(resolver, Mapping):
            key = resolver.get(chat_id)
        else:
            found = resolver(chat_id)
            key = await found if inspect.isawaitable(found) else found
        return key or self._learnt.get(chat_id)

    @staticmethod
    async def _load_image(image_path: str | None) -> Payload | None:
        if not image_path:
            return None
        try:
            data = await asyncio.to_thread(Path(image_path).read_bytes)
        except OSError as exc:
            raise SendError(f"image unreadable: {type(exc).__name__}", permanent=True) from exc
        try:
            return image_payload(data)
        except RenderError as exc:
            raise SendError(str(exc), permanent=True) from exc


def _same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)
