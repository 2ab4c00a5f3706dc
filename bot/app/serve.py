"""`steward run`: Steward live on its platforms until SIGINT or SIGTERM.

The composition root (`bot.app.root.build_app(serve=True)`) builds the adapters and the HTTP
server and knows the start and stop order; this module runs it under the process's signals.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from bot.app.offices import ROLES, check_roles
from bot.app.root import build_app
from bot.app.settings import ConfigError, Settings
from storage.locks import SingleProcessError, claim_sqlite_file, sqlite_file


@contextmanager
def one_process(settings: Settings) -> Iterator[None]:
    """On SQLite, this process alone serves the file: a second `steward run` is refused."""
    path = sqlite_file(settings.database_url)
    if path is None:
        yield
        return
    try:
        handle = claim_sqlite_file(path)
    except SingleProcessError as exc:
        raise ConfigError(str(exc)) from None
    try:
        yield
    finally:
        handle.close()


async def run(settings: Settings, roles: frozenset[str] = frozenset(ROLES)) -> int:
    """Run until SIGINT or SIGTERM, playing `roles` (bot.app.offices); 0 after a clean stop."""
    check_roles(settings, roles)
    with one_process(settings):
        return await _run(settings, roles)


async def _run(settings: Settings, roles: frozenset[str]) -> int:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        app = build_app(settings, serve=True, roles=roles)
        try:
            await app.start()
        except OSError as exc:  # the HTTP port is taken, or the like
            raise ConfigError(f"http: {exc.strerror or exc}") from exc
        except RuntimeError as exc:  # an adapter could not start (bad token, API unreachable)
            raise ConfigError(str(exc)) from exc
        print(
            f"steward: running: {app.describe()}; roles {','.join(sorted(roles))}",
            file=sys.stderr,
            flush=True,
        )
        await stopping.wait()
        print("steward: stopping", file=sys.stderr, flush=True)
        await app.stop()
        print("steward: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
