"""A poll over Telegram, through the real TelegramChannel and the fake Bot API: the poll's
inline buttons, votes answered to the presser alone (nothing in the group), and the result
at an early close, per building for the supervisors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.telegram import TelegramChannel
from bot.app.root import build_app
from bot.app.settings import Settings
from bot.core.clock import FrozenClock
from nlp.classifier import Classifier
from tests.fakes.telegram_api import FakeChat, FakeTelegramAPI, FakeUser

FAST = {"poll_timeout": 1, "request_timeout": 3.0, "retry_backoff": 0.05, "callback_answer_grace": 0.5}
HONG_KONG = ZoneInfo("Asia/Hong_Kong")


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def community(path: Path, supervisors: FakeChat, owners: list[FakeChat], boss: FakeUser) -> None:
    lines = [
        "[[community]]",
        'code = "tg"',
        'name = "海景苑"',
        'timezone = "Asia/Hong_Kong"',
        'language = "zh-Hant"',
        'buildings = ["A", "B"]',
        "[[community.chat]]",
        'platform = "telegram"',
        f'id = "{supervisors.id}"',
        'role = "supervisors"',
    ]
    for chat, building in zip(owners, "AB", strict=True):
        lines += ["[[community.chat]]", 'platform = "telegram"', f'id = "{chat.id}"', 'role = "owners"']
        lines += [f'buildings = ["{building}"]']
    lines += ["[[community.supervisor]]", 'name = "張經理"', f'accounts = {{ telegram = "{boss.id}" }}', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


async def test_a_poll_over_telegram(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    async with FakeTelegramAPI() as fake:
        boss, chan, lee, wong = (fake.add_user(n) for n in ("張經理", "陳太", "李生", "黃太"))
        supervisors = fake.add_group("管理處主管")
        owners = [fake.add_group(f"{b}座業主群") for b in "AB"]
        path = tmp_path / "tg.toml"
        community(path, supervisors, owners, boss)
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)  # type: ignore[arg-type]
        app = build_app(
            Settings(database_url=db_url, community_file=path),
            channels={"telegram": channel},
            clock=FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=HONG_KONG)),
            classifier=classifier,
            engine=engine,
        )
        await app.start(scheduler=False)
        try:
            fake.user_says(supervisors, boss, "/poll 中秋遊園揀邊日？ 星期六|星期日 截止 明天 20:00")
            await until(lambda: len(fake.sent(supervisors.id)) == 1)
            assert "已發到 2 個業主" in (fake.sent(supervisors.id)[0].text or "")
            await until(lambda: all(len(fake.sent(c.id)) == 1 for c in owners))
            posts = [fake.sent(c.id)[0] for c in owners]
            assert all(p.callback_datas == ["pv:1:0", "pv:1:1"] for p in posts)

            first = fake.user_presses(owners[0], chan, posts[0].message_id, "pv:1:0")
            await until(lambda: first in fake.callback_answers)
            assert fake.callback_answers[first].text == "已投「星期六」。截止前可以改。"
            changed = fake.user_presses(owners[0], chan, posts[0].message_id, "pv:1:1")
            await until(lambda: changed in fake.callback_answers)
            assert fake.callback_answers[changed].text == "已改投「星期日」。"
            for owner, chat, post in ((lee, owners[0], posts[0]), (wong, owners[1], posts[1])):
                query = fake.user_presses(chat, owner, post.message_id, "pv:1:0")
                await until(lambda q=query: q in fake.callback_answers)  # type: ignore[misc]
            await asyncio.sleep(0.3)
            assert [len(fake.sent(c.id)) for c in owners] == [1, 1]  # nothing said in the groups

            fake.user_says(supervisors, boss, "/poll close 1")
            await until(lambda: all(len(fake.sent(c.id)) == 2 for c in owners))
            for chat in owners:
                result = fake.sent(chat.id)[1].text or ""
                assert "星期六：2 票（67%）" in result, result
                assert "星期日：1 票（33%）" in result, result
                assert "陳太" not in result
            await until(lambda: len(fake.sent(supervisors.id)) == 3)
            staff = fake.sent(supervisors.id)[1].text or ""
            assert "  A座：星期六 1 · 星期日 1" in staff, staff
            assert "  B座：星期六 1 · 星期日 0" in staff, staff
            assert not fake.violations
        finally:
            await channel.stop()
            await app.sender.stop()


async def test_activity_sign_ups_edit_one_summary_over_telegram(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    async with FakeTelegramAPI() as fake:
        boss = fake.add_user("張經理")
        owners_list = [fake.add_user(f"業主{n}") for n in range(6)]
        supervisors = fake.add_group("管理處主管")
        owners = [fake.add_group(f"{b}座業主群") for b in "AB"]
        path = tmp_path / "tg.toml"
        community(path, supervisors, owners, boss)
        channel = TelegramChannel(fake.token, api_url=fake.base_url, **FAST)  # type: ignore[arg-type]
        app = build_app(
            Settings(database_url=db_url, community_file=path),
            channels={"telegram": channel},
            clock=FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=HONG_KONG)),
            classifier=classifier,
            engine=engine,
        )
        await app.start(scheduler=False)
        try:
            fake.user_says(supervisors, boss, "/activity 中秋遊園 明天 14:00 限5人")
            await until(lambda: all(len(fake.sent(c.id)) == 1 for c in owners))
            post = fake.sent(owners[0].id)[0]
            assert post.callback_datas == ["ac:join:1", "ac:leave:1"]
            query = fake.user_presses(owners[0], owners_list[0], post.message_id, "ac:join:1")
            await until(lambda: query in fake.callback_answers)
            assert fake.callback_answers[query].text == "已報名「中秋遊園」1 人。"
            for owner in owners_list[1:]:
                fake.user_says(owners[0], owner, "報名")
            # 接龍 without a reply per owner: the announcement is edited, nothing new is posted.
            try:
                await until(
                    lambda: "已報 5/5 人（5 户），候補 1 户 1 人" in (fake.sent(owners[0].id)[0].text or "")
                )
            except AssertionError:
                raise AssertionError(
                    [(c.method, c.params) for c in fake.calls if c.method != "getUpdates"]
                ) from None
            assert len(fake.sent(owners[0].id)) == 1
            assert fake.message(owners[0].id, post.message_id).edits >= 2
            assert "已報 5/5 人" in (fake.sent(owners[1].id)[0].text or "")  # the other group's too
            assert len(fake.sent(owners[1].id)) == 1
        finally:
            await channel.stop()
            await app.sender.stop()
