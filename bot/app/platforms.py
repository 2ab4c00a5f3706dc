"""The platform adapters Steward runs with, built from the settings and the community file.

- **Telegram** when `STEWARD_TELEGRAM_TOKEN` is set: polling, or a webhook mounted on the
  shared HTTP server at the path of `STEWARD_TELEGRAM_WEBHOOK_URL`.
- **WeCom** when a robot's callback is configured (a token and an EncodingAESKey) or the
  community file binds a WeCom chat (pushes need nothing but the group robots' webhook keys).
  Two callbacks, each with its own token and key, on the shared HTTP server:
  `/wecom/aibot/callback` for the intelligent robot (智能机器人, JSON) and
  `/wecom/robot/callback` for the group robot (群机器人, XML).

Pushes to a WeCom group go through its group robot's webhook key (`WebhookKeyBook`): the
`webhook_key` the community file gives the chat, else the key a group-robot callback from that
chat carried, which is kept in the `chats` table so it outlives a restart. A robot WeCom
refuses as invalid (93000) is recorded on its chat and the supervisors and admins told
(`handlers.general.PushNotices`); at start, a chat whose robot was dead and has another key
now gets what failed sent again.

Buttons are shown on WeCom as what to write to the robot ("@物业管家 接单 BX-…", the robot's
name from STEWARD_WECOM_ROBOT_NAMES); a button without words of its own as a command such
as "/t accept 42", and the router's callback prefixes tell the WeCom adapter which replies
are presses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.adapters.telegram import TelegramChannel
from bot.adapters.wecom.callback import MemorySeenMessageIds, add_wecom_routes
from bot.adapters.wecom.channel import WeComChannel
from bot.adapters.wecom.crypto import WeComCrypto
from bot.adapters.wecom.keybook import PushWatcher, WebhookKeyBook
from bot.app.communities import CommunityFile
from bot.app.settings import ConfigError, Settings
from bot.core.calls import CallLog
from bot.core.channel import Accept, Channel, Deliver, Handle
from bot.core.events import Incoming, Platform
from storage.db import WriteGate

log = logging.getLogger(__name__)

TELEGRAM_WEBHOOK_PATH = "/telegram/webhook"
WECOM_AIBOT_PREFIX = "/wecom/aibot"
WECOM_GROUP_ROBOT_PREFIX = "/wecom/robot"


@dataclass(frozen=True)
class WeComCallback:
    """One robot's callback endpoint: its name, its URL path prefix and its crypto."""

    robot: str  # "aibot" | "group_robot"
    prefix: str
    crypto: WeComCrypto


@dataclass
class Platforms:
    """The adapters of one Steward process and what they need from the HTTP server."""

    telegram: TelegramChannel | None = None
    telegram_webhook_path: str | None = None
    wecom: WeComChannel | None = None
    wecom_keys: WebhookKeyBook | None = None
    wecom_callbacks: list[WeComCallback] = field(default_factory=list)
    wecom_reply_timeout: float = 4.0
    routes: list[str] = field(default_factory=list)
    running: set[str] = field(default_factory=set)

    @property
    def channels(self) -> dict[str, Channel]:
        found: dict[str, Channel] = {}
        if self.telegram is not None:
            found[self.telegram.platform] = self.telegram
        if self.wecom is not None:
            found[self.wecom.platform] = self.wecom
        return found

    def attach(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        *,
        now: Callable[[], datetime] | None = None,
        wake: Callable[[], None] | None = None,
        watcher: PushWatcher | None = None,
    ) -> None:
        """The database, the clock, the sender's wake-up and who hears of dead WeCom robots."""
        if self.wecom_keys is not None:
            self.wecom_keys.attach(sessions, gate, now=now, wake=wake, watcher=watcher)

    def add_routes(self, http: web.Application, *, accept: Accept) -> list[str]:
        """Mount the Telegram webhook and the WeCom callbacks; returns the paths mounted.
        `accept` stores an update (the app's inbox) and gives what handles it."""
        if self.telegram is not None and self.telegram_webhook_path is not None:
            self.telegram.add_telegram_routes(http, self.telegram_webhook_path)
            self.routes.append(self.telegram_webhook_path)
        if self.wecom is not None:
            seen = MemorySeenMessageIds()
            for callback in self.wecom_callbacks:
                path = add_wecom_routes(
                    http,
                    path_prefix=callback.prefix,
                    crypto=callback.crypto,
                    accept=self._wecom_accept(self.wecom, self.wecom_keys, accept),
                    seen=seen,
                    reply_timeout=self.wecom_reply_timeout,
                    robots=self.wecom.robots,
                )
                self.routes.append(path)
        return list(self.routes)

    @staticmethod
    def _wecom_accept(channel: WeComChannel, keys: WebhookKeyBook | None, accept: Accept) -> Accept:
        async def wecom_accept(incoming: Incoming) -> Handle:
            handle = await accept(channel.prepare(incoming))

            async def then() -> None:
                await handle()
                if keys is not None:  # the chat's row exists once the update was handled
                    await keys.learn(incoming.chat_id, incoming.reply_hint)

            return then

        return wecom_accept

    async def start_unserved(self, deliver: Deliver) -> None:
        """Start the adapters that must be ready before the HTTP server takes requests
        (WeCom: its callbacks deliver through the started channel)."""
        if self.wecom is not None:
            if self.wecom_keys is not None:
                dead = await self.wecom_keys.load()
                if dead:
                    log.error(
                        "wecom: %d group robot(s) still refused as invalid: see `steward wecom chats`", dead
                    )
            await self.wecom.start(deliver)
            self.running.add(Platform.WECOM.value)

    async def start_served(
        self, deliver: Deliver, *, set_commands: bool = True, webhook: bool = True, poll: bool = True
    ) -> None:
        """Start the adapters that need the HTTP server up (a Telegram webhook is registered
        at start, and Telegram may post at once); polling starts here too. `webhook` False: a
        process that receives nothing leaves the webhook alone; `poll` False: polling waits for
        the poller's office (`TelegramChannel.start_polling`)."""
        if self.telegram is not None:
            receive = webhook if self.telegram.mode == "webhook" else poll
            await self.telegram.start(deliver, receive=receive)
            self.running.add(Platform.TELEGRAM.value)
            if set_commands:
                try:
                    await self.telegram.set_commands()
                except Exception as exc:  # the menu is a convenience: never a reason not to run
                    log.warning("telegram: registering the command menu failed: %s", exc)

    def call_logs(self) -> dict[str, CallLog]:
        """Each adapter's record of its calls to its platform (/healthz, /metrics)."""
        logs: dict[str, CallLog] = {}
        if self.telegram is not None:
            logs[self.telegram.platform] = self.telegram.calls
        if self.wecom is not None:
            logs[self.wecom.platform] = self.wecom.calls
        return logs

    def mark_stopped(self) -> None:
        self.running.clear()

    def status(self) -> dict[str, Any]:
        """What /healthz reports about the adapters."""
        report: dict[str, Any] = {}
        if self.telegram is not None:
            report["telegram"] = {
                "running": Platform.TELEGRAM.value in self.running,
                "mode": self.telegram.mode,
                "bot": self.telegram.bot_username or None,
            }
        if self.wecom is not None:
            keys = self.wecom_keys.configured if self.wecom_keys is not None else {}
            report["wecom"] = {
                "running": Platform.WECOM.value in self.running,
                "callbacks": [c.robot for c in self.wecom_callbacks],
                "configured_robots": len(keys),
            }
        return report


def build_platforms(
    settings: Settings, communities: CommunityFile, *, callback_prefixes: Iterable[str] = ()
) -> Platforms:
    """The adapters the settings and the community file call for (none: a local-only run).
    Raises `ConfigError` naming the setting for anything inconsistent."""
    platforms = Platforms(wecom_reply_timeout=settings.wecom_reply_timeout)
    if settings.telegram_token:
        platforms.telegram = build_telegram(settings)
        if platforms.telegram.mode == "webhook":
            platforms.telegram_webhook_path = webhook_path(settings.telegram_webhook_url)
    callbacks = wecom_callbacks(settings)
    keys = {
        chat.id: chat.webhook_key
        for entry in communities.community
        for chat in entry.chat
        if chat.platform == Platform.WECOM.value and chat.webhook_key
    }
    binds_wecom = any(c.platform == Platform.WECOM.value for e in communities.community for c in e.chat)
    if callbacks or binds_wecom:
        book = WebhookKeyBook(keys)
        platforms.wecom = WeComChannel(
            api_base=settings.wecom_api_base,
            webhook_keys=book,
            rate_limit=settings.wecom_rate,
            rate_window=settings.wecom_period,
            rate_limited_backoff=settings.wecom_rate_limited_backoff,
            callback_prefixes=tuple(callback_prefixes),
            robots=settings.robot_names,
            dead_robots=book,
        )
        platforms.wecom_keys = book
        platforms.wecom_callbacks = callbacks
    return platforms


def build_telegram(settings: Settings) -> TelegramChannel:
    assert settings.telegram_token is not None
    rate = settings.telegram_overall_rate
    if rate <= 0:
        raise ConfigError("STEWARD_TELEGRAM_OVERALL_RATE: must be > 0 messages per second")
    overall_rate, overall_period = (round(rate), 1.0) if rate >= 1 else (1, 1.0 / rate)
    try:
        return TelegramChannel(
            settings.telegram_token,
            api_url=settings.telegram_api_url,
            mode=settings.telegram_mode,
            webhook_url=settings.telegram_webhook_url,
            secret_token=settings.telegram_secret_token,
            overall_rate=overall_rate,
            overall_period=overall_period,
            group_rate=settings.telegram_group_rate,
            group_period=settings.telegram_group_period,
            poll_timeout=settings.telegram_poll_timeout,
            request_timeout=settings.telegram_request_timeout,
            retry_backoff=settings.telegram_retry_backoff,
            callback_answer_grace=settings.telegram_callback_answer_grace,
        )
    except ValueError as exc:
        message = str(exc)
        if "webhook" in message:
            message = "webhook mode needs STEWARD_TELEGRAM_WEBHOOK_URL and STEWARD_TELEGRAM_SECRET_TOKEN"
        elif "token" in message:
            message = "STEWARD_TELEGRAM_TOKEN: " + message
        raise ConfigError(f"telegram: {message}") from None


def webhook_path(url: str | None) -> str:
    """Where the Telegram webhook is served: the path of the public URL Telegram posts to."""
    path = urlsplit(url or "").path.rstrip("/")
    return path or TELEGRAM_WEBHOOK_PATH


def wecom_callbacks(settings: Settings) -> list[WeComCallback]:
    robots = (
        ("aibot", WECOM_AIBOT_PREFIX, settings.wecom_token, settings.wecom_aes_key, "STEWARD_WECOM"),
        (
            "group_robot",
            WECOM_GROUP_ROBOT_PREFIX,
            settings.wecom_group_robot_token,
            settings.wecom_group_robot_aes_key,
            "STEWARD_WECOM_GROUP_ROBOT",
        ),
    )
    found: list[WeComCallback] = []
    for robot, prefix, token, aes_key, names in robots:
        if not token and not aes_key:
            continue
        if not token or not aes_key:
            raise ConfigError(f"{names}_TOKEN and {names}_AES_KEY: set both, or neither")
        try:
            crypto = WeComCrypto(
                token, aes_key, settings.wecom_receive_id, max_clock_skew=settings.wecom_callback_max_skew
            )
        except ValueError as exc:
            raise ConfigError(f"{names}_AES_KEY: {exc}") from None
        found.append(WeComCallback(robot, prefix, crypto))
    return found


def callback_prefixes(router_callbacks: Iterable[tuple[str, object]]) -> tuple[str, ...]:
    return tuple(prefix for prefix, _ in router_callbacks)
