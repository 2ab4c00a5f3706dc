"""Steward's one HTTP server (aiohttp) on STEWARD_HTTP_HOST:STEWARD_HTTP_PORT.

    GET  /healthz                 JSON: ok (200) or degraded (503) with the reasons
                                  (bot.app.health: cached results of background checks)
    GET  /metrics                 Prometheus text exposition (bot.app.metrics)
    POST /telegram/webhook        Telegram webhook mode (secret token checked by the adapter)
    GET|POST /wecom/aibot/callback   the intelligent robot's callback (URL check, messages)
    GET|POST /wecom/robot/callback   the group robot's callback

Routes are mounted before the server starts (aiohttp freezes its router then). Stopping stops
accepting, waits up to `shutdown_timeout` for requests in flight, then lets the WeCom routes
finish deliveries that outlived their acknowledgement. /healthz and /metrics never wait on
the database or a platform: they read what the background checks found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

Snapshot = Callable[[], tuple[bool, dict[str, Any]]]
Exposition = Callable[[], tuple[bytes, str]]


class HttpServer:
    def __init__(self, host: str, port: int, *, shutdown_timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=1024 * 1024)
        self._shutdown_timeout = shutdown_timeout
        self._runner: web.AppRunner | None = None

    def add_health(self, snapshot: Snapshot) -> None:
        async def healthz(request: web.Request) -> web.Response:
            healthy, report = snapshot()
            return web.json_response(report, status=200 if healthy else 503)

        self.app.router.add_get("/healthz", healthz)

    def add_metrics(self, exposition: Exposition) -> None:
        async def metrics(request: web.Request) -> web.Response:
            body, content_type = exposition()
            response = web.Response(body=body)
            response.headers["Content-Type"] = content_type
            return response

        self.app.router.add_get("/metrics", metrics)

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
