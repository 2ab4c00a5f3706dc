"""A notice to 1,000 Telegram groups, end to end, against the fake Bot API with Telegram's limits.

    python -m bench.broadcast [--groups 1000] [--db URL] [--json FILE]

A supervisor writes /notice on the local channel and presses 「确认发送」; the fan-out writes one
outbox row per group; the real OutboxSender delivers them through the real TelegramChannel
(python-telegram-bot over HTTP, with its sliding-window limiter at the real rates: 30 messages
per second overall, 20 per minute per group) to the fake server in `tests/fakes/telegram_api.py`,
which answers 429 to any group over 20 sends in 60 s and, here, to anything over 30 sends in
any second overall (Telegram's bulk limit; the fake itself checks only per chat).

Reported: the time from the confirmation to the last group's message against the floor that
30 messages per second sets (groups / 30 s), the ratio, the 429s received, and the books:
every group got the notice exactly once. SQLite by default (a temp file); `--db` takes a
PostgreSQL URL (its schema is dropped and recreated: use a scratch database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.adapters.local.channel import LocalChannel, LocalMessage
from bot.adapters.telegram import TelegramChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from storage.db import create_engine, upgrade
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FloodCheckError

OVERALL_RATE = 30  # messages per second, all chats (Telegram's bulk-notification limit)
GROUP_RATE, GROUP_PERIOD = 20, 60.0  # messages per group per minute


class LimitedFakeTelegram(FakeTelegramAPI):
    """The fake Bot API plus Telegram's overall limit: a 429 for the 31st send in any second."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(rate_limit=GROUP_RATE, rate_window=GROUP_PERIOD, **kwargs)
        self.overall: deque[float] = deque()
        self.accepted: list[float] = []

    def _check_rate(self, chat: FakeChat, method: str) -> None:
        super()._check_rate(chat, method)
        if method.lower() not in self.rate_methods:
            return
        now = time.monotonic()
        while self.overall and self.overall[0] <= now - 1.0:
            self.overall.popleft()
        if len(self.overall) >= OVERALL_RATE:
            retry_after = max(1, math.ceil(self.overall[0] + 1.0 - now))
            raise FloodCheckError(
                429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
            )

    def _count_send(self, chat: FakeChat) -> None:
        super()._count_send(chat)
        now = time.monotonic()
        self.overall.append(now)
        self.accepted.append(now)


def community_file(path: Path, chats: list[FakeChat]) -> None:
    lines = [
        "[[community]]",
        'code = "bench"',
        'name = "万家城"',
        'timezone = "Asia/Shanghai"',
        'language = "zh-Hans"',
        'buildings = ["1"]',
        "[[community.chat]]",
        'platform = "local"',
        'id = "bench-supervisors"',
        'role = "supervisors"',
    ]
    for chat in chats:
        lines += ["[[community.chat]]", 'platform = "telegram"', f'id = "{chat.id}"', 'role = "owners"']
    lines += ["[[community.supervisor]]", 'name = "李主管"', 'accounts = { local = "li" }', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


async def reply_in(local: LocalChannel, chat: str, count: int, within: float = 30.0) -> LocalMessage:
    """Wait for the `count`-th bot message in a local chat (the sender runs on its own)."""
    deadline = time.monotonic() + within
    while len(local.sent_to(chat)) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no reply in {chat}")
        await asyncio.sleep(0.01)
    return local.sent_to(chat)[count - 1]


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(times):
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


async def bench(groups: int, db: str | None, workdir: Path) -> dict[str, Any]:
    url = db or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    async with LimitedFakeTelegram() as fake:
        chats = [fake.add_group(f"万家城{i + 1}群") for i in range(groups)]
        path = workdir / "bench.toml"
        community_file(path, chats)
        local = LocalChannel()
        telegram = TelegramChannel(
            fake.token,
            api_url=fake.base_url,
            overall_rate=OVERALL_RATE,
            overall_period=1.0,
            group_rate=GROUP_RATE,
            group_period=GROUP_PERIOD,
            poll_timeout=1,
        )
        app = build_app(
            Settings(database_url=url, community_file=path, broadcast_quiet_hours="off"),
            channels={"local": local, "telegram": telegram},
            engine=engine,
        )
        await app.start(scheduler=False)
        try:
            await local.post(
                "bench-supervisors",
                "li",
                "/notice 全体 今晚20:00消防演习，听到警报请勿惊慌，按指引有序疏散。",
            )
            preview = await reply_in(local, "bench-supervisors", 1)
            started = time.monotonic()
            await local.press("bench-supervisors", preview.message_id, "bc:ok:N1", "li")
            fanned_out = time.monotonic() - started
            confirmation = (await reply_in(local, "bench-supervisors", 2)).text
            deadline = started + 30 + 3 * groups / OVERALL_RATE
            while sum(1 for c in chats if fake.sent(c.id)) < groups and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            last = max(fake.accepted) if fake.accepted else started
            elapsed = last - started
        finally:
            await app.stop()
    per_group = [len(fake.sent(c.id)) for c in chats]
    floor = groups / OVERALL_RATE
    return {
        "groups": groups,
        "database": url.split(":", 1)[0],
        "confirmation": confirmation.splitlines()[0],
        "fan_out_seconds": round(fanned_out, 3),
        "elapsed_seconds": round(elapsed, 2),
        "floor_seconds": round(floor, 2),
        "ratio_to_floor": round(elapsed / floor, 3),
        "http_429": len(fake.rate_limit_hits),
        "send_calls": len(fake.calls_of("sendMessage")),
        "delivered_groups": sum(1 for n in per_group if n >= 1),
        "duplicates": sum(n - 1 for n in per_group if n > 1),
        "max_sends_in_any_second": max_in_window(fake.accepted, 1.0),
        "max_sends_to_one_group_in_60s": max(
            (fake.max_sends_in_window(c.id, 60.0) for c in chats), default=0
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--db", help="a scratch PostgreSQL URL (default: a temp SQLite file)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as tmp:
        result = asyncio.run(bench(args.groups, args.db, Path(tmp)))
    for key, value in result.items():
        print(f"{key:32} {value}")
    target = "met" if result["ratio_to_floor"] <= 1.1 and result["http_429"] == 0 else "NOT met"
    print(f"target (<= 1.1 x floor, zero 429s): {target}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
