"""WeCom cannot show which message a bot's line answers, so a group acknowledgement
@-mentions the owner it answers (Telegram replies to the owner's message instead)."""

from __future__ import annotations

import aiohttp

from tests.e2e.conftest import WeComWorld
from tests.e2e.world import OWNERS_KEY, WECOM_OWNERS, World, eventually
from tests.fakes.wecom_api import RecordedRequest, SignedCallback, group_robot_text

ROBOT = "/wecom/robot/callback"


async def post(world: World, callback: SignedCallback) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.base_url + ROBOT, params=callback.params, data=callback.body) as response,
    ):
        return response.status


def containing(requests: list[RecordedRequest], needle: str) -> RecordedRequest | None:
    return next((r for r in requests if needle in r.content), None)


async def test_group_acknowledgements_mention_the_owner_they_answer(wc: WeComWorld) -> None:
    api, world, robot = wc.party.api, wc.world, wc.party.robot
    webhook = f"{api.base_url}/cgi-bin/webhook/send?key={OWNERS_KEY}"
    for n, (user, text) in enumerate(
        (
            ("owner-li", "@物业管家 3栋2单元1302厨房水管漏水了，麻烦派人来修"),
            ("owner-wu", "@物业管家 1栋门禁坏了，刷卡没反应"),
        )
    ):
        report = group_robot_text(
            text, msgid=f"msg-{n}", chat_id=WECOM_OWNERS, webhook_url=webhook, user_id=user
        )
        assert await post(world, robot.group_robot(report)) == 200
    first, second = await world.wait_for_tickets(2)
    acks = [
        await eventually(lambda t=t: containing(api.sent(OWNERS_KEY), t.number), what="the ack")  # type: ignore[misc]
        for t in (first, second)
    ]
    assert [a.body["msgtype"] for a in acks] == ["markdown", "markdown"]
    assert "<@owner-li>" in acks[0].content
    assert "<@owner-wu>" not in acks[0].content
    assert "<@owner-wu>" in acks[1].content
    assert "<@owner-li>" not in acks[1].content
