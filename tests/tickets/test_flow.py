"""The closed loop from chat: report → ack → card → accept → note → resolve → rating."""

from __future__ import annotations

from storage.tickets.models import Ticket
from tests.harness import Harness

OWNERS = "lxy-owners-1"
STEWARDS = "lxy-stewards"
SUPERVISORS = "lxy-supervisors"


async def report(
    harness: Harness, text: str = "3栋2单元1302厨房水管漏水了，麻烦派人来修", user: str = "u-zhang"
) -> Ticket:
    await harness.say(OWNERS, user, text, sender_name="张先生")
    return (await harness.tickets())[-1]


def button(harness: Harness, chat: str, prefix: str) -> tuple[str, str]:
    for message in reversed(harness.sent(chat)):
        for row in message.out.buttons if message.outgoing else ():
            for b in row:
                if b.data.startswith(prefix):
                    return message.message_id, b.data
    raise AssertionError(f"no {prefix} button in {chat}")


async def press(harness: Harness, chat: str, prefix: str, user: str) -> None:
    message_id, data = button(harness, chat, prefix)
    await harness.channel.press(chat, message_id, data, user)
    await harness.app.sender.drain()


async def test_full_loop_with_buttons_and_a_reply_note(harness: Harness) -> None:
    ticket = await report(harness)
    assert ticket.status == "assigned"
    await press(harness, STEWARDS, "t:accept:", "wang")
    [ticket] = await harness.tickets()
    assert ticket.status == "in_progress"
    assert ticket.first_response_at is not None
    assert "已由王管家受理" in harness.sent(OWNERS)[-1].text

    card = next(m for m in harness.sent(STEWARDS) if ticket.number in m.text and m.outgoing and m.out.buttons)
    await harness.say(STEWARDS, "wang", "师傅已到现场，正在更换阀门", reply_to=card.message_id)
    assert "进度：师傅已到现场" in harness.sent(OWNERS)[-1].text
    assert len(await harness.tickets()) == 1  # the note opened no ticket

    await harness.say(STEWARDS, "wang", f"/resolve {ticket.number} 已更换角阀，不再漏水")
    [ticket] = await harness.tickets()
    assert ticket.status == "resolved"
    resolved = harness.sent(OWNERS)[-1]
    assert "已处理完毕" in resolved.text
    assert [b.label for row in resolved.out.buttons for b in row] == [
        "非常满意",
        "满意",
        "一般",
        "不满意",
    ]

    await press(harness, OWNERS, f"rate:{ticket.id}:0", "u-zhang")  # 非常满意
    [ticket] = await harness.tickets()
    assert ticket.status == "closed"
    assert ticket.rating == "非常满意"
    actions = [e.action for e in await harness.events(ticket.id)]
    assert actions == ["opened", "assigned", "accepted", "note", "resolved", "rated", "closed"]


async def test_happy_rating_closes_and_unhappy_reopens_with_a_deadline(harness: Harness) -> None:
    first = await report(harness)
    await harness.say(STEWARDS, "wang", f"/resolve {first.number} 已修好")
    message_id, _ = button(harness, OWNERS, "rate:")
    await harness.channel.press(OWNERS, message_id, f"rate:{first.id}:1", "u-zhang")
    await harness.app.sender.drain()
    [first] = await harness.tickets()
    assert first.status == "closed"
    assert first.rating == "满意"

    second = await report(harness, "2栋门禁坏了刷不开，麻烦来修", "u-li")
    await harness.say(STEWARDS, "wang", f"/resolve {second.number}")
    message_id, _ = button(harness, OWNERS, f"rate:{second.id}:")
    await harness.channel.press(OWNERS, message_id, f"rate:{second.id}:0", "u-zhang")  # not the owner
    await harness.app.sender.drain()
    assert (await harness.tickets())[1].status == "resolved"
    assert "只有提交工单的业主" in harness.channel.toasts(OWNERS)[-1].text
    await harness.channel.press(OWNERS, message_id, f"rate:{second.id}:3", "u-li")
    await harness.app.sender.drain()
    second = (await harness.tickets())[1]
    assert second.status == "reopened"
    assert second.rating == "不满意"
    assert second.resolve_due_at is not None
    assert (second.resolve_due_at - harness.clock.now()).total_seconds() == 2 * 3600
    assert "不满意" in harness.sent(SUPERVISORS)[-1].text
    assert [m.name for m in harness.sent(SUPERVISORS)[-1].out.mentions] == ["李主管"]
    # rating twice is refused
    await harness.channel.press(OWNERS, message_id, f"rate:{second.id}:0", "u-li")
    await harness.app.sender.drain()
    assert (await harness.tickets())[1].status == "reopened"


async def test_my_and_ticket_commands(harness: Harness) -> None:
    ticket = await report(harness)
    await harness.say(OWNERS, "u-zhang", "/my")
    mine = harness.sent(OWNERS)[-1].text
    assert ticket.number in mine
    assert "已派单" in mine
    await harness.say(OWNERS, "u-other", "/my")
    assert harness.sent(OWNERS)[-1].text == "您目前没有工单。"
    await harness.say(OWNERS, "u-other", f"/ticket {ticket.number}")
    not_yours = harness.sent(OWNERS)[-1].text
    none = ticket.number[:-4] + ("9999" if not ticket.number.endswith("9999") else "9998")
    await harness.say(OWNERS, "u-other", f"/ticket {none}")
    # "not yours" and "no such ticket" read alike: /ticket tells nobody which numbers exist
    assert not_yours == harness.sent(OWNERS)[-1].text.replace(none, ticket.number)
    assert ticket.number in not_yours
    assert "受理" not in not_yours
    await harness.say(OWNERS, "u-zhang", f"/ticket {ticket.number}")
    timeline = harness.sent(OWNERS)[-1].text
    assert "受理" in timeline
    assert "派单" in timeline
    assert "1302" not in timeline
    await harness.say(STEWARDS, "wang", "/my")
    assert ticket.number in harness.sent(STEWARDS)[-1].text


async def test_staff_commands_are_refused_to_owners(harness: Harness) -> None:
    ticket = await report(harness)
    for command, needed in (
        (f"/accept {ticket.number}", "物业工作人员"),
        (f"/resolve {ticket.number} ok", "物业工作人员"),
        (f"/cancel {ticket.number} x", "主管及以上人员"),  # the refusal names the role needed
        (f"/assign {ticket.number} 刘管家", "主管及以上人员"),
        (f"/transfer {ticket.number} 刘管家", "物业工作人员"),
    ):
        await harness.say(OWNERS, "u-zhang", command)
        assert harness.sent(OWNERS)[-1].text == f"抱歉，该操作仅限{needed}。", command
    [ticket] = await harness.tickets()
    assert ticket.status == "assigned"


async def test_cancel_is_for_supervisors_only(harness: Harness) -> None:
    ticket = await report(harness)
    await harness.say(STEWARDS, "wang", f"/cancel {ticket.number} 重复报修")
    assert harness.sent(STEWARDS)[-1].text == "抱歉，该操作仅限主管及以上人员。"
    await harness.say(SUPERVISORS, "li", f"/cancel {ticket.number} 重复报修")
    [ticket] = await harness.tickets()
    assert ticket.status == "cancelled"
    assert "已取消" in harness.sent(OWNERS)[-1].text


async def test_assign_and_transfer(harness: Harness) -> None:
    ticket = await report(harness)
    await harness.say(STEWARDS, "wang", f"/transfer {ticket.number} @赵师傅")
    [ticket] = await harness.tickets()
    assert ticket.assignee_id is not None
    msg = harness.sent(STEWARDS)[-1]
    assert "转派给赵师傅" in msg.text
    assert [m.name for m in msg.out.mentions] == ["赵师傅"]
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    assert "该工单由赵师傅负责" in harness.sent(STEWARDS)[-1].text  # no longer his; the refusal names whose
    await harness.say(SUPERVISORS, "li", f"/assign {ticket.number} 王管家")
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    [ticket] = await harness.tickets()
    assert ticket.status == "in_progress"
    await harness.say(SUPERVISORS, "li", f"/assign {ticket.number} 不存在的人")
    assert "找不到管家" in harness.sent(SUPERVISORS)[-1].text


async def test_wrong_arguments_get_usage(harness: Harness) -> None:
    await harness.say(STEWARDS, "wang", "/resolve")
    assert "用法：/resolve" in harness.sent(STEWARDS)[-1].text
    await harness.say(STEWARDS, "wang", "/accept BX-123")
    assert "找不到工单" in harness.sent(STEWARDS)[-1].text
    await harness.say(STEWARDS, "wang", "/accept BX-20991231-9999")
    assert "找不到工单" in harness.sent(STEWARDS)[-1].text
