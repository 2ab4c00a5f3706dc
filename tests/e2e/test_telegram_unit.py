"""/unit typed in a Telegram group: the bot deletes the message (deleteMessage) where it is an
admin; elsewhere Telegram refuses, and the owner is asked to withdraw it themselves."""

from __future__ import annotations

from tests.e2e.conftest import TelegramWorld
from tests.e2e.test_telegram import with_text
from tests.e2e.world import eventually


async def test_a_unit_typed_in_a_group_is_deleted_or_the_owner_asked_to(tg: TelegramWorld) -> None:
    fake, party = tg.fake, tg.party
    party.owners.bot_status = "administrator"
    typed = fake.user_says(party.owners, party.owner, "/unit 3-2-1302")
    saved = await eventually(lambda: with_text(fake.sent(party.owners.id), "已登记房号"), what="saved")
    assert saved.text == "已登记房号 3栋****（仅物业可见）。"
    assert fake.is_deleted(party.owners.id, typed["message_id"])
    [call] = fake.calls_of("deleteMessage", chat_id=party.owners.id)
    assert call.ok

    party.owners.bot_status = "member"  # no right to delete others' messages
    other = fake.add_user("李", last_name="太")
    typed = fake.user_says(party.owners, other, "/unit 2-1-101")
    asked = await eventually(lambda: with_text(fake.sent(party.owners.id), "请您自行撤回"), what="asked")
    assert "101" not in (asked.text or "")
    assert not fake.is_deleted(party.owners.id, typed["message_id"])
    await eventually(lambda: with_text(fake.sent(party.owners.id), "2栋****"), what="saved too")
    refused = fake.calls_of("deleteMessage", chat_id=party.owners.id)[-1]
    assert refused.status == 400
