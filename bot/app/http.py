"""Steward's one HTTP server (aiohttp) on STEWARD_HTTP_HOST:STEWARD_HTTP_PORT.

    GET  /healthz                 JSON: database reachable, outbox backlog, adapters (200 or 503)
    POST /telegram/webhook        Telegram webhook mode (secret token checked by the adapter)
    GET|POST /wecom/aibot/callback   the intelligent robot's callback (URL check, messages)
    GET|POST /wecom/robot/callback   the group robot's callback

Routes are mounted before the server starts (aiohttp freezes its router then). Stopping stops
accepting, waits up to `shutdown_timeout` for requests in flight, then lets the WeCom routes
finish deliveries that outlived their acknowledgement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]
HEALTH_DB_TIMEOUT = 5.0


class HttpServer:
    def __init__(self, host: str, port: int, *, shutdown_timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=1024 * 1024)
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None

    def add_health(self, check: HealthCheck) -> None:
        async def healthz(request: web.Request) -> web.Response:
            healthy, report = await check()
            return web.json_response(report, status=200 if healthy else 503)

        self.app.router.add_get("/healthz", healthz)

    @property
    def bound_port(self) -> int:
        """The port actually listened on (differs from `port` when that was 0)."""
        if self._runner is None or not self._runner.addresses:
            return self.port
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        runner = web.AppRunner(
            self.app, handle_signals=False, access_log=None, shutdown_timeout=self._shutdown_timeout
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise OSError(exc.errno, f"cannot listen on {self.host}:{self.port}: {exc.strerror}") from exc
        self._runner = runner
        log.info("http: listening on %s:%d", self.host, self.bound_port)

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
            log.info("http: stopped")


def health_check(
    sessions: async_sessionmaker[AsyncSession],
    adapters: Callable[[], dict[str, Any]],
    *,
    timeout: float = HEALTH_DB_TIMEOUT,
) -> HealthCheck:
    """/healthz: healthy when the database answers; reports the outbox backlog (messages not
    yet sent) and each adapter's state."""

    async def check() -> tuple[bool, dict[str, Any]]:
        report: dict[str, Any] = {"db": {"reachable": False}, "outbox": {"backlog": None}}
        try:
            async with asyncio.timeout(timeout), sessions() as session:
                backlog = await UnitOfWork(session).outbox.pending_count()
            report["db"]["reachable"] = True
            report["outbox"]["backlog"] = backlog
        except Exception as exc:
            log.warning("healthz: database check failed: %s", type(exc).__name__)
            report["db"]["error"] = type(exc).__name__
        report["adapters"] = adapters()
        healthy = bool(report["db"]["reachable"])
        report["status"] = "ok" if healthy else "unavailable"
        return healthy, report

    return check
