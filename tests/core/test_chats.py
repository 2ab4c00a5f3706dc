"""A chat that is heard from is active; a read-only listing of chats changes nothing."""

from __future__ import annotations

import pytest

from bot.app.settings import Settings
from bot.cli.chats import list_chats
from bot.core.events import MessageKind
from storage.directory.models import Chat
from tests.harness import EXAMPLE, Harness, text_message

OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"


async def chat(harness: Harness, chat_id: str) -> Chat:
    async with harness.app.runtime.reading() as uow:
        found = await uow.directory.chat_by_platform_id("local", chat_id)
        assert found is not None
        return found


async def deactivate(harness: Harness, chat_id: str) -> None:
    async with harness.app.runtime.transaction() as uow:
        await uow.directory.set_chat_active("local", chat_id, False)


async def test_a_chat_heard_from_is_active_and_gets_its_cards_again(harness: Harness) -> None:
    # A failed send marked the stewards' group inactive (a 403 while the bot was out of it).
    await deactivate(harness, STEWARDS)
    await harness.say(STEWARDS, "wang", "大家早")  # the bot is back: someone writes there
    assert (await chat(harness, STEWARDS)).active
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    assert any(ticket.number in m.text for m in harness.sent(STEWARDS))  # not dropped


async def test_the_bots_removal_does_not_count_as_being_heard(harness: Harness) -> None:
    await harness.deliver(text_message(STEWARDS, "wang", "", "m-gone", MessageKind.BOT_REMOVED))
    assert not (await chat(harness, STEWARDS)).active


async def test_listing_chats_changes_nothing(
    harness: Harness, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await deactivate(harness, STEWARDS)  # bound in the community file, inactive in the database
    assert await list_chats(Settings(database_url=db_url, community_file=EXAMPLE), "local") == 0
    assert "local chats" in capsys.readouterr().out
    assert not (await chat(harness, STEWARDS)).active
    assert (await chat(harness, OWNERS)).active
