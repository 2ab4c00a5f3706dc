"""End-to-end worlds: the real `Steward` (app, adapters, HTTP server) against the fake
platforms over HTTP on 127.0.0.1, with a community file binding the fakes' chats.

Nothing of ours is replaced: updates travel fake → adapter → router → handlers → outbox →
sender → adapter → fake, and tests assert on what the fakes received.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.root import build_app
from bot.app.settings import Settings
from nlp.classifier import Classifier
from storage.base import Base
from storage.directory.models import Chat
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser
from tests.fakes.wecom_api import FakeWeComAPI, WeComCallbackDriver

T = TypeVar("T")

BUILDINGS = [str(n) for n in range(1, 121)]
WECOM_TOKEN = "AibotToken"
WECOM_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
ROBOT_TOKEN = "GroupRobotToken"
ROBOT_AES_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
WECOM_OWNERS = "wrOwnersLxy"
WECOM_STEWARDS = "wrStewardsLxy"
OWNERS_KEY = "owners-robot-key"
STEWARDS_KEY = "stewards-robot-key"
STEWARD_WECOM_ID = "wangguanjia"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(probe: Callable[[], T | None], *, within: float = 10.0, what: str = "") -> T:
    """Poll `probe` until it returns something truthy; its value."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what or probe}")
        await asyncio.sleep(0.02)


async def until(probe: Callable[[], Awaitable[T | None]], *, within: float = 10.0, what: str = "") -> T:
    """`eventually` for probes that need the database."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what or probe}")
        await asyncio.sleep(0.05)


def chat_entry(platform: str, chat_id: str, role: str, title: str, webhook_key: str | None = None) -> str:
    key = f'webhook_key = "{webhook_key}"\n' if webhook_key else ""
    return (
        f'[[community.chat]]\nplatform = "{platform}"\nid = "{chat_id}"\nrole = "{role}"\n'
        f'title = "{title}"\n{key}\n'
    )


def write_community(
    path: Path, chats: Iterable[str], *, telegram_steward: str = "", language: str = "zh-Hans"
) -> Path:
    """The lxy community, bound to the given chats; 王管家 is on duty around the clock."""
    buildings = ", ".join(f'"{b}"' for b in BUILDINGS)
    accounts = f'wecom = "{STEWARD_WECOM_ID}"' + (
        f', telegram = "{telegram_steward}"' if telegram_steward else ""
    )
    text = (
        "[[community]]\n"
        'code = "lxy"\nname = "绿溪园"\ntimezone = "Asia/Shanghai"\n'
        f'language = "{language}"\nbuildings = [{buildings}]\n\n' + "".join(chats) + "[[community.steward]]\n"
        'name = "王管家"\nbuildings = ["*"]\ncategories = ["*"]\nhours = "00:00-24:00"\n'
        f"accounts = {{ {accounts} }}\n\n"
        '[[community.supervisor]]\nname = "李主管"\naccounts = { wecom = "lizhuguan" }\n'
    )
    path.write_text(text, encoding="utf-8")
    return path


def fast_settings(db_url: str, community_file: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "database_url": db_url,
        "community_file": community_file,
        "http_host": "127.0.0.1",
        "http_port": free_port(),
        "outbox_poll_interval": 0.05,
        "http_shutdown_timeout": 2.0,
        "telegram_poll_timeout": 1,
        "telegram_request_timeout": 3.0,
        "telegram_retry_backoff": 0.05,
        # How long a pressed button waits for the handler's own answer before the channel
        # answers it without text: long enough that a loaded box still shows the handler's
        # answer (the grace itself is tested in tests/telegram/test_callbacks.py).
        "telegram_callback_answer_grace": 5.0,
    }
    base.update(overrides)
    return Settings(**base)


class World:
    """One running Steward and its database, with helpers to read what it stored."""

    def __init__(self, settings: Settings, engine: AsyncEngine, classifier: Classifier) -> None:
        self.settings = settings
        self.app = build_app(settings, serve=True, engine=engine, classifier=classifier)

    async def start(self) -> None:
        await self.app.start()

    async def stop(self) -> None:
        await self.app.stop()

    @property
    def base_url(self) -> str:
        assert self.app.http is not None
        return f"http://127.0.0.1:{self.app.http.bound_port}"

    async def tickets(self) -> list[Ticket]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())

    async def count(self, model: type[Base]) -> int:
        async with self.app.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def chat(self, platform: str, chat_id: str) -> Chat | None:
        async with self.app.sessions() as session:
            return await session.scalar(
                select(Chat).where(Chat.platform == platform, Chat.platform_chat_id == chat_id)
            )

    async def outbox(self) -> list[OutboxMessage]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())

    async def wait_for_tickets(self, n: int, *, within: float = 10.0) -> list[Ticket]:
        deadline = time.monotonic() + within
        while True:
            tickets = await self.tickets()
            if len(tickets) >= n:
                return tickets
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(tickets)} tickets after {within} s, expected {n}")
            await asyncio.sleep(0.05)

    async def wait_for_ticket(self, predicate: Callable[[Ticket], bool], *, within: float = 10.0) -> Ticket:
        deadline = time.monotonic() + within
        while True:
            for ticket in await self.tickets():
                if predicate(ticket):
                    return ticket
            if time.monotonic() > deadline:
                raise AssertionError(f"no ticket matched within {within} s")
            await asyncio.sleep(0.05)

    async def get(self, path: str) -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session, session.get(self.base_url + path) as response:
            body = (
                await response.json()
                if response.content_type == "application/json"
                else await response.text()
            )
            return response.status, body


@dataclass
class TelegramParty:
    """The people and chats on the fake Telegram."""

    fake: FakeTelegramAPI
    owner: FakeUser
    steward: FakeUser
    owners: FakeChat
    stewards: FakeChat

    def chats(self) -> list[str]:
        return [
            chat_entry("telegram", str(self.owners.id), "owners", "绿溪园业主群"),
            chat_entry("telegram", str(self.stewards.id), "stewards", "绿溪园管家群"),
        ]


def telegram_party(fake: FakeTelegramAPI, *, basic_group: bool = False) -> TelegramParty:
    owner = fake.add_user("張", last_name="先生", language_code="zh-hans")
    steward = fake.add_user("王", last_name="管家", username="wang_guanjia")
    owners = fake.add_group("绿溪园业主群", supergroup=not basic_group)
    stewards = fake.add_group("绿溪园管家群")
    return TelegramParty(fake, owner, steward, owners, stewards)


@dataclass
class WeComParty:
    api: FakeWeComAPI
    aibot: WeComCallbackDriver
    robot: WeComCallbackDriver

    @staticmethod
    def chats() -> list[str]:
        return [
            chat_entry("wecom", WECOM_OWNERS, "owners", "绿溪园业主群", OWNERS_KEY),
            chat_entry("wecom", WECOM_STEWARDS, "stewards", "绿溪园管家群", STEWARDS_KEY),
        ]


def wecom_settings(api: FakeWeComAPI) -> dict[str, Any]:
    return {
        "wecom_api_base": api.base_url,
        "wecom_token": WECOM_TOKEN,
        "wecom_aes_key": WECOM_AES_KEY,
        "wecom_group_robot_token": ROBOT_TOKEN,
        "wecom_group_robot_aes_key": ROBOT_AES_KEY,
        "wecom_rate_limited_backoff": 0.1,
    }
