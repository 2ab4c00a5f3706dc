"""What tickets say to owners and staff: true at night, in working days where the target
counts working time, nothing empty after a button, and long text cut visibly (「…」)."""

from __future__ import annotations

from datetime import timedelta

from tests.harness import Harness

OWNERS, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-stewards", "lxy-supervisors"


def at_night(harness: Harness) -> None:
    """Monday 23:00: only the 24-hour plumber is on duty."""
    harness.clock.advance(timedelta(hours=13))


async def test_at_night_an_acknowledgement_says_who_was_told_and_when_a_steward_comes_on(
    harness: Harness,
) -> None:
    at_night(harness)
    await harness.say(OWNERS, "u-a", "3栋楼上半夜装修电钻声太吵了，吵得没法睡")
    [ticket] = await harness.tickets()
    assert ticket.assignee_id is None  # nobody who handles noise is on duty
    ack = harness.sent(OWNERS)[-1].text
    assert "值班管家" not in ack
    assert ack.endswith("现在没有管家值班，已通知主管；管家明天 08:00上班后跟进。")
    assert any(ticket.number in m.text for m in harness.sent(SUPERVISORS))  # as it says


async def test_at_night_an_inquiry_is_not_said_to_be_with_a_steward_on_duty(harness: Harness) -> None:
    at_night(harness)
    await harness.say(OWNERS, "u-a", "请问3栋的地下室储物间怎么申请使用？")
    [ticket] = await harness.tickets()
    assert ticket.kind == "inquiry"
    ack = harness.sent(OWNERS)[-1].text
    assert ack == f"已收到您的咨询（工单 {ticket.number}）。现在没有管家值班，管家明天 08:00上班后答复您。"


async def test_by_day_the_inquiry_goes_to_the_steward_on_duty(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "请问3栋的地下室储物间怎么申请使用？")
    [ticket] = await harness.tickets()
    assert ticket.assignee_id is not None
    assert "已转给值班管家" in harness.sent(OWNERS)[-1].text


async def test_a_working_time_target_is_promised_in_working_days(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "1栋邻居长期在公共走廊堆放杂物，说了也不听")
    [ticket] = await harness.tickets()
    assert ticket.category == "neighbour"
    ack = harness.sent(OWNERS)[-1].text
    assert "管家将在1个工作日内响应。" in ack
    assert "小时" not in ack
    # and at night the working-time promise still holds, so it is kept
    at_night(harness)
    await harness.say(OWNERS, "u-b", "2栋邻居在楼道私自搭建鞋柜，占用公共走廊")
    assert "1个工作日内响应" in harness.sent(OWNERS)[-1].text


async def test_resolved_by_the_button_says_nothing_empty(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋2单元1302厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    card = next(m for m in harness.sent(STEWARDS) if m.outgoing and m.out.buttons)
    await harness.press(STEWARDS, card, f"t:resolve:{ticket.id}", "wang")
    told = harness.sent(OWNERS)[-1].text
    assert told == f"工单 {ticket.number} 已处理完毕\n请您对本次服务进行评价："
    assert harness.sent(STEWARDS)[-1].text == f"🏁 {ticket.number} 已办结（王管家）"
    resolved = [e for e in await harness.events(ticket.id) if e.action == "resolved"]
    assert [e.note for e in resolved] == [None]
    # written out, the note is said
    await harness.say(OWNERS, "u-b", "1栋1单元101卫生间水管漏水")
    second = (await harness.tickets())[-1]
    await harness.say(STEWARDS, "wang", f"/resolve {second.number} 已更换角阀")
    assert harness.sent(OWNERS)[-1].text.startswith(f"工单 {second.number} 已处理完毕：已更换角阀\n")


async def test_long_text_is_cut_with_an_ellipsis_and_never_through_a_number(harness: Harness) -> None:
    long_report = "3栋2单元1302厨房水管漏水了，" + "水一直在流，" * 80 + "联系13800138000"
    phone_at_the_cut = "3栋2单元1302厨房水管漏水了，" + "漏" * 479 + "联系13800138000，尽快"
    await harness.say(OWNERS, "u-a", long_report)
    await harness.say(OWNERS, "u-b", "5栋" + phone_at_the_cut[2:])
    first, second = await harness.tickets()
    assert len(first.summary) == 500
    assert first.summary.endswith("…")
    card = next(m for m in harness.sent(STEWARDS) if first.number in m.text)
    content = next(line for line in card.text.split("\n") if line.startswith("内容："))
    assert content.endswith("…")
    assert second.summary.endswith("联系…")  # the phone number is left out whole, not cut in two
    other_card = next(m for m in harness.sent(STEWARDS) if second.number in m.text)
    assert "1380" not in other_card.text

    await harness.say(STEWARDS, "wang", f"/progress {first.number} " + "已安排师傅，" * 100)
    progress = harness.sent(OWNERS)[-1].text
    assert progress.startswith(f"工单 {first.number} 进度：已安排师傅")
    assert progress.endswith("…")
