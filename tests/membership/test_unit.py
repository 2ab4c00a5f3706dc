"""/unit: Hong Kong forms are accepted, and a unit typed in a group does not stay there."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from storage.directory.models import Member
from tests.harness import Harness

OWNERS, HK_OWNERS = "lxy-owners-1", "hbhy-owners"


async def unit_of(harness: Harness, user: str) -> str | None:
    async with harness.app.sessions() as session:
        member = await session.scalar(select(Member).where(Member.platform_user_id == user))
        return member.unit if member is not None else None


async def test_the_unit_the_hong_kong_help_suggests_is_accepted(harness: Harness) -> None:
    await harness.say(HK_OWNERS, "u-chan", "/help")
    assert "/unit A-16-B" in harness.sent(HK_OWNERS)[-1].text
    for user, written in (("u-a", "A-16-B"), ("u-b", "B座16樓C室"), ("u-c", "16/F Flat D, Block C")):
        await harness.say(HK_OWNERS, user, f"/unit {written}")
        reply = harness.sent(HK_OWNERS)[-1].text
        assert reply.startswith("已登記"), (written, reply)
        assert "16" not in reply
    assert [await unit_of(harness, u) for u in ("u-a", "u-b", "u-c")] == ["A-16B", "B-16C", "C-16D"]
    await harness.say(HK_OWNERS, "u-d", "/unit hello")
    assert "/unit A-16-B" in harness.sent(HK_OWNERS)[-1].text  # the usage a Hong Kong owner can follow


async def test_a_unit_typed_in_a_group_is_deleted_where_the_bot_may(harness: Harness) -> None:
    typed = await harness.say(OWNERS, "u-x", "/unit 3-2-1302")
    assert harness.channel.is_deleted(OWNERS, typed.message_id)
    reply = harness.sent(OWNERS)[-1]
    assert reply.text == "已登记房号 3栋****（仅物业可见）。"
    assert reply.out.reply_to is None  # it would quote the deleted message
    assert await unit_of(harness, "u-x") == "3-2-1302"
    # A refusal deletes the number too.
    typed = await harness.say(OWNERS, "u-y", "/unit 9-1-101")
    assert harness.channel.is_deleted(OWNERS, typed.message_id)
    assert "没有 9 栋" in harness.sent(OWNERS)[-1].text


async def test_where_the_bot_may_not_delete_the_owner_is_asked_to(harness: Harness) -> None:
    harness.channel.cannot_delete.add(OWNERS)
    typed = await harness.say(OWNERS, "u-x", "/unit 3-2-1302")
    assert not harness.channel.is_deleted(OWNERS, typed.message_id)
    said = [m.text for m in harness.sent(OWNERS)[-2:]]
    assert any("请您自行撤回" in text for text in said), said
    assert await unit_of(harness, "u-x") == "3-2-1302"
    assert all("1302" not in text for text in said)


async def test_without_deletion_the_answer_goes_privately(harness: Harness) -> None:
    platforms = dict(harness.app.services.platforms)  # like WeCom: no message can be deleted
    platforms["local"] = replace(platforms["local"], delete_messages=False)
    harness.app.services.platforms = platforms
    typed = await harness.say(OWNERS, "u-x", "/unit 3-2-1302")
    assert not harness.channel.is_deleted(OWNERS, typed.message_id)
    assert harness.channel.sent_to("u-x")[-1].text == "已登记房号 3栋****（仅物业可见）。"
    group = harness.sent(OWNERS)[-1].text
    assert "请在与我的私聊中发送 /unit 登记" in group
    assert "已私信告知" in group
    assert "1302" not in group
    # In the private chat it is simply answered there.
    await harness.say("u-x", "u-x", "/unit 2-1-101", private=True)
    assert harness.channel.sent_to("u-x")[-1].text == "您已登记过房号 3栋****。如需更改请联系物业。"
