"""Staff commands that used to act too easily or answer wrongly: /cancel needs a reason, /assign
confirms to the supervisor, a transferred ticket can be taken on by its new steward."""

from __future__ import annotations

from tests.harness import Harness
from tests.tickets.test_flow import OWNERS, STEWARDS, SUPERVISORS, report


async def test_cancel_without_a_reason_is_refused_and_the_owner_hears_nothing(harness: Harness) -> None:
    ticket = await report(harness)
    told = len(harness.sent(OWNERS))
    await harness.say(SUPERVISORS, "li", f"/cancel {ticket.number}")
    assert harness.sent(SUPERVISORS)[-1].text == "用法：/cancel 工单号 原因（原因会告知业主）"
    assert (await harness.tickets())[0].status == "assigned"
    assert len(harness.sent(OWNERS)) == told
    await harness.say(SUPERVISORS, "li", f"/cancel {ticket.number}    ")
    assert (await harness.tickets())[0].status == "assigned"

    await harness.say(SUPERVISORS, "li", f"/cancel {ticket.number} 业主已自行修好")
    assert (await harness.tickets())[0].status == "cancelled"
    assert harness.sent(SUPERVISORS)[-1].text == f"已取消工单 {ticket.number}，已通知业主和管家群。"
    owner_line = harness.sent(OWNERS)[-1].text
    assert "业主已自行修好" in owner_line
    assert "：-" not in owner_line


async def test_assign_confirms_to_the_supervisor(harness: Harness) -> None:
    ticket = await report(harness)
    before = len(harness.sent(SUPERVISORS))
    await harness.say(SUPERVISORS, "li", f"/assign {ticket.number} 刘管家")
    assert len(harness.sent(SUPERVISORS)) == before + 1
    assert harness.sent(SUPERVISORS)[-1].text == f"已将工单 {ticket.number} 派给刘管家，已通知管家群。"
    assert "刘管家" in harness.sent(STEWARDS)[-1].text


async def test_the_new_steward_can_accept_a_transferred_ticket(harness: Harness) -> None:
    ticket = await report(harness)
    await harness.say(STEWARDS, "wang", f"/accept {ticket.number}")
    assert (await harness.tickets())[0].status == "in_progress"
    await harness.say(STEWARDS, "wang", f"/transfer {ticket.number} 刘管家")
    assert "刘管家" in harness.sent(STEWARDS)[-1].text

    await harness.say(STEWARDS, "liu", f"/accept {ticket.number}")
    reply = harness.sent(STEWARDS)[-1].text
    assert "不能改为" not in reply
    assert "刘管家" in reply
    [ticket] = await harness.tickets()
    assert ticket.status == "in_progress"
    actions = [e.action for e in await harness.events(ticket.id)]
    assert actions[-2:] == ["transferred", "accepted"]

    # Taken on once is enough; anyone else is told who has it.
    await harness.say(STEWARDS, "liu", f"/accept {ticket.number}")
    assert harness.sent(STEWARDS)[-1].text == f"工单 {ticket.number} 已由刘管家接单，正在处理中。"
    await harness.say(STEWARDS, "zhao", f"/accept {ticket.number}")
    assert "由刘管家负责" in harness.sent(STEWARDS)[-1].text
    assert [e.action for e in await harness.events(ticket.id)].count("accepted") == 2
