"""Alerts with an owner, and crises (issue 21, item 4): the 48-hour follow-up timer, a ticket
raised by its alert, and a tier-3 crisis record with its spokesperson (统一口径) and a public
reply sent only on a manager's confirmation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app.policies import opinion_policy
from bot.app.settings import ConfigError, Settings
from handlers.opinion.jobs import follow_up_tick
from storage.opinion.models import OpinionCrisis, OpinionCrisisEvent
from tests.opinion.conftest import MANAGEMENT, OWNERS, STEWARDS, SUPERVISORS, OpinionHarness

TIER_2 = "电梯坏了一个星期，再不修我就打12345投诉"
TIER_3 = "3栋电梯坏了三天了，物业再不修我就找报社记者曝光"


async def tick(oh: OpinionHarness) -> int:
    job = oh.app.scheduler.get_job("opinion:follow-up")
    assert job is not None
    queued = await follow_up_tick(*job.args)
    await oh.app.sender.drain()
    return queued


async def crisis_of(oh: OpinionHarness) -> tuple[OpinionCrisis, list[str]]:
    async with oh.app.sessions() as session:
        crisis = await session.scalar(select(OpinionCrisis))
        assert crisis is not None
        events = (
            await session.scalars(
                select(OpinionCrisisEvent.action)
                .where(OpinionCrisisEvent.crisis_id == crisis.id)
                .order_by(OpinionCrisisEvent.id)
            )
        ).all()
        return crisis, list(events)


def test_the_timer_is_configured_in_sla_toml() -> None:
    policy = opinion_policy(Settings(), {"remind_after_hours": 12, "follow_up_hours": 48})
    assert (policy.remind_after, policy.follow_up) == (timedelta(hours=12), timedelta(hours=48))
    assert opinion_policy(Settings()).follow_up == timedelta(hours=48)
    with pytest.raises(ConfigError, match="opinion"):
        opinion_policy(Settings(), {"remind_after_hours": 50, "follow_up_hours": 48})


@pytest.mark.parametrize("management", [True])
async def test_an_unanswered_alert_is_reminded_then_escalated_to_the_manager(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", TIER_2)
    [alert] = await oh.alerts()
    assert alert.tier == 2
    oh.clock.advance(timedelta(hours=23, minutes=59))
    assert await tick(oh) == 0
    oh.clock.advance(timedelta(minutes=1))
    assert await tick(oh) == 1
    reminder = oh.sent(SUPERVISORS)[-1]
    assert f"舆情预警 #{alert.id}" in reminder.text
    assert "24 小时无人跟进" in reminder.text
    assert [m.name for m in reminder.out.mentions] == ["李主管"]
    assert reminder.out.reply_to == oh.cards(SUPERVISORS)[-1].message_id
    assert await tick(oh) == 0  # once
    assert oh.sent(MANAGEMENT) == []
    oh.clock.advance(timedelta(hours=24))
    assert await tick(oh) == 1
    escalation = oh.sent(MANAGEMENT)[-1]
    assert "已上报经理" in escalation.text
    assert [m.name for m in escalation.out.mentions] == ["陈经理"]
    oh.clock.advance(timedelta(hours=24))
    assert await tick(oh) == 0
    [alert] = await oh.alerts()
    assert alert.reminded_at is not None
    assert alert.escalated_at is not None


async def test_whoever_presses_followed_owns_the_alert_and_stops_the_timer(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", TIER_2)
    [alert] = await oh.alerts()
    await oh.press(SUPERVISORS, oh.cards(SUPERVISORS)[-1], f"op:done:{alert.id}", "li")
    [alert] = await oh.alerts()
    assert (alert.state, alert.handled_by) == ("followed", "李主管")
    oh.clock.advance(timedelta(hours=49))
    assert await tick(oh) == 0


async def test_an_alert_raises_the_ticket_it_is_about(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", TIER_3)
    [ticket] = await oh.tickets()
    [alert] = await oh.alerts()
    assert alert.tier == 3
    assert ticket.priority == "urgent"
    assert ticket.respond_due_at is not None
    assert ticket.respond_due_at - ticket.created_at == timedelta(minutes=15)
    events = [(e.action, e.note) for e in await oh.events(ticket.id)]
    assert ("opinion_raised", f"alert={alert.id} tier=3 sla=urgent") in events
    assert f"因舆情预警 #{alert.id}（3级）升级为【紧急】" in oh.sent(STEWARDS)[-1].text


@pytest.mark.parametrize("management", [True])
async def test_a_crisis_has_a_record_a_spokesperson_and_a_confirmed_reply(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", TIER_3)
    [alert] = await oh.alerts()
    card = oh.cards(MANAGEMENT)[-1]
    assert f"cr:speak:{alert.id}" in [b.data for row in card.out.buttons for b in row]
    crisis, events = await crisis_of(oh)
    assert (crisis.alert_id, crisis.reply_state, events) == (alert.id, "none", ["alert"])

    # No draft before someone speaks for the company.
    await oh.say(SUPERVISORS, "li", f"/crisis {alert.id} draft 电梯控制板故障 | 今晚更换")
    assert "请先指定统一口径发言人" in oh.sent(SUPERVISORS)[-1].text
    await oh.press(SUPERVISORS, oh.cards(SUPERVISORS)[-1], f"cr:speak:{alert.id}", "li")
    assert "统一口径发言人：李主管" in oh.sent(SUPERVISORS)[-1].text
    await oh.say(OWNERS, "u-feng", "再不修我就找报社记者曝光，说到做到")  # folds into the crisis
    await oh.press(SUPERVISORS, oh.cards(SUPERVISORS)[-1], f"op:done:{alert.id}", "li")

    before = len(oh.sent(OWNERS))
    await oh.say(
        SUPERVISORS,
        "li",
        f"/crisis {alert.id} draft 3栋电梯控制板故障，厂家已到场 | 今晚22点前更换完毕并恢复运行",
    )
    assert "已提交经理确认" in oh.sent(SUPERVISORS)[-1].text
    draft = oh.sent(MANAGEMENT)[-1]
    assert "厂家已到场" in draft.text
    assert "统一对外发言人李主管" in draft.text
    assert [b.data for row in draft.out.buttons for b in row] == [f"cr:send:{alert.id}"]
    assert len(oh.sent(OWNERS)) == before  # nothing reaches the owners yet

    # A supervisor cannot send it; the manager confirms, once.
    await oh.press(MANAGEMENT, draft, f"cr:send:{alert.id}", "li")
    assert len(oh.sent(OWNERS)) == before
    await oh.press(MANAGEMENT, draft, f"cr:send:{alert.id}", "chen")
    reply = oh.sent(OWNERS)[-1]
    assert reply.text.startswith("【绿溪园物业情况说明】")
    assert "今晚22点前更换完毕" in reply.text
    await oh.press(MANAGEMENT, draft, f"cr:send:{alert.id}", "chen")
    assert len(oh.sent(OWNERS)) == before + 1

    crisis, events = await crisis_of(oh)
    assert (crisis.reply_state, crisis.confirmed_by, crisis.spokesperson) == ("sent", "陈经理", "李主管")
    assert events == ["alert", "spokesperson", "message", "followed", "drafted", "reply_sent"]
    await oh.say(MANAGEMENT, "chen", f"/crisis {alert.id}")
    record = oh.sent(MANAGEMENT)[-1].text
    assert "危机处理记录" in record
    assert "跟进人：李主管" in record
    assert "已发送（陈经理确认）" in record
    assert "回应已发送" in record


async def test_a_tier_2_alert_has_no_crisis_record(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-feng", TIER_2)
    [alert] = await oh.alerts()
    await oh.say(SUPERVISORS, "li", f"/crisis {alert.id}")
    assert "不是三级危机" in oh.sent(SUPERVISORS)[-1].text


async def test_a_group_complaint_does_not_make_its_ticket_urgent(oh: OpinionHarness) -> None:
    for user in ("u-a", "u-b", "u-c"):
        await oh.say(OWNERS, user, "2栋电梯又坏了，天天坏，太离谱了，受不了")
        oh.clock.advance(timedelta(minutes=2))
    assert [(a.kind, a.tier) for a in await oh.alerts()] == [("group", 2)]
    [ticket] = await oh.tickets()
    assert ticket.priority == "normal"
    assert "opinion_raised" not in [e.action for e in await oh.events(ticket.id)]
