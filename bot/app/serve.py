"""`steward run`: Steward live on its platforms until SIGINT or SIGTERM.

The composition root (`bot.app.root.build_app(serve=True)`) builds the adapters and the HTTP
server and knows the start and stop order; this module runs it under the process's signals.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from bot.app.root import build_app
from bot.app.settings import ConfigError, Settings


async def run(settings: Settings) -> int:
    """Run until SIGINT or SIGTERM; 0 after a clean stop."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        app = build_app(settings, serve=True)
        try:
            await app.start()
        except OSError as exc:  # the HTTP port is taken, or the like
            raise ConfigError(f"http: {exc.strerror or exc}") from exc
        except RuntimeError as exc:  # an adapter could not start (bad token, API unreachable)
            raise ConfigError(str(exc)) from exc
        print(f"steward: running: {app.describe()}", file=sys.stderr, flush=True)
        await stopping.wait()
        print("steward: stopping", file=sys.stderr, flush=True)
        await app.stop()
        print("steward: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
