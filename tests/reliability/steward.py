"""`steward run` as subprocesses against the fake Bot API, for the fault tests: a community of
many owner groups, the environment, /healthz with its answer time, and the database's view
of the outbox."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.outbox.models import OutboxMessage
from tests.e2e.test_run import Process, steward_env
from tests.e2e.world import eventually
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser


def write_community(
    path: Path, *, owners: list[FakeChat], supervisors: FakeChat, stewards: FakeChat, boss: FakeUser
) -> Path:
    lines = [
        "[[community]]",
        'code = "lxy"',
        'name = "绿溪园"',
        'timezone = "Asia/Shanghai"',
        'language = "zh-Hans"',
        'buildings = ["1", "2", "3"]',
    ]
    for chat, role in [
        (supervisors, "supervisors"),
        (stewards, "stewards"),
        *((c, "owners") for c in owners),
    ]:
        lines += ["[[community.chat]]", 'platform = "telegram"', f'id = "{chat.id}"', f'role = "{role}"']
    lines += [
        "[[community.steward]]",
        'name = "王管家"',
        'buildings = ["*"]',
        'categories = ["*"]',
        'hours = "00:00-24:00"',
        'accounts = { wecom = "wangguanjia" }',
        "[[community.supervisor]]",
        'name = "李主管"',
        f'accounts = {{ telegram = "{boss.id}" }}',
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def env(db_url: str, community: Path, fake: FakeTelegramAPI, port: int, **more: str) -> dict[str, str]:
    values = {
        "database_url": db_url,
        "community_file": str(community),
        "telegram_token": fake.token,
        "telegram_api_url": fake.base_url,
        "telegram_poll_timeout": "1",
        "telegram_retry_backoff": "0.05",
        "telegram_set_commands": "false",
        "http_port": str(port),
        "outbox_poll_interval": "0.1",
        "http_shutdown_timeout": "2",
        "broadcast_quiet_hours": "off",  # the tests run at any hour
        "log_level": "INFO",
    }
    values.update(more)
    return steward_env(**values)


async def start(env: dict[str, str]) -> Process:
    process = await Process.start("run", env=env)
    await eventually(
        lambda: "steward: running" in process.log or process.proc.returncode is not None, within=60
    )
    assert process.proc.returncode is None, process.log
    return process


async def healthz(port: int) -> tuple[int, dict[str, Any], float]:
    """GET /healthz: status, document, seconds to answer (a 5 s cap, far above the 1 s asked)."""
    began = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=5)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        body = await response.json()
        return response.status, body, time.monotonic() - began


async def outbox_counts(engine: AsyncEngine, ref_type: str | None = "broadcast") -> dict[str, int]:
    """Outbox rows by status (of `ref_type`; None: the rows that have none, e.g. replies)."""
    kind = OutboxMessage.ref_type.is_(None) if ref_type is None else OutboxMessage.ref_type == ref_type
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(OutboxMessage.status, func.count()).where(kind).group_by(OutboxMessage.status)
        )
        return {str(status): int(n) for status, n in rows.all()}


async def held_by(engine: AsyncEngine, instance_id: str) -> int:
    async with engine.connect() as conn:
        return int(
            await conn.scalar(
                select(func.count()).where(
                    OutboxMessage.status == "sending", OutboxMessage.claimed_by == instance_id
                )
            )
            or 0
        )


def delivered(fake: FakeTelegramAPI, groups: list[FakeChat], marker: str) -> dict[int, int]:
    """How many messages containing `marker` each group got."""
    return {g.id: sum(1 for m in fake.sent(g.id) if marker in (m.text or "")) for g in groups}
