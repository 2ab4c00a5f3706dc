"""Arrival and photos end to end over WeCom (issue 21, items 2 and 3): the card says to write
「@物业管家 已到场 BX-…」 and the words record the arrival (the owner and every other reporter
of the urgent incident hear it); an owner's image right after their report (the intelligent
robot's `image.url`) is kept as the ticket's photo, and /photos says where it is. Encrypted callbacks in, pushes out."""

from __future__ import annotations

from sqlalchemy import select

from storage.tickets.models import TicketMedia
from tests.e2e.conftest import WeComWorld
from tests.e2e.test_wecom import AIBOT, containing, post
from tests.e2e.test_wecom_words import report, say
from tests.e2e.world import (
    OWNERS_KEY,
    STEWARD_WECOM_ID,
    STEWARDS_KEY,
    WECOM_OWNERS,
    WECOM_STEWARDS,
    eventually,
    until,
)
from tests.fakes.wecom_api import aibot_image

URGENT = "@物业管家 3栋电梯困人了，有人被困在里面，快来人"
PICTURE = "https://wework.qpic.cn/wwpic/3-lift.jpg"


async def test_arrival_in_words_and_an_owners_image(wc: WeComWorld) -> None:
    api, world = wc.party.api, wc.world
    ticket, card = await report(wc, URGENT, "owner-zhang")
    assert ticket.priority == "urgent"
    assert f"@物业管家 已到场 {ticket.number}" in card.content  # the card says what to write

    url = api.new_response_url()
    image = aibot_image(PICTURE, chatid=WECOM_OWNERS, userid="owner-zhang", response_url=url)
    assert await post(world, AIBOT, wc.party.aibot.aibot(image)) == 200

    async def kept() -> list[TicketMedia] | None:
        async with world.app.sessions() as session:
            rows = list((await session.scalars(select(TicketMedia))).all())
        return rows or None

    [photo] = await until(kept, what="the owner's image kept")
    assert (photo.ticket_id, photo.stage, photo.platform, photo.url) == (
        ticket.id,
        "report",
        "wecom",
        PICTURE,
    )

    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, f"@物业管家 已到场 {ticket.number}")
    arrived = await world.wait_for_ticket(lambda t: t.number == ticket.number and t.arrived_at is not None)
    assert arrived.status == "in_progress"  # taken on by arriving
    await eventually(lambda: containing(api.sent(OWNERS_KEY), "已到达现场"), what="the owner told")

    # WeCom's robots cannot re-send a picture by id: /photos says where each one is
    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, f"@物业管家 /photos {ticket.number}")
    line = await eventually(lambda: containing(api.sent(STEWARDS_KEY), PICTURE), what="the photo's address")
    assert f"{ticket.number} 照片 1/1（报修时）" in line.content
