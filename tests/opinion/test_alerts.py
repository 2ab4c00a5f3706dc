"""Alerts on the local channel, on SQLite and PostgreSQL: tiers, targets, masking, folding,
and the staff verdicts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from handlers.opinion import export_feedback
from tests.harness import alert_to_presser
from tests.opinion.conftest import (
    MANAGEMENT,
    OWNERS,
    OWNERS_2,
    STEWARDS,
    SUPERVISORS,
    TG_SUPERVISORS,
    OpinionHarness,
)

COLLECTIVE = "物业太差劲了，电梯天天坏，我们要拉横幅维权"  # risk 2: collective action
ANGRY = (  # risk 3: collective and external at once
    "2栋2单元1302的电梯一个星期坏三次，物业到底管不管？大家联名投诉，再不修就打12345找媒体曝光！"
    "有事打我电话13812345678"
)
REPEAT = "电梯又坏了，太离谱了"  # risk 1, same topic (elevator)


def buttons(message: object) -> set[str]:
    outgoing = getattr(message, "outgoing", None)
    assert outgoing is not None
    return {b.data for row in outgoing.buttons for b in row}


async def test_a_risk_2_message_alerts_the_supervisors_at_once(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE, sender_name="张先生")
    [alert] = await oh.alerts()
    assert (alert.kind, alert.tier, alert.state, alert.topic) == ("message", 2, "open", "elevator")
    assert "risk.collective:拉横幅" in alert.rules
    [card] = oh.cards(SUPERVISORS)
    assert card.outgoing is not None
    assert f"#{alert.id}" in card.text
    assert "二级" in card.text
    assert "绿溪园" in card.text
    assert "绿溪园1-3栋业主群" in card.text
    assert "张**" in card.text
    assert "张先生" not in card.text
    assert "集体行动：拉横幅、维权" in card.text  # the rules that fired, for a person
    assert "业主未结工单" in card.text
    assert buttons(card) == {f"op:done:{alert.id}", f"op:false:{alert.id}"}
    assert [b.label for row in card.outgoing.buttons for b in row] == ["已跟进", "误报"]
    assert [m.name for m in card.outgoing.mentions] == ["李主管"]
    assert oh.cards(STEWARDS) == []  # the stewards' group gets the ticket card, not the alert


async def test_a_risk_1_message_alone_raises_nothing(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", REPEAT)
    await oh.say(OWNERS, "u-li", "今天天气不错")
    assert await oh.alerts() == []
    assert oh.cards(SUPERVISORS) == []


async def test_a_risk_3_message_mentions_the_managers_and_masks_the_owner(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", ANGRY, sender_name="冯先生")
    [alert] = await oh.alerts()
    assert alert.tier == 3
    [card] = oh.cards(SUPERVISORS)
    assert card.outgoing is not None
    assert "三级" in card.text
    assert "统一对外口径" in card.text
    assert [m.name for m in card.outgoing.mentions] == ["李主管", "陈经理"]  # no management chat
    assert card.outgoing.urgent
    assert "13812345678" not in card.text
    assert "138****5678" in card.text
    assert "1302" not in card.text
    assert "冯先生" not in card.text
    assert "冯**" in card.text
    assert "媒体或诉讼：媒体、曝光；外部渠道：12345" in card.text


@pytest.mark.parametrize("management", [True])
@pytest.mark.parametrize(
    "threat",
    [
        "物业再不修我就找报社记者曝光",  # the two messages, tier 2 before
        "我已经请了律师，准备去法院起诉你们",
        "漏水搞咗三個月都冇人理，再唔整我就搵傳媒嚟影",
        "你們再拖下去，我就委託律師走法律途徑",
    ],
)
async def test_a_media_or_legal_threat_alone_is_tier_3_and_reaches_management(
    oh: OpinionHarness, threat: str
) -> None:
    await oh.say(OWNERS, "u-feng", threat)
    [alert] = await oh.alerts()
    assert alert.tier == 3
    assert len(oh.cards(SUPERVISORS)) == 1
    [to_management] = oh.cards(MANAGEMENT)
    assert "三级" in to_management.text
    assert "媒体或诉讼：" in to_management.text
    assert to_management.outgoing is not None
    assert [m.name for m in to_management.outgoing.mentions] == ["陈经理"]


@pytest.mark.parametrize("management", [True])
@pytest.mark.parametrize(
    "threat", ["电梯坏了一个星期，再不修我就打12345投诉", "电梯坏了一个星期，再这样我就去找区议员反映"]
)
async def test_a_hotline_or_councillor_threat_stays_tier_2(oh: OpinionHarness, threat: str) -> None:
    await oh.say(OWNERS, "u-feng", threat)
    [alert] = await oh.alerts()
    assert alert.tier == 2
    assert oh.cards(MANAGEMENT) == []
    assert len(oh.cards(SUPERVISORS)) == 1


async def test_a_court_document_received_is_no_threat(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", "今天收到法院文件，管理处帮我签收了吗")
    assert await oh.alerts() == []


@pytest.mark.parametrize("management", [True])
async def test_a_risk_3_message_goes_to_the_management_chat_too(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", ANGRY)
    [to_supervisors] = oh.cards(SUPERVISORS)
    [to_management] = oh.cards(MANAGEMENT)
    assert to_supervisors.outgoing is not None
    assert to_management.outgoing is not None
    assert [m.name for m in to_supervisors.outgoing.mentions] == ["李主管"]
    assert [m.name for m in to_management.outgoing.mentions] == ["陈经理"]
    assert to_management.text == to_supervisors.text
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)  # tier 2 folds into the tier-3 alert: no new card
    assert oh.cards(MANAGEMENT) == [to_management]


async def test_an_alert_lists_the_owners_open_tickets_and_their_sla_breaches(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", "1栋门禁刷不开了，麻烦来修")
    [ticket] = await oh.tickets()
    oh.clock.advance(timedelta(hours=3))  # the 30-minute response deadline has passed
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [card] = oh.cards(SUPERVISORS)
    assert ticket.number in card.text
    assert "已超时：响应" in card.text


@pytest.mark.parametrize("settings", [{"opinion_spike_min_count": 50}])  # five in an hour: no spike
async def test_repeats_are_folded_into_the_first_alert(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [card] = oh.cards(SUPERVISORS)
    for n, (chat, user) in enumerate(
        [(OWNERS, "u-a"), (OWNERS_2, "u-b"), (OWNERS, "u-c"), (OWNERS, "u-d")], start=1
    ):
        oh.clock.advance(timedelta(minutes=5))
        await oh.say(chat, user, REPEAT, sender_name=f"业主{n}")
    [alert] = await oh.alerts()
    assert alert.folded == 4
    assert await oh.links(alert.id) == 5
    assert oh.cards(SUPERVISORS) == [card]  # never re-sent
    notes = [m for m in oh.sent(SUPERVISORS) if m is not card]
    # 「又有 N 条相关消息」 at the milestones 1 and 3, replying to the card.
    assert [m.text.splitlines()[0] for m in notes] == [
        f"🔁 预警 #{alert.id}（电梯）又有 1 条相关消息",
        f"🔁 预警 #{alert.id}（电梯）又有 3 条相关消息",
    ]
    assert all(m.outgoing is not None and m.outgoing.reply_to == card.message_id for m in notes)
    assert "业主3" not in notes[1].text
    assert "业*" in notes[1].text


async def test_the_same_owner_folds_on_the_same_matter_only(oh: OpinionHarness) -> None:
    """Folding is about one matter: the same owner going on about it (「物业到底管不管」 names
    nothing else) folds; the same owner on another matter (the rubbish, after the lift) is
    not swallowed by the lift's alert."""
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    await oh.say(OWNERS, "u-zhang", "物业到底管不管？太差劲了")
    [alert] = await oh.alerts()
    assert alert.folded == 1
    await oh.say(OWNERS, "u-zhang", "垃圾好几天没人收，臭死了")  # the same owner, another matter
    await oh.say(OWNERS, "u-other", "垃圾好几天没人收，臭死了")  # another owner, another topic
    [alert] = await oh.alerts()
    assert alert.folded == 1
    assert await oh.links(alert.id) == 2


async def test_after_the_cooldown_the_same_matter_alerts_again(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    oh.clock.advance(timedelta(minutes=119))
    await oh.say(OWNERS, "u-li", "电梯又坏了，我要打12345投诉")
    assert len(await oh.alerts()) == 1
    oh.clock.advance(timedelta(minutes=2))  # 121 minutes after the first alert
    await oh.say(OWNERS, "u-wu", "电梯又坏了，我要打12345投诉")
    assert [a.kind for a in await oh.alerts()] == ["message", "message"]
    assert len(oh.cards(SUPERVISORS)) == 2


async def test_a_higher_tier_is_not_folded_into_a_lower_one(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    await oh.say(OWNERS, "u-feng", ANGRY)
    assert [a.tier for a in await oh.alerts()] == [2, 3]
    assert len(oh.cards(SUPERVISORS)) == 2


async def test_only_staff_may_answer_an_alert(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [card] = oh.cards(SUPERVISORS)
    [alert] = await oh.alerts()
    posted = len(oh.sent(SUPERVISORS))
    await oh.press(SUPERVISORS, card, f"op:done:{alert.id}", "u-zhang")  # an owner in the chat
    assert alert_to_presser(oh.channel, SUPERVISORS) == "抱歉，该操作仅限物业工作人员。"
    assert len(oh.sent(SUPERVISORS)) == posted  # to the presser alone
    assert (await oh.alerts())[0].state == "open"
    assert await oh.feedback() == []


async def test_followed_and_false_positive_are_recorded_and_exportable(oh: OpinionHarness) -> None:
    incoming = await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [card] = oh.cards(SUPERVISORS)
    [alert] = await oh.alerts()
    await oh.press(SUPERVISORS, card, f"op:false:{alert.id}", "li")
    assert oh.sent(SUPERVISORS)[-1].text == f"✅ 预警 #{alert.id} 已标记为「误报」（李主管）"
    [stored] = await oh.alerts()
    assert (stored.state, stored.handled_by) == ("false_positive", "李主管")
    [feedback] = await oh.feedback()
    assert feedback.verdict == "false_positive"
    assert feedback.message_log_id == alert.message_log_id is not None
    assert "risk.collective:拉横幅" in feedback.rules
    assert feedback.actor.startswith("steward:")

    await oh.press(SUPERVISORS, card, f"op:false:{alert.id}", "li")  # pressed twice: no second row
    assert "已由 李主管 标记为「误报」" in oh.sent(SUPERVISORS)[-1].text
    assert len(await oh.feedback()) == 1

    async with oh.app.runtime.reading() as uow:
        rows = list(csv.DictReader(io.StringIO(await export_feedback(uow))))
    assert [r["verdict"] for r in rows] == ["false_positive"]
    assert "risk.collective:拉横幅" in rows[0]["rules"].split()
    assert rows[0]["message_log_id"] == str(alert.message_log_id)
    assert rows[0]["text_masked"].startswith("物业太差劲了")
    assert incoming.message_id  # the alert came from that message


async def test_a_false_positive_does_not_swallow_a_new_serious_message(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [card] = oh.cards(SUPERVISORS)
    [alert] = await oh.alerts()
    await oh.press(SUPERVISORS, card, f"op:false:{alert.id}", "li")
    await oh.say(OWNERS, "u-li", "电梯又坏了，我要打12345投诉")
    assert [a.state for a in await oh.alerts()] == ["false_positive", "open"]


async def test_staff_and_old_messages_raise_no_alert(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "wang", COLLECTIVE)  # 王管家 quoting an owner in the owner group
    await oh.say(STEWARDS, "liu", COLLECTIVE)  # and in the stewards' group
    assert await oh.alerts() == []


@pytest.mark.parametrize("settings", [{"opinion_spike_min_count": 50}])
@pytest.mark.parametrize("telegram", [True])
async def test_on_telegram_the_card_is_edited_in_place(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [alert] = await oh.alerts()
    [card] = oh.telegram.sent_to(TG_SUPERVISORS)
    assert card.outgoing is not None
    assert [m.user_id for m in card.outgoing.mentions] == ["3001"]

    await oh.say(OWNERS, "u-a", REPEAT)  # folded: a note replying to the card, and the card edited
    note, edit = oh.telegram.sent_to(TG_SUPERVISORS)[1:]
    assert note.outgoing is not None
    assert edit.outgoing is not None
    assert note.outgoing.reply_to == card.message_id
    assert edit.outgoing.edit_of == card.message_id
    assert edit.text == card.text + "\n🔁 此后又有 1 条相关消息"
    assert edit.outgoing.buttons == card.outgoing.buttons
    [local_note] = [m for m in oh.sent(SUPERVISORS) if m.outgoing and not m.outgoing.buttons]
    assert local_note.outgoing is not None
    assert local_note.outgoing.edit_of is None  # the local channel gets the note only

    await oh.telegram.press(TG_SUPERVISORS, card.message_id, f"op:done:{alert.id}", "3001", "Li")
    await oh.app.sender.drain()
    pressed = oh.telegram.sent_to(TG_SUPERVISORS)[-1]
    assert pressed.outgoing is not None
    assert pressed.outgoing.edit_of == card.message_id
    assert pressed.outgoing.answer is not None
    assert pressed.outgoing.answer.text == f"✅ 预警 #{alert.id} 已标记为「已跟进」（李主管）"
    assert pressed.text == card.text + "\n🔁 此后又有 1 条相关消息\n✅ 已跟进：李主管"
    assert (await oh.alerts())[0].state == "followed"
