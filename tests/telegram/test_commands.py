"""The command menu registered with setMyCommands, per language, as the fake server recorded it."""

from __future__ import annotations

import re

from bot.adapters.telegram import DEFAULT_COMMANDS, CommandSpec
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram.conftest import ChannelFactory

NAMES = ["start", "help", "my", "ticket", "unit", "bind", "notice", "outage", "assign", "transfer"]


async def test_default_menu_in_three_languages(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()

    await channel.set_commands()

    calls = fake.calls_of("setMyCommands")
    assert [c.status for c in calls] == [200, 200, 200]
    assert sorted(str(c.params.get("language_code", "")) for c in calls) == ["", "en", "zh"]
    default, simplified, english = fake.commands_for(""), fake.commands_for("zh"), fake.commands_for("en")
    for menu in (default, simplified, english):
        assert [c["command"] for c in menu] == NAMES
    assert dict((c["command"], c["description"]) for c in default)["ticket"] == "查詢工單"  # Traditional
    assert dict((c["command"], c["description"]) for c in simplified)["ticket"] == "查询工单"  # Simplified
    assert dict((c["command"], c["description"]) for c in english)["ticket"] == "Look up a ticket"
    assert all("scope" not in c.params for c in calls)  # the default scope: every chat


async def test_custom_menu_for_one_chat(fake: FakeTelegramAPI, make_channel: ChannelFactory) -> None:
    channel, _ = await make_channel()
    stewards = fake.add_group("管家群")
    menu = [c for c in DEFAULT_COMMANDS if c.name in ("assign", "transfer")] + [
        CommandSpec("sla", {"zh-hant": "時限報告", "en": "SLA report"})
    ]

    await channel.set_commands(menu, languages={"": "zh-hant", "en": "en"}, chat_id=str(stewards.id))

    scope = {"type": "chat", "chat_id": stewards.id}
    assert [c["command"] for c in fake.commands_for("", scope)] == ["assign", "transfer", "sla"]
    assert fake.commands_for("en", scope)[-1] == {"command": "sla", "description": "SLA report"}
    assert fake.commands_for("") == []  # the default scope was not touched


def test_every_default_command_is_valid_for_telegram() -> None:
    for command in DEFAULT_COMMANDS:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name)
        for locale in ("zh-hant", "zh-hans", "en"):
            assert 1 <= len(command.description(locale)) <= 256
