"""Photos belong to tickets (issue 21, item 2): an owner's photo right after their report or
in reply to Steward's acknowledgement is that ticket's; a photo whose caption describes a
problem opens a ticket with it; one with no caption and no recent ticket is left alone.
Stewards keep before/after photos (a photo replying to the card, /resolve with a photo).
/ticket and the cards say that photos exist; /photos forwards them by file id."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.events import Photo
from storage.messages.models import MessageLog
from storage.tickets.models import TicketMedia
from tests.harness import Harness

OWNERS = "lxy-owners-1"
STEWARDS = "lxy-stewards"
REPORT = "3栋2单元1302厨房水管漏水了，麻烦派人来修"


def photo(n: int) -> tuple[Photo, ...]:
    return (Photo(f"AgAC-file-{n}", f"AQAD-unique-{n}"),)


async def media(harness: Harness) -> list[TicketMedia]:
    async with harness.app.sessions() as session:
        return list((await session.scalars(select(TicketMedia).order_by(TicketMedia.id))).all())


async def test_a_photo_right_after_the_report_belongs_to_its_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT, sender_name="张先生")
    [ticket] = await harness.tickets()
    harness.clock.advance(timedelta(minutes=3))
    said_before = len(harness.sent(OWNERS))
    await harness.say(OWNERS, "u-zhang", "", photos=photo(1))
    [kept] = await media(harness)
    assert (kept.ticket_id, kept.stage, kept.file_id, kept.unique_id) == (
        ticket.id,
        "report",
        "AgAC-file-1",
        "AQAD-unique-1",
    )
    assert kept.actor.startswith("member:")
    assert len(await harness.tickets()) == 1  # no new ticket
    assert len(harness.sent(OWNERS)) == said_before  # the owner's group hears nothing
    assert any(f"📷 {ticket.number} 业主补充了 1 张照片" in m.text for m in harness.sent(STEWARDS))
    # the same picture again is not kept twice
    await harness.say(OWNERS, "u-zhang", "", photos=photo(1))
    assert len(await media(harness)) == 1
    # the message log links the photo to the ticket
    async with harness.app.sessions() as session:
        logged = (await session.scalars(select(MessageLog).where(MessageLog.kind == "photo"))).all()
    assert [m.ticket_id for m in logged] == [ticket.id, ticket.id]


async def test_a_photo_without_caption_and_no_recent_report_is_left_alone(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "", photos=photo(1))
    assert await harness.tickets() == []
    assert await media(harness) == []
    assert harness.sent(OWNERS) == []
    assert harness.sent(STEWARDS) == []


async def test_a_photo_after_the_window_or_from_someone_else_is_not_the_tickets(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT, sender_name="张先生")
    await harness.say(OWNERS, "u-li", "", photos=photo(1))  # another owner's photo
    harness.clock.advance(timedelta(minutes=11))  # past the 10-minute window
    await harness.say(OWNERS, "u-zhang", "", photos=photo(2))
    assert await media(harness) == []
    assert len(await harness.tickets()) == 1


async def test_a_photo_replying_to_the_acknowledgement_belongs_to_the_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT, sender_name="张先生")
    [ticket] = await harness.tickets()
    ack = harness.sent(OWNERS)[-1]
    assert ticket.number in ack.text
    harness.clock.advance(timedelta(hours=2))  # long after the window: the reply says which
    await harness.say(OWNERS, "u-zhang", "", photos=photo(7), reply_to=ack.message_id)
    [kept] = await media(harness)
    assert (kept.ticket_id, kept.stage) == (ticket.id, "report")
    # someone else replying to it with a photo does not add to a ticket that is not theirs
    await harness.say(OWNERS, "u-li", "", photos=photo(8), reply_to=ack.message_id)
    assert len(await media(harness)) == 1


async def test_a_photo_whose_caption_describes_a_problem_opens_a_ticket_with_it(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "2栋楼道的灯坏了，晚上很黑", photos=photo(3))
    [ticket] = await harness.tickets()
    assert ticket.kind == "repair"
    [kept] = await media(harness)
    assert (kept.ticket_id, kept.stage, kept.caption) == (ticket.id, "report", "2栋楼道的灯坏了，晚上很黑")
    assert ticket.number in harness.sent(OWNERS)[-1].text  # acknowledged as any report


async def test_stewards_keep_before_and_after_photos_and_staff_see_and_get_them(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT, sender_name="张先生")
    [ticket] = await harness.tickets()
    await harness.say(OWNERS, "u-zhang", "", photos=photo(1))
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    card = next(m for m in harness.sent(STEWARDS) if ticket.number in m.text and m.outgoing and m.out.buttons)
    # a photo replying to the card (no caption): the before photo
    await harness.say(STEWARDS, "wang", "", photos=photo(2), reply_to=card.message_id)
    # /resolve with a photo (its caption): the after photo
    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 已更换角阀", photos=photo(3))
    [ticket] = await harness.tickets()
    assert ticket.status == "resolved"
    assert [(m.stage, m.file_id) for m in await media(harness)] == [
        ("report", "AgAC-file-1"),
        ("before", "AgAC-file-2"),
        ("after", "AgAC-file-3"),
    ]
    assert any("王管家上传了 1 张维修后照片" in m.text for m in harness.sent(STEWARDS))

    await harness.say(STEWARDS, "wang", f"/ticket {ticket.number}")
    shown = harness.sent(STEWARDS)[-1].text
    assert "📷 照片 3 张（报修时 1、维修前 1、维修后 1）" in shown

    await harness.say(STEWARDS, "wang", f"/photos {ticket.number}")
    forwarded = [m for m in harness.sent(STEWARDS) if m.outgoing and m.out.photo]
    assert [m.out.photo for m in forwarded] == ["AgAC-file-1", "AgAC-file-2", "AgAC-file-3"]
    assert f"📷 {ticket.number} 照片 3/3（维修后）" in forwarded[-1].text


async def test_photos_of_a_ticket_without_any_say_so(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", REPORT, sender_name="张先生")
    [ticket] = await harness.tickets()
    await harness.say(STEWARDS, "wang", f"/photos {ticket.number}")
    assert harness.sent(STEWARDS)[-1].text == f"工单 {ticket.number} 暂无照片。"
    await harness.say(OWNERS, "u-zhang", f"/photos {ticket.number}")  # owners may not
    assert not any(m.outgoing and m.out.photo for m in harness.sent(OWNERS))
