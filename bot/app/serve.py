"""`steward run`: Steward live on its platforms until SIGINT or SIGTERM.

Start, in order: the database check and the community file sync; the adapters whose
callbacks must be able to deliver (WeCom); the HTTP server (/healthz, webhooks, callbacks);
the adapters that need the server up (a Telegram webhook is registered at start; polling
starts here too); then the outbox sender and the scheduler, so nothing is sent through an
adapter that is not started yet.

Stop, in order: the HTTP server (no new webhooks or callbacks; requests in flight finish),
the adapters (Telegram's stop lets the update in flight finish), the scheduler, the sender
(sends in flight are recorded) and the database engine.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.http import HttpServer, health_check
from bot.app.platforms import Platforms, build_platforms, callback_prefixes
from bot.app.root import App, build_app
from bot.app.settings import ConfigError, Settings
from bot.core.clock import Clock
from bot.core.shutdown import bounded
from nlp.classifier import Classifier

log = logging.getLogger(__name__)


@dataclass
class Steward:
    """The whole bot as `steward run` runs it: the app, its adapters and the HTTP server."""

    app: App
    platforms: Platforms
    http: HttpServer
    settings: Settings

    @classmethod
    def build(
        cls,
        settings: Settings,
        *,
        engine: AsyncEngine | None = None,
        classifier: Classifier | None = None,
        clock: Clock | None = None,
    ) -> Steward:
        app = build_app(settings, engine=engine, classifier=classifier, clock=clock)
        platforms = build_platforms(
            settings, app.communities, callback_prefixes=callback_prefixes(app.dispatcher.router.callbacks)
        )
        for channel in platforms.channels.values():
            app.add_channel(channel)
        platforms.attach(app.sessions, app.sender.gate)
        http = HttpServer(
            settings.http_host, settings.http_port, shutdown_timeout=settings.http_shutdown_timeout
        )
        http.add_health(health_check(app.sessions, platforms.status))
        platforms.add_routes(http.app)
        return cls(app, platforms, http, settings)

    async def start(self) -> None:
        """Start everything; on failure, stop what was started and raise."""
        try:
            await self.app.start(channels=False, sender=False, scheduler=False)
            await self.platforms.start_unserved(self.app.handle)
            await self.http.start()
            await self.platforms.start_served(
                self.app.handle, set_commands=self.settings.telegram_set_commands
            )
            await self.app.sender.start()
            self.app.scheduler.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await bounded(
            "stopping the HTTP server",
            self.http.stop(),
            self.settings.http_shutdown_timeout + self.settings.stop_step_timeout,
        )
        await self.app.stop()  # adapters, scheduler, sender, engine
        self.platforms.mark_stopped()

    def describe(self) -> str:
        parts = []
        telegram = self.platforms.telegram
        if telegram is not None:
            how = (
                f"webhook {self.platforms.telegram_webhook_path}" if telegram.mode == "webhook" else "polling"
            )
            parts.append(f"telegram @{telegram.bot_username or '?'} ({how})")
        if self.platforms.wecom is not None:
            callbacks = ", ".join(r for r in self.platforms.routes if r.startswith("/wecom")) or "pushes only"
            parts.append(f"wecom ({callbacks})")
        adapters = "; ".join(parts) or "no platform adapters (set STEWARD_TELEGRAM_TOKEN or STEWARD_WECOM_*)"
        return f"{adapters}; http {self.http.host}:{self.http.bound_port} (/healthz)"


async def run(settings: Settings) -> int:
    """Run until SIGINT or SIGTERM; 0 after a clean stop."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        steward = Steward.build(settings)
        try:
            await steward.start()
        except OSError as exc:  # the HTTP port is taken, or the like
            raise ConfigError(f"http: {exc.strerror or exc}") from exc
        except RuntimeError as exc:  # an adapter could not start (bad token, API unreachable)
            raise ConfigError(str(exc)) from exc
        print(f"steward: running: {steward.describe()}", file=sys.stderr, flush=True)
        await stopping.wait()
        print("steward: stopping", file=sys.stderr, flush=True)
        await steward.stop()
        print("steward: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
