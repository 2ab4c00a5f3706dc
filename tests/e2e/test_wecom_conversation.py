"""The conversation on WeCom end to end (encrypted group-robot callbacks through the real app,
pushes to the fake WeCom API): the card's corrections are rendered as commands to reply with,
and 不是工单 sent back cancels the ticket without a word to the owners' group; WeCom's own
emoji ([发怒]) and thanks open nothing and get no answer."""

from __future__ import annotations

from storage.messages.models import MessageLog
from tests.e2e.conftest import WeComWorld
from tests.e2e.test_wecom import ROBOT, containing, owner_robot_url, post
from tests.e2e.world import (
    OWNERS_KEY,
    STEWARD_WECOM_ID,
    STEWARDS_KEY,
    WECOM_OWNERS,
    WECOM_STEWARDS,
    eventually,
    until,
)
from tests.fakes.wecom_api import group_robot_text


async def test_a_correction_is_a_command_on_wecom_and_not_a_ticket_is_quiet(wc: WeComWorld) -> None:
    api, world, robot = wc.party.api, wc.world, wc.party.robot
    report = group_robot_text(
        "@物业管家 3栋2单元1302厨房水管漏水了，麻烦派人来修",
        msgid="msg-owner-1",
        chat_id=WECOM_OWNERS,
        webhook_url=owner_robot_url(wc),
        user_id="owner-li",
    )
    assert await post(world, ROBOT, robot.group_robot(report)) == 200
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: containing(api.sent(OWNERS_KEY), ticket.number), what="the ack pushed")
    card = await eventually(lambda: containing(api.sent(STEWARDS_KEY), ticket.number), what="the card")
    for words in (f"改为投诉 {ticket.number}", f"改为咨询 {ticket.number}", f"不是工单 {ticket.number}"):
        assert f"@物业管家 {words}" in card.content  # 改为投诉 / 改为咨询 / 不是工单, as words to write
    assert "改为报修" not in card.content  # it is a repair already

    for n, text in enumerate(("@物业管家 [发怒]", "@物业管家 谢谢")):
        quiet = group_robot_text(
            text,
            msgid=f"msg-owner-q{n}",
            chat_id=WECOM_OWNERS,
            webhook_url=owner_robot_url(wc),
            user_id="owner-li",
        )
        assert await post(world, ROBOT, robot.group_robot(quiet)) == 200

    async def logged() -> bool:
        return await world.count(MessageLog) >= 3

    await until(logged, what="the quiet messages logged")
    stewards_url = f"{api.base_url}/cgi-bin/webhook/send?key={STEWARDS_KEY}"
    reply = group_robot_text(
        f"@物业管家 /tk none {ticket.id}",
        msgid="msg-steward-1",
        chat_id=WECOM_STEWARDS,
        webhook_url=stewards_url,
        user_id=STEWARD_WECOM_ID,
        name="王管家",
    )
    assert await post(world, ROBOT, robot.group_robot(reply)) == 200
    cancelled = await world.wait_for_ticket(lambda t: t.status == "cancelled")
    assert cancelled.number == ticket.number
    await eventually(lambda: containing(api.sent(STEWARDS_KEY), "标为「不是工单」"), what="staff told")

    async def all_sent() -> bool:
        rows = await world.outbox()
        return bool(rows) and all(r.status == "sent" for r in rows)

    await until(all_sent, what="everything sent")
    [ack] = api.sent(OWNERS_KEY)  # the acknowledgement only: no answer to [发怒] or 谢谢, no cancellation
    assert ticket.number in ack.content
    assert len(await world.tickets()) == 1
