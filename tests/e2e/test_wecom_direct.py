"""WeCom end to end: a direct message to the robot (issue 19).

An owner Steward knows (seen in their owners' group) who writes to the intelligent robot
directly gets the owner's flow: a ticket, its card in the stewards' group, and the answer in
the direct chat. An owner Steward does not know yet is told how to be known. What a steward
says to the robot privately, beyond commands, is not stored.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.messages.models import MessageLog
from tests.e2e.conftest import WeComWorld
from tests.e2e.test_wecom import containing
from tests.e2e.test_wecom_words import answered, say
from tests.e2e.world import STEWARD_WECOM_ID, STEWARDS_KEY, WECOM_OWNERS, eventually, until


async def logged_texts(wc: WeComWorld) -> list[str]:
    async with wc.world.app.sessions() as session:
        return list((await session.scalars(select(MessageLog.text))).all())


async def test_an_owner_s_direct_repair_opens_a_ticket_and_is_answered(wc: WeComWorld) -> None:
    await say(wc, WECOM_OWNERS, "owner-zhang", "@物业管家 大家好")  # now Steward knows them

    async def seen() -> bool:
        return "大家好" in await logged_texts(wc)

    await until(seen, what="the group message logged")

    url = await say(wc, "", "owner-zhang", "5栋电梯门关不上，按钮也没反应，麻烦来看看", chattype="single")
    [ticket] = await wc.world.wait_for_tickets(1)
    assert ticket.building == "5"
    ack = await eventually(lambda: answered(wc, url), what="the answer in the direct chat")
    assert ticket.number in ack.content
    await eventually(lambda: containing(wc.party.api.sent(STEWARDS_KEY), ticket.number), what="the card")
    assert "电梯门关不上" in "".join(await logged_texts(wc))  # the owner's own message is kept


async def test_an_unknown_owner_is_told_how_to_be_known(wc: WeComWorld) -> None:
    url = await say(wc, "", "owner-new", "3栋2单元厨房水管漏水了", chattype="single")
    answer = await eventually(lambda: answered(wc, url), what="the answer")
    assert "还不知道您是哪个小区" in answer.content
    assert await wc.world.tickets() == []


async def test_a_steward_s_private_words_are_not_stored(wc: WeComWorld) -> None:
    await say(wc, "", STEWARD_WECOM_ID, "今天累死了，3栋那家又打电话来骂", chattype="single")
    url = await say(wc, "", STEWARD_WECOM_ID, "/my", chattype="single")  # a command still works
    await eventually(lambda: answered(wc, url), what="the answer to /my")
    assert not any("累死了" in text for text in await logged_texts(wc))
