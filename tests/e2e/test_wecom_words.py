"""WeCom end to end: people reach the robot by @-mentioning it, in words (issue 19).

Cards, rating prompts and notice previews say exactly what to write ("@物业管家 接单 BX-…",
with the ticket's own number), and what people really write works: the words with the
number, the bare verb quoting a card, a card line's number, a card line copied verbatim, and
「确认」 for a preview; an ambiguous one is answered with the choices, a staff message no one
could read with how to write it. /help in the stewards' group describes WeCom, not buttons.
Encrypted callbacks (wechatpy) in, pushes and response_url replies to the fake WeCom out.
"""

from __future__ import annotations

from typing import Any

from storage.tickets.models import Ticket
from tests.e2e.conftest import WeComFactory, WeComWorld
from tests.e2e.test_wecom import AIBOT, containing, post
from tests.e2e.world import (
    OWNERS_KEY,
    STEWARD_WECOM_ID,
    STEWARDS_KEY,
    WECOM_OWNERS,
    WECOM_STEWARDS,
    eventually,
)
from tests.fakes.wecom_api import RecordedRequest, aibot_text

LEAK = "@物业管家 3栋2单元1302厨房水管漏水了，麻烦派人来修"
LIFT = "@物业管家 5栋电梯门关不上，按钮也没反应，麻烦来看看"


async def say(wc: WeComWorld, chat: str, user: str, text: str, **kw: Any) -> str:
    """`user` writes `text` in `chat` to the intelligent robot; returns the response_url
    Steward may answer through (one per message, as WeCom gives)."""
    url = wc.party.api.new_response_url()
    payload = aibot_text(text, chatid=chat, userid=user, response_url=url, **kw)
    assert await post(wc.world, AIBOT, wc.party.aibot.aibot(payload)) == 200
    return url


def answered(wc: WeComWorld, url: str) -> RecordedRequest | None:
    """Steward's answer through one message's response_url."""
    code = url.rsplit("=", 1)[1]
    return next((r for r in wc.party.api.responses() if r.key == code and r.accepted), None)


async def report(wc: WeComWorld, text: str, owner: str) -> tuple[Ticket, RecordedRequest]:
    """An owner reports; the ticket and its card in the stewards' group."""
    before = len(await wc.world.tickets())
    await say(wc, WECOM_OWNERS, owner, text)
    ticket = (await wc.world.wait_for_tickets(before + 1))[-1]
    card = await eventually(
        lambda: containing(wc.party.api.sent(STEWARDS_KEY), f"新工单 {ticket.number}"), what="the card"
    )
    return ticket, card


async def status_of(wc: WeComWorld, number: str, status: str) -> Ticket:
    return await wc.world.wait_for_ticket(lambda t: t.number == number and t.status == status)


async def test_the_card_says_what_to_write_and_the_words_work(wc: WeComWorld) -> None:
    api = wc.party.api
    ticket, card = await report(wc, LEAK, "owner-zhang")
    # Exactly what to write, with the human number: never the internal id.
    assert f"1. @物业管家 接单 {ticket.number}" in card.content
    assert f"2. @物业管家 已解决 {ticket.number}" in card.content
    assert "/t " not in card.content
    assert f" {ticket.id} " not in card.content

    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, f"@物业管家 接单 {ticket.number}")
    await status_of(wc, ticket.number, "in_progress")
    await eventually(lambda: containing(api.sent(OWNERS_KEY), "已由王管家受理"), what="the owner told")

    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, f"@物业管家 已解决 {ticket.number.lower()} 换了阀门")
    await status_of(wc, ticket.number, "resolved")
    prompt = await eventually(lambda: containing(api.sent(OWNERS_KEY), "换了阀门"), what="the rating prompt")
    assert f"@物业管家 满意 {ticket.number}" in prompt.content  # the rating prompt says what to write
    assert "/rate" not in prompt.content

    # The owner rates in words; their only ticket waiting for a rating is the one meant.
    await say(wc, WECOM_OWNERS, "owner-zhang", "@物业管家 满意")
    closed = await status_of(wc, ticket.number, "closed")
    assert closed.rating == "满意"
    await eventually(lambda: containing(api.sent(OWNERS_KEY), "感谢您的评价"), what="the thanks")


async def test_bare_words_quoting_a_card_and_the_choices_when_ambiguous(wc: WeComWorld) -> None:
    first, first_card = await report(wc, LEAK, "owner-zhang")
    second, second_card = await report(wc, LIFT, "owner-li")

    # 「@物业管家 接单」 naming nothing, quoting nothing: two tickets could be meant.
    url = await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, "@物业管家 接单")
    choices = await eventually(lambda: answered(wc, url), what="the choices")
    assert f"@物业管家 接单 {first.number}" in choices.content
    assert f"@物业管家 接单 {second.number}" in choices.content
    assert {t.status for t in await wc.world.tickets()} == {"assigned"}

    # The same words quoting the second card: that one.
    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, "@物业管家 接单", quote=second_card.content)
    await status_of(wc, second.number, "in_progress")
    assert (await status_of(wc, first.number, "assigned")).number == first.number

    # A card line's number quoting the first card: its first line, 接单.
    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, "@物业管家 1", quote=first_card.content)
    await status_of(wc, first.number, "in_progress")

    # 「已解决 换了阀门」 quoting a card: its 已解决 line, with the result.
    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, "@物业管家 已解决 换了阀门", quote=first_card.content)
    resolved = await status_of(wc, first.number, "resolved")
    assert resolved.number == first.number
    await eventually(lambda: containing(wc.party.api.sent(OWNERS_KEY), "换了阀门"), what="the owner told")


async def test_a_card_line_copied_verbatim_works_old_and_new(wc: WeComWorld) -> None:
    first, first_card = await report(wc, LEAK, "owner-zhang")
    second, _ = await report(wc, LIFT, "owner-li")
    [line] = [x for x in first_card.content.splitlines() if x.startswith("1. ")]
    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, f"@物业管家 {line}")
    await status_of(wc, first.number, "in_progress")
    # A line of a card sent before this release, with the internal id and the label after it.
    await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, f"@物业管家 1. 回复 /t accept {second.id} 接单")
    await status_of(wc, second.number, "in_progress")


async def test_stewards_help_describes_wecom_and_unread_words_are_answered(wc: WeComWorld) -> None:
    url = await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, "@物业管家 /help")
    help_text = (await eventually(lambda: answered(wc, url), what="the help")).content
    assert "@物业管家 接单 BX-" in help_text
    assert "@物业管家 已解决 BX-" in help_text
    assert "按「接单」" not in help_text  # no buttons on WeCom

    # A line's number quoting nothing: nobody can tell what it meant, so Steward says how to write.
    url = await say(wc, WECOM_STEWARDS, STEWARD_WECOM_ID, "@物业管家 1")
    unread = (await eventually(lambda: answered(wc, url), what="the answer")).content
    assert "没看懂" in unread
    assert "@物业管家 接单 工单号" in unread


async def test_a_notice_preview_is_confirmed_in_words(wecom_world: WeComFactory) -> None:
    wc = await wecom_world(broadcast_quiet_hours="off")  # sent at once, whatever the hour
    api = wc.party.api
    url = await say(
        wc, WECOM_STEWARDS, "lizhuguan", "@物业管家 /notice 全体 明天上午9点到11点停水检修，请提前储水"
    )
    preview = await eventually(lambda: answered(wc, url), what="the preview")
    assert "@物业管家 确认发送 N" in preview.content
    assert "/bc " not in preview.content
    assert api.sent(OWNERS_KEY) == []

    await say(wc, WECOM_STEWARDS, "lizhuguan", "@物业管家 确认")  # the one preview waiting
    notice = await eventually(lambda: containing(api.sent(OWNERS_KEY), "停水检修"), what="the notice")
    assert notice.accepted

    # Quoting a second preview, 「确认」 is its 「确认发送」 line.
    url = await say(wc, WECOM_STEWARDS, "lizhuguan", "@物业管家 /notice 全体 周五下午清洗水箱")
    second = await eventually(lambda: answered(wc, url), what="the second preview")
    await say(wc, WECOM_STEWARDS, "lizhuguan", "@物业管家 确认", quote=second.content)
    await eventually(lambda: containing(api.sent(OWNERS_KEY), "清洗水箱"), what="the second notice")
