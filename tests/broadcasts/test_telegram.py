"""The notice flow over Telegram, end to end: a supervisor types /notice in a Telegram group, the
preview arrives with inline buttons, the press is answered and the notice reaches each owner
group once, through the real TelegramChannel and the fake Bot API server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.telegram import TelegramChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.clock import FrozenClock
from handlers.broadcasts.jobs import TICK, BroadcastJobs
from nlp.classifier import Classifier
from tests.broadcasts.conftest import SHANGHAI
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser

FAST = {"poll_timeout": 1, "request_timeout": 3.0, "retry_backoff": 0.05, "callback_answer_grace": 0.5}


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def community(
    path: Path, supervisors: FakeChat, owners: list[FakeChat], boss: FakeUser, steward: FakeUser | None = None
) -> None:
    lines = [
        "[[community]]",
        'code = "tg"',
        'name = "海景苑"',
        'timezone = "Asia/Hong_Kong"',
        'language = "zh-Hant"',
        'buildings = ["A", "B", "C"]',
        "[[community.chat]]",
        'platform = "telegram"',
        f'id = "{supervisors.id}"',
        'role = "supervisors"',
    ]
    for chat, building in zip(owners, "ABC", strict=True):
        lines += [
            "[[community.chat]]",
            'platform = "telegram"',
            f'id = "{chat.id}"',
            'role = "owners"',
            f'buildings = ["{building}"]',
        ]
    if steward is not None:
        lines += ["[[community.steward]]", 'name = "黃管家"', f'accounts = {{ telegram = "{steward.id}" }}']
    lines += ["[[community.supervisor]]", 'name = "張經理"', f'accounts = {{ telegram = "{boss.id}" }}', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


async def test_notice_preview_press_and_delivery_over_telegram(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    async with FakeTelegramAPI(rate_limit=20, rate_window=60.0) as fake:
        boss, owner = fake.add_user("張經理"), fake.add_user("陳太")
        supervisors = fake.add_group("管理處主管")
        owners = [fake.add_group(f"{b}座業主群") for b in "ABC"]
        path = tmp_path / "tg.toml"
        community(path, supervisors, owners, boss)
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)  # type: ignore[arg-type]
        app = build_app(
            Settings(database_url=db_url, community_file=path),
            channels={"telegram": channel},
            clock=FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)),
            classifier=classifier,
            engine=engine,
        )
        await app.start(scheduler=False)
        try:
            fake.user_says(supervisors, boss, "/notice B-C座 本週六上午十時電梯保養，請業戶預早安排。")
            await until(lambda: len(fake.sent(supervisors.id)) == 1)
            [preview] = fake.sent(supervisors.id)
            assert preview.callback_datas == ["bc:ok:N1", "bc:no:N1"]
            assert "2個" in (preview.text or "")
            assert all(fake.sent(c.id) == [] for c in owners)

            query = fake.user_presses(supervisors, boss, preview.message_id, "bc:ok:N1")
            await until(lambda: all(len(fake.sent(c.id)) == 1 for c in owners[1:]))
            # The preview is rewritten with the outcome in place of its buttons: nothing is
            # left to press, and no second message is posted.
            try:
                await until(lambda: fake.message(supervisors.id, preview.message_id).edits >= 1)
            except AssertionError:
                raise AssertionError(
                    f"no edit: {[(c.method, c.params) for c in fake.calls if c.method != 'getUpdates']}"
                ) from None
            await asyncio.sleep(0.3)  # a second edit would show here
            assert fake.message(supervisors.id, preview.message_id).edits == 1, fake.calls_of(
                "editMessageText"
            )
            [decided] = fake.sent(supervisors.id)
            assert decided.button_rows == []
            assert "N1 已發出" in (decided.text or "")
            assert "本週六上午十時電梯保養" in (decided.text or "")  # still the preview
            assert fake.callback_answers[query].text == "已確認"
            assert fake.sent(owners[0].id) == []  # building A is not a target
            for chat in owners[1:]:
                [notice] = fake.sent(chat.id)
                assert (notice.text or "").startswith("📢【海景苑管理處通告】")
                assert "電梯保養" in (notice.text or "")

            # An owner cannot broadcast, on Telegram as anywhere.
            fake.user_says(owners[0], owner, "/notice 全體 我都想發通知")
            await until(lambda: len(fake.sent(owners[0].id)) == 1)
            assert fake.sent(owners[0].id)[0].text == "抱歉，該操作僅限物業工作人員。"
        finally:
            await channel.stop()
            await app.sender.stop()


async def test_a_steward_pressing_confirm_is_told_privately_which_role_may(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    async with FakeTelegramAPI() as fake:
        boss, steward = fake.add_user("張經理"), fake.add_user("黃管家")
        supervisors = fake.add_group("管理處主管")
        owners = [fake.add_group(f"{b}座業主群") for b in "ABC"]
        path = tmp_path / "tg.toml"
        community(path, supervisors, owners, boss, steward)
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)  # type: ignore[arg-type]
        app = build_app(
            Settings(database_url=db_url, community_file=path),
            channels={"telegram": channel},
            clock=FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)),
            classifier=classifier,
            engine=engine,
        )
        await app.start(scheduler=False)
        try:
            fake.user_says(supervisors, boss, "/notice 全體 本週六上午十時電梯保養。")
            await until(lambda: len(fake.sent(supervisors.id)) == 1)
            [preview] = fake.sent(supervisors.id)
            query = fake.user_presses(supervisors, steward, preview.message_id, "bc:ok:N1")
            await until(lambda: query in fake.callback_answers)
            answer = fake.callback_answers[query]
            # An alert to the presser alone, naming the role the step needs; the group sees nothing.
            assert (answer.text, answer.show_alert) == ("抱歉，該操作僅限主管及以上人員。", True)
            await app.sender.drain()
            assert fake.sent(supervisors.id) == [preview]
            assert fake.message(supervisors.id, preview.message_id).callback_datas == ["bc:ok:N1", "bc:no:N1"]
            assert all(fake.sent(c.id) == [] for c in owners)
        finally:
            await channel.stop()
            await app.sender.stop()


async def test_a_missed_one_off_notice_tells_the_telegram_supervisors_once(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    async with FakeTelegramAPI() as fake:
        boss = fake.add_user("張經理")
        supervisors = fake.add_group("管理處主管")
        owners = [fake.add_group(f"{b}座業主群") for b in "ABC"]
        path = tmp_path / "tg.toml"
        community(path, supervisors, owners, boss)
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)  # type: ignore[arg-type]
        clock = FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
        app = build_app(
            Settings(database_url=db_url, community_file=path),
            channels={"telegram": channel},
            clock=clock,
            classifier=classifier,
            engine=engine,
        )
        await app.start(scheduler=False)
        try:
            fake.user_says(supervisors, boss, "/notice 全體 2026-11-24 10:00 大堂地毯清洗")
            await until(lambda: len(fake.sent(supervisors.id)) == 1)
            [preview] = fake.sent(supervisors.id)
            query = fake.user_presses(supervisors, boss, preview.message_id, "bc:ok:N1")
            await until(lambda: query in fake.callback_answers)
            await until(lambda: "已定時" in (fake.sent(supervisors.id)[-1].text or ""))
            # The process was down over the notice's time; it is back two hours later.
            clock.set(datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))
            jobs = app.scheduler.get_job(TICK).func.__self__
            assert isinstance(jobs, BroadcastJobs)
            await jobs.tick()
            await jobs.tick()
            await until(lambda: len(fake.sent(supervisors.id)) == 2)
            await app.sender.drain()
            await asyncio.sleep(0.3)  # a second alert would show here
            [_, told] = fake.sent(supervisors.id)
            assert "N1" in (told.text or "")
            assert "/notice resume N1" in (told.text or "")
            assert "冇發到" in (told.text or "")
            assert all(fake.sent(c.id) == [] for c in owners)
        finally:
            await channel.stop()
            await app.sender.stop()
