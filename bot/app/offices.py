"""Roles a `steward run` process plays, and the singletons it stands for.

Roles (`steward run --roles poller,worker,sender,scheduler`, all by default):

- **poller**: receives updates: Telegram polling (one process per bot token, elected), the
  Telegram webhook and the WeCom callbacks (any number of processes, behind one URL). It only
  stores them in the inbox and answers the platform.
- **worker**: handles what is in the inbox (claims per chat, `FOR UPDATE SKIP LOCKED`): any
  number of processes. A poller that is also a worker handles what it stored itself first.
- **sender**: stands for each platform's sending office (one elected sender per bot token, so
  the adapter's rate limiter is the only one sending on that token: the platform's limits hold
  across processes).
- **scheduler**: stands for the scheduler's office (APScheduler's jobs run in one process).

Offices are elected with PostgreSQL advisory locks (`bot.core.election`). SQLite serves one
process, which plays every role and holds every office (a second is refused at start).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app.platforms import Platforms
from bot.app.settings import ConfigError, Settings
from bot.core.election import Election
from bot.core.sender import OutboxSender
from storage.locks import AdvisoryLocks, sqlite_file

ROLES = ("poller", "worker", "sender", "scheduler")


def parse_roles(raw: str | None) -> frozenset[str]:
    """`poller,worker` → the roles; None or empty: all of them. Raises `ConfigError`."""
    if raw is None or not raw.strip():
        return frozenset(ROLES)
    roles = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise ConfigError(f"--roles: unknown role {', '.join(unknown)} (choose from {', '.join(ROLES)})")
    return frozenset(roles)


def check_roles(settings: Settings, roles: Iterable[str]) -> None:
    """SQLite serves one process, which must then play every role."""
    if sqlite_file(settings.database_url) is not None and set(roles) != set(ROLES):
        raise ConfigError(
            "--roles: SQLite serves one process, which plays every role; use PostgreSQL to split them"
        )


def secret_key(kind: str, secret: str) -> str:
    """An office's lock name for a bot token or key, without the secret in it."""
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()[:16]}"


def build_election(
    settings: Settings,
    roles: frozenset[str],
    *,
    scheduler: AsyncIOScheduler,
    sender: OutboxSender,
    platforms: Platforms,
) -> Election:
    """The offices this process stands for, by its roles."""
    embedded = settings.database_url.startswith("sqlite")
    election = Election(
        None if embedded else AdvisoryLocks(settings.database_url), interval=settings.election_interval
    )
    if "scheduler" in roles:

        async def schedule() -> None:
            if not scheduler.running:
                scheduler.start()
            else:
                scheduler.resume()

        async def unschedule() -> None:
            if scheduler.running:
                scheduler.pause()

        election.stand("scheduler", "scheduler", schedule, unschedule)
    if "sender" in roles:
        sender.leads = set()
        for platform, secret in _senders(settings, platforms):

            async def lead(platform: str = platform) -> None:
                sender.lead(platform, True)

            async def follow(platform: str = platform) -> None:
                sender.lead(platform, False)

            election.stand(f"sender:{platform}", secret_key(f"sender:{platform}", secret), lead, follow)
    telegram = platforms.telegram
    if "poller" in roles and telegram is not None and telegram.mode == "polling":
        assert settings.telegram_token is not None
        election.stand(
            "poller:telegram",
            secret_key("poller:telegram", settings.telegram_token),
            telegram.start_polling,
            telegram.stop_polling,
        )
    return election


def _senders(settings: Settings, platforms: Platforms) -> list[tuple[str, str]]:
    """Each platform this process can send on, with what names its account."""
    found: list[tuple[str, str]] = []
    if platforms.telegram is not None and settings.telegram_token:
        found.append((platforms.telegram.platform, settings.telegram_token))
    if platforms.wecom is not None:
        # One sender for all of the deployment's WeCom robots: their keys are in the database
        # and the community file, the same for every process of one deployment.
        found.append((platforms.wecom.platform, settings.wecom_receive_id or settings.wecom_api_base))
    return found
