"""WeCom end to end: a dead group robot (errcode 93000) never drops its group silently (issue 19).

Two owner groups; the second one's robot key is refused as invalid. An urgent notice reaches
the first group; for the second the send fails visibly, the supervisors and the admin (on
Telegram) are told once (a second failure tells nobody again), `/healthz` is degraded and names the chat, and
`steward wecom chats` marks its robot dead. The group is not given up on: a later notice is
still written for it. When the group's robot has a new key (a group-robot callback carries
it), what failed is sent again with it, the supervisors hear it is repaired and `/healthz` is
healthy again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli.wecom import print_chats
from nlp.classifier import Classifier
from storage.outbox.models import OutboxMessage
from tests.e2e.test_wecom import AIBOT, ROBOT, containing, post
from tests.e2e.world import (
    STEWARDS_KEY,
    WECOM_STEWARDS,
    WeComParty,
    World,
    chat_entry,
    eventually,
    fast_settings,
    until,
    wecom_settings,
    write_community,
)
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.wecom_api import aibot_text, group_robot_text

EAST, WEST, SUPERVISORS = "wrOwnersEast", "wrOwnersWest", "wrSupervisorsLxy"
EAST_KEY, WEST_KEY, SUPERVISORS_KEY, WEST_NEW_KEY = (
    "east-key",
    "west-dead-key",
    "supervisors-key",
    "west-new-key",
)


@pytest.fixture
async def world(
    wecom_party: WeComParty,
    fake_telegram: FakeTelegramAPI,
    engine: AsyncEngine,
    db_url: str,
    classifier: Classifier,
    tmp_path: Path,
) -> AsyncIterator[World]:
    # The admin is on Telegram, where Steward can write to a person (WeCom's robots cannot).
    admin = fake_telegram.add_user("管理员")
    fake_telegram.add_private(admin)
    chats = [
        chat_entry("wecom", EAST, "owners", "东区业主群", EAST_KEY),
        chat_entry("wecom", WEST, "owners", "西区业主群", WEST_KEY),
        chat_entry("wecom", WECOM_STEWARDS, "stewards", "绿溪园管家群", STEWARDS_KEY),
        chat_entry("wecom", SUPERVISORS, "supervisors", "绿溪园主管群", SUPERVISORS_KEY),
    ]
    community = write_community(tmp_path / "community.toml", chats)
    settings = fast_settings(
        db_url,
        community,
        **wecom_settings(wecom_party.api),
        broadcast_quiet_hours="off",
        health_interval=0.2,
        telegram_token=fake_telegram.token,
        telegram_api_url=fake_telegram.base_url,
        admins=f"telegram:{admin.id}",
    )
    wecom_party.api.valid_keys = {EAST_KEY, STEWARDS_KEY, SUPERVISORS_KEY}  # the west group's robot is dead
    running = World(settings, engine, classifier)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def notice(party: WeComParty, world: World, text: str) -> None:
    payload = aibot_text(
        f"@物业管家 /notice 全体 --urgent {text}",
        chatid=SUPERVISORS,
        userid="lizhuguan",
        response_url=party.api.new_response_url(),
    )
    assert await post(world, AIBOT, party.aibot.aibot(payload)) == 200
    await eventually(lambda: any("确认发送" in r.content for r in party.api.responses()), what="the preview")
    confirm = aibot_text(
        "@物业管家 确认", chatid=SUPERVISORS, userid="lizhuguan", response_url=party.api.new_response_url()
    )
    assert await post(world, AIBOT, party.aibot.aibot(confirm)) == 200


async def failed_to(world: World, chat: str) -> list[OutboxMessage]:
    return [r for r in await world.outbox() if r.platform_chat_id == chat and r.status == "failed"]


async def test_a_dead_robot_is_told_shown_and_sent_again_once_repaired(
    world: World, wecom_party: WeComParty, fake_telegram: FakeTelegramAPI
) -> None:
    api = wecom_party.api
    [admin] = [u for u in fake_telegram.users.values() if u.first_name == "管理员"]
    await notice(wecom_party, world, "今晚8点起东西区紧急停水")
    await eventually(lambda: containing(api.sent(EAST_KEY), "紧急停水"), what="the east group's notice")

    async def west_failed() -> list[OutboxMessage]:
        return await failed_to(world, WEST)

    [row] = await until(west_failed, what="the west group's notice failed")
    assert "93000" in (row.error or "")
    west = await world.chat("wecom", WEST)
    assert west is not None
    assert west.active  # not dropped from broadcasts
    assert west.push_failed_at is not None

    alert = await eventually(lambda: containing(api.sent(SUPERVISORS_KEY), "西区业主群"), what="the alert")
    assert "无法向群" in alert.content
    assert "steward wecom retry" in alert.content
    assert "<@lizhuguan>" in alert.content  # the supervisor on the roster is mentioned
    told = await eventually(lambda: fake_telegram.sent(admin.id), what="the admin told")
    assert "西区业主群" in (told[0].text or "")

    async def degraded() -> dict[str, Any] | None:
        status, body = await world.get("/healthz")
        return body if status == 503 and body["push"]["count"] == 1 else None

    health = await until(degraded, what="/healthz degraded")
    assert any(WEST in reason for reason in health["reasons"])

    console = Console(record=True, width=240)
    await print_chats(world.app, console)
    [listed] = [line for line in console.export_text().splitlines() if WEST in line]
    assert "DEAD since" in listed
    assert "93000" in listed

    # Still a target: the next notice is written for the west group too, fails, and tells
    # nobody again (one alert per dead key).
    await notice(wecom_party, world, "明早6点恢复供水")
    await eventually(lambda: containing(api.sent(EAST_KEY), "恢复供水"), what="the second notice")

    async def both_failed() -> bool:
        return len(await failed_to(world, WEST)) == 2

    await until(both_failed, what="the second notice failed in the west")
    assert len([r for r in api.sent(SUPERVISORS_KEY) if "无法向群" in r.content]) == 1
    assert len(fake_telegram.sent(admin.id)) == 1

    # Repaired: the group's robot is added again, and its first callback carries the new key.
    api.valid_keys = {*(api.valid_keys or ()), WEST_NEW_KEY}
    hello = group_robot_text(
        "@物业管家 机器人加回来了",
        msgid="west-hello-1",
        chat_id=WEST,
        webhook_url=f"{api.base_url}/cgi-bin/webhook/send?key={WEST_NEW_KEY}",
        user_id="owner-wu",
    )
    assert await post(world, ROBOT, wecom_party.robot.group_robot(hello)) == 200
    await eventually(
        lambda: containing(api.sent(WEST_NEW_KEY), "紧急停水"), what="the first notice sent again"
    )
    await eventually(
        lambda: containing(api.sent(WEST_NEW_KEY), "恢复供水"), what="the second notice sent again"
    )
    restored = await eventually(lambda: containing(api.sent(SUPERVISORS_KEY), "已恢复"), what="told repaired")
    assert "2 条" in restored.content

    async def healthy() -> bool:
        status, _ = await world.get("/healthz")
        return status == 200

    await until(healthy, what="/healthz healthy again")
    west = await world.chat("wecom", WEST)
    assert west is not None
    assert west.push_failed_at is None
    assert await failed_to(world, WEST) == []
