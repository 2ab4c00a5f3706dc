"""Group-complaint and spike detection: the pure rules, then on the app with real messages
(and a synthetic week of history written straight into the message log)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select

from handlers.opinion import OpinionPolicy
from handlers.opinion.detection import detect_spike, is_milestone, ordered_topics, topics_of
from handlers.opinion.words import mask_name
from storage.directory.models import Chat, Member
from storage.messages.models import MessageLog
from tests.opinion.conftest import OWNERS, OWNERS_2, SUPERVISORS, OpinionHarness

POLICY = OpinionPolicy()


# -- pure ------------------------------------------------------------------------------------------


def test_topics_prefer_specific_categories_in_the_order_they_fired() -> None:
    rules = ["cat.elevator:电梯", "cat.service:物业", "complaint:离谱"]
    assert ordered_topics("service", rules) == ["elevator"]
    assert ordered_topics("noise", ["cat.renovation:装修", "cat.noise:吵"]) == ["noise", "renovation"]
    assert topics_of("service", ["cat.service:物业"]) == {"service"}  # nothing more specific
    assert topics_of("other_complaint", ["cat.contact:phone"]) == {"other_complaint"}
    assert topics_of(None, []) == frozenset()


def test_spike_threshold_on_a_quiet_community_is_the_minimum_count() -> None:
    assert detect_spike(4, [0] * 7, POLICY) is None
    spike = detect_spike(5, [0] * 7, POLICY)
    assert spike is not None
    assert spike.threshold == 5


def test_spike_threshold_follows_the_baseline() -> None:
    busy = [6, 5, 7, 6, 6, 5, 7]  # mean 6: threshold floor(6 + 3*sqrt(6)) + 1 = 14
    assert detect_spike(13, busy, POLICY) is None
    spike = detect_spike(14, busy, POLICY)
    assert spike is not None
    assert spike.threshold == 14
    assert spike.mean == pytest.approx(6.0)
    erratic = [0, 20, 0, 20, 0, 20, 0]  # sd ~9.9 dominates sqrt(mean)
    assert detect_spike(30, erratic, POLICY) is None
    assert detect_spike(40, erratic, POLICY) is not None


@given(st.lists(st.integers(0, 500), min_size=0, max_size=14), st.integers(0, 1000))
def test_a_spike_is_never_below_the_minimum_nor_the_mean(baseline: list[int], current: int) -> None:
    spike = detect_spike(current, baseline, POLICY)
    if spike is not None:
        assert current >= POLICY.spike_min_count
        assert current > (sum(baseline) / len(baseline) if baseline else 0)


def test_fold_milestones_and_name_masking() -> None:
    assert [n for n in range(1, 130) if is_milestone(n)] == [1, 3, 5, 10, 20, 50, 100]
    assert mask_name("张先生") == "张**"
    assert mask_name("Li") == "L*"
    assert mask_name("欧阳娜娜") == "欧**"
    assert mask_name("  ") == "**"


# -- group complaints ------------------------------------------------------------------------------

NO_SPIKE = {"opinion_spike_min_count": 100}
ELEVATOR = ["电梯又坏了，太离谱了", "电梯天天坏，受不了了", "电梯又停了，真是气死人", "电梯又停了，烦死了"]


@pytest.mark.parametrize("settings", [NO_SPIKE])
async def test_three_distinct_owners_on_one_topic_raise_a_group_alert(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-a", ELEVATOR[0], sender_name="王女士")
    oh.clock.advance(timedelta(minutes=30))
    await oh.say(OWNERS_2, "u-b", ELEVATOR[1], sender_name="赵先生")
    assert await oh.alerts() == []
    oh.clock.advance(timedelta(minutes=30))
    await oh.say(OWNERS, "u-c", ELEVATOR[2], sender_name="孙阿姨")
    [alert] = await oh.alerts()
    assert (alert.kind, alert.tier, alert.topic) == ("group", 2, "elevator")
    assert len(alert.members) == 3
    assert await oh.links(alert.id) == 3
    [card] = oh.cards(SUPERVISORS)
    assert "群体投诉预警" in card.text
    assert "3 位业主" in card.text
    assert "「电梯」" in card.text
    assert "2小时" in card.text
    for masked, name in (("王**", "王女士"), ("赵**", "赵先生"), ("孙**", "孙阿姨")):
        assert masked in card.text
        assert name not in card.text
    # a fourth owner is folded into the group alert, not a new one
    await oh.say(OWNERS, "u-d", ELEVATOR[3])
    assert [a.folded for a in await oh.alerts()] == [1]


@pytest.mark.parametrize("settings", [NO_SPIKE])
async def test_one_owner_repeating_is_not_a_group(oh: OpinionHarness) -> None:
    for text in ELEVATOR:
        await oh.say(OWNERS, "u-a", text)
    await oh.say(OWNERS, "u-b", ELEVATOR[0])
    assert await oh.alerts() == []


@pytest.mark.parametrize("settings", [NO_SPIKE])
async def test_owners_on_different_topics_or_outside_the_window_are_not_a_group(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-a", ELEVATOR[0])
    await oh.say(OWNERS, "u-b", "垃圾好几天没人收，臭死了")
    await oh.say(OWNERS, "u-c", "停车场乱停车，太过分了")
    oh.clock.advance(timedelta(minutes=100))
    await oh.say(OWNERS, "u-d", ELEVATOR[1])
    oh.clock.advance(timedelta(minutes=30))  # u-a's message is now 130 minutes old
    await oh.say(OWNERS, "u-e", ELEVATOR[2])
    assert await oh.alerts() == []


@pytest.mark.parametrize("settings", [{**NO_SPIKE, "opinion_group_owners": 2}])
async def test_the_group_threshold_is_a_setting(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-a", ELEVATOR[0])
    await oh.say(OWNERS, "u-b", ELEVATOR[1])
    assert [a.kind for a in await oh.alerts()] == ["group"]


# -- spikes ----------------------------------------------------------------------------------------

# Different topics, so no group complaint hides the spike.
VARIED = [
    "电梯又坏了，太离谱了",
    "垃圾好几天没人收，臭死了",
    "停车场乱停车，太过分了",
    "小区里狗屎到处都是，恶心",
    "物业费太贵了，坑人",
    "水压太低了，洗澡都洗不了，受不了",
    "门禁又坏了，烦死了",
    "楼道灯坏了一个星期了，太差劲了",
]


async def write_history(oh: OpinionHarness, per_day: list[int]) -> None:
    """A synthetic week: `per_day[d]` negative owner messages an hour around this time of day
    d+1 days ago, and some calm chatter and other hours' complaints around them."""
    now = oh.clock.now()
    async with oh.app.sessions() as session:
        chat = await session.scalar(select(Chat).where(Chat.platform_chat_id == OWNERS))
        assert chat is not None
        assert chat.community_id is not None
        member = Member(
            platform="local", platform_user_id="u-history", display_name="历史", first_seen_at=now
        )
        session.add(member)
        await session.flush()

        def row(at: datetime, negative: bool, n: int) -> MessageLog:
            return MessageLog(
                platform="local",
                chat_id=chat.id,
                community_id=chat.community_id,
                member_id=member.id,
                platform_message_id=f"h{at.timestamp()}-{n}",
                kind="text",
                text="历史消息",
                sent_at=at,
                intent="complaint" if negative else "other",
                category="noise" if negative else None,
                negative=negative,
                risk=1 if negative else 0,
                rules=["cat.noise:吵"] if negative else [],
                sentiment=-0.5 if negative else 0.2,
            )

        for day, per_hour in enumerate(per_day, start=1):
            # evenly spread from two hours before to two hours after this time of day, so every
            # hour-long window around it holds `per_hour` of them
            start = now - timedelta(days=day, hours=2)
            for n in range(4 * per_hour):
                session.add(row(start + n * timedelta(hours=1) / per_hour, True, n))
            session.add(row(now - timedelta(days=day, minutes=30), False, 99))  # calm chatter
            session.add(row(now - timedelta(days=day, hours=6), True, 98))  # another hour
        await session.commit()


@pytest.mark.parametrize("settings", [{"opinion_group_owners": 50}])
async def test_a_spike_over_a_quiet_week_alerts_once(oh: OpinionHarness) -> None:
    await write_history(oh, [1, 0, 2, 1, 0, 1, 1])  # mean 0.86: the minimum count (5) decides
    for n, text in enumerate(VARIED[:4]):
        oh.clock.advance(timedelta(minutes=6))
        await oh.say(OWNERS, f"u-{n}", text)
    assert await oh.alerts() == []
    oh.clock.advance(timedelta(minutes=6))
    await oh.say(OWNERS_2, "u-4", VARIED[4])
    [spike] = await oh.alerts()
    assert (spike.kind, spike.tier) == ("spike", 2)
    assert spike.reasons[0].startswith("spike:5:0.9:")
    assert await oh.links(spike.id) == 5
    assert len(spike.members) == 5
    [card] = oh.cards(SUPERVISORS)
    assert "负面消息激增" in card.text
    assert "近1小时业主负面消息 5 条" in card.text
    assert "过去7天同一时段平均 0.9 条" in card.text
    assert "阈值 5" in card.text
    oh.clock.advance(timedelta(minutes=6))
    await oh.say(OWNERS, "u-5", VARIED[5])  # still spiking: folded, not a second alert
    [spike] = await oh.alerts()
    assert spike.folded == 1
    assert len(oh.cards(SUPERVISORS)) == 1


@pytest.mark.parametrize("settings", [{"opinion_group_owners": 50}])
async def test_a_busy_hour_that_is_usual_for_the_community_is_no_spike(oh: OpinionHarness) -> None:
    await write_history(oh, [6, 7, 6, 5, 6, 7, 6])  # mean 6.1: threshold 14
    for n, text in enumerate(VARIED):
        oh.clock.advance(timedelta(minutes=5))
        await oh.say(OWNERS, f"u-{n}", text)
    assert await oh.alerts() == []


@pytest.mark.parametrize("settings", [{"opinion_group_owners": 50}])
@pytest.mark.parametrize("hints", ["kept", "dropped"])
async def test_a_busy_community_spikes_at_its_own_threshold_and_the_card_has_the_exact_count(
    oh: OpinionHarness, hints: str
) -> None:
    # The hour's count is only taken up to the number it is compared with (the minimum, then
    # the threshold): past the minimum it must still count on to the threshold, and the new
    # alert must show the whole count. Past the minimum the community's last threshold is
    # remembered to ask fewer statements; without it ("dropped", as in a new process) every
    # verdict is the same.
    def say(chat: str, user: str, text: str) -> Any:
        if hints == "dropped":
            oh.opinion.hints.clear()
        return oh.say(chat, user, text)

    await write_history(oh, [6, 7, 6, 5, 6, 7, 6])  # mean 6.1: threshold 14
    for n in range(13):
        oh.clock.advance(timedelta(minutes=4))
        await say(OWNERS, f"u-{n}", VARIED[n % len(VARIED)])
    assert await oh.alerts() == []
    oh.clock.advance(timedelta(minutes=4))
    await say(OWNERS_2, "u-13", VARIED[13 % len(VARIED)])
    [spike] = await oh.alerts()
    assert spike.kind == "spike"
    assert spike.reasons[0].startswith("spike:14:6.1:")
    assert spike.reasons[0].endswith(":14")
    assert await oh.links(spike.id) == 14
    [card] = oh.cards(SUPERVISORS)
    assert "近1小时业主负面消息 14 条" in card.text
    assert "阈值 14" in card.text
    oh.clock.advance(timedelta(minutes=1))
    await say(OWNERS, "u-14", VARIED[14 % len(VARIED)])  # past the threshold: folded
    [spike] = await oh.alerts()
    assert spike.folded == 1
    assert await oh.links(spike.id) == 15


@pytest.mark.parametrize("settings", [{"opinion_group_owners": 50}])
async def test_past_the_minimum_each_negative_message_costs_one_count(oh: OpinionHarness) -> None:
    """In a flood every negative message asks whether it is a spike: once the minimum is
    reached, this hour and the past days are counted in one statement, not two or three."""
    await write_history(oh, [6, 7, 6, 5, 6, 7, 6])  # threshold 14
    counts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if re.search(r'AS "?window"?', statement):  # quoted on PostgreSQL (a reserved word)
            counts.append(statement)

    event.listen(oh.app.engine.sync_engine, "before_cursor_execute", seen)
    try:
        per_message = []
        for n in range(12):
            oh.clock.advance(timedelta(minutes=4))
            before = len(counts)
            await oh.say(OWNERS, f"u-{n}", VARIED[n % len(VARIED)])
            per_message.append(len(counts) - before)
    finally:
        event.remove(oh.app.engine.sync_engine, "before_cursor_execute", seen)
    assert await oh.alerts() == []
    # below the minimum (5): one capped count; the 5th: that count, then the past days and a
    # count on to the threshold; from then on one statement each
    assert per_message == [1, 1, 1, 1, 3] + [1] * 7


@pytest.mark.parametrize("settings", [{"opinion_group_owners": 50, "opinion_spike_min_count": 3}])
async def test_the_spike_minimum_is_a_setting(oh: OpinionHarness) -> None:
    await write_history(oh, [0] * 7)
    for n, text in enumerate(VARIED[:3]):
        await oh.say(OWNERS, f"u-{n}", text)
    assert [a.kind for a in await oh.alerts()] == ["spike"]


@pytest.mark.parametrize("settings", [{"opinion_group_owners": 50}])
async def test_a_fresh_install_has_no_baseline_to_spike_over(oh: OpinionHarness) -> None:
    """Ten minutes after the first start nothing is history: eight owners complaining in an
    hour raise no spike against a week of zeros (group and message alerts still speak)."""
    for n, text in enumerate(VARIED):
        oh.clock.advance(timedelta(minutes=2))
        await oh.say(OWNERS, f"u-{n}", text)
    assert await oh.alerts() == []
    # six days of history are not a week's baseline either; seven are (another hour of the
    # day each time, so the baseline's own hours stay quiet)
    oh.clock.advance(timedelta(days=6, hours=3))
    for n, text in enumerate(VARIED):
        oh.clock.advance(timedelta(minutes=2))
        await oh.say(OWNERS, f"u-{n}", text)
    assert await oh.alerts() == []
    oh.clock.advance(timedelta(days=1, hours=3))
    for n, text in enumerate(VARIED):
        oh.clock.advance(timedelta(minutes=2))
        await oh.say(OWNERS, f"u-{n}", text)
    assert [a.kind for a in await oh.alerts()] == ["spike"]
