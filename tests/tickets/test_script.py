"""What a Traditional (Hong Kong) community sees is Traditional: rating buttons, the rating in
/ticket, usage lines; the stored rating stays as it is kept (Simplified)."""

from __future__ import annotations

from tests.core.test_script import simplified_only
from tests.harness import Harness
from tests.tickets.test_flow import button

HK_OWNERS, HK_STEWARDS = "hbhy-owners", "hbhy-stewards"


async def test_a_hong_kong_owner_rates_in_traditional(harness: Harness) -> None:
    await harness.say(HK_OWNERS, "u-chan", "A座16樓B室廚房水喉漏水，唔該派人嚟整", sender_name="陳太")
    [ticket] = await harness.tickets()
    await harness.say(HK_STEWARDS, "ho", f"/accept {ticket.number}")
    await harness.say(HK_STEWARDS, "ho", f"/resolve {ticket.number} 已更換水喉")
    request = harness.sent(HK_OWNERS)[-1]
    labels = [b.label for row in request.out.buttons for b in row]
    assert labels == ["非常滿意", "滿意", "一般", "不滿意"]

    message_id, data = button(harness, HK_OWNERS, f"rate:{ticket.id}:3")
    await harness.channel.press(HK_OWNERS, message_id, data, "u-chan")
    await harness.app.sender.drain()
    [ticket] = await harness.tickets()
    assert ticket.rating == "不满意"  # kept as stored
    await harness.say(HK_STEWARDS, "ho", f"/ticket {ticket.number}")
    shown = harness.sent(HK_STEWARDS)[-1].text
    assert "評價：不滿意" in shown
    assert "不满意" not in shown


async def test_usage_lines_follow_the_communitys_script(harness: Harness) -> None:
    for command in ("/accept", "/resolve", "/ticket", "/transfer", "/progress"):
        await harness.say(HK_STEWARDS, "ho", command)
        reply = harness.sent(HK_STEWARDS)[-1].text
        assert reply.startswith(f"用法：{command} 工單號"), reply
    await harness.say("lxy-stewards", "wang", "/accept")
    assert harness.sent("lxy-stewards")[-1].text == "用法：/accept 工单号"


async def test_a_hong_kong_owners_private_chat_is_all_traditional(harness: Harness) -> None:
    await harness.say(HK_OWNERS, "u-chan", "A座16樓B室廚房水喉漏水，唔該派人嚟整", sender_name="陳太")
    [ticket] = await harness.tickets()
    before = len(harness.channel.sent_to("u-chan"))
    for text in ("/start", "/help", "/my", f"/ticket {ticket.number}", "/ticket", "/unit", "/foo", "/accept"):
        await harness.say("u-chan", "u-chan", text, private=True)
    said = [m.text for m in harness.channel.sent_to("u-chan")[before:]]
    assert len(said) >= 8
    mixed = {text: simplified_only(text) for text in said if simplified_only(text)}
    assert mixed == {}


async def test_a_hong_kong_stewards_private_chat_is_all_traditional(harness: Harness) -> None:
    await harness.say(HK_OWNERS, "u-chan", "A座16樓B室廚房水喉漏水，唔該派人嚟整", sender_name="陳太")
    [ticket] = await harness.tickets()
    before = len(harness.channel.sent_to("ho"))
    commands = ("/start", "/help", "/my", f"/ticket {ticket.number}", f"/accept {ticket.number}")
    for text in (*commands, f"/progress {ticket.number} 師傅已到", "/notice list", "/foo", "/accept"):
        await harness.say("ho", "ho", text, private=True)
    said = [m.text for m in harness.channel.sent_to("ho")[before:]]
    assert len(said) >= 7  # accepting and a progress note are told in the stewards' group
    mixed = {text: simplified_only(text) for text in said if simplified_only(text)}
    assert mixed == {}
