"""Opinion and report use cases called directly, as a job, the command line or a console
would call them: plain arguments and a unit of work, no chat update. Then the pure rules the
services lean on (matching an alert, finding a group)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Outgoing
from bot.core.roles import Role
from handlers.opinion.detection import group_of, matching_alert
from handlers.opinion.digest import collect_digest, render_digest
from handlers.reports.period import Period
from storage.directory.models import Chat, Community, Member, Steward
from storage.messages.models import MessageLog
from storage.opinion.repository import AlertView, Signal
from storage.uow import UnitOfWork
from tests.opinion.conftest import OWNERS, OWNERS_2, SUPERVISORS, OpinionHarness

SHANGHAI = ZoneInfo("Asia/Shanghai")
COLLECTIVE = "物业太差劲了，电梯天天坏，我们要拉横幅维权"  # risk 2: collective action


async def owner_group(uow: UnitOfWork, chat_id: str = OWNERS) -> tuple[Chat, Community]:
    chat = await uow.directory.chat_by_platform_id("local", chat_id)
    assert chat is not None
    assert chat.community_id is not None
    community = await uow.directory.community(chat.community_id)
    assert community is not None
    return chat, community


async def steward_named(uow: UnitOfWork, name: str) -> Steward:
    _, community = await owner_group(uow)
    steward = await uow.directory.steward_by_name(community.id, name)
    assert steward is not None
    return steward


async def logged(oh: OpinionHarness, uow: UnitOfWork, chat: Chat, member: Member, text: str) -> MessageLog:
    """An owner's message as intake logs it, classified by the app's classifier."""
    found = oh.app.services.classifier.classify(text)
    return await uow.messages.log(
        MessageLog(
            platform="local",
            chat_id=chat.id,
            community_id=chat.community_id,
            member_id=member.id,
            platform_message_id=f"direct-{member.id}-{len(text)}",
            kind="text",
            text=text,
            sent_at=oh.clock.now(),
            intent=found.intent.value,
            category=found.category,
            urgent=found.urgent,
            sentiment=found.sentiment,
            negative=found.negative,
            risk=found.risk,
            rules=list(found.rules),
        )
    )


# -- opinion ---------------------------------------------------------------------------------------


async def test_observe_raises_an_alert_from_plain_arguments(oh: OpinionHarness) -> None:
    service = oh.opinion
    async with oh.app.runtime.transaction() as uow:
        chat, community = await owner_group(uow)
        member = await uow.directory.see_member("local", "u-zhao", "赵女士", oh.clock.now(), community.id)
        entry = await logged(oh, uow, chat, member, COLLECTIVE)
        classification = oh.app.services.classifier.classify(COLLECTIVE)
        await service.observe(uow, entry, classification, community=community, member=member)
    [alert] = await oh.alerts()
    assert (alert.kind, alert.tier, alert.topic, alert.members) == ("message", 2, "elevator", [member.id])
    async with oh.app.runtime.reading() as uow:
        [row] = await uow.outbox.by_ref("opinion_alert", alert.id)
    assert row.platform_chat_id == SUPERVISORS
    card = Outgoing.from_json(row.payload)
    assert "绿溪园1-3栋业主群" in card.text  # the chat the message came from
    assert "赵**" in card.text
    assert "赵女士" not in card.text
    assert [b.data for line in card.buttons for b in line] == [f"op:done:{alert.id}", f"op:false:{alert.id}"]


async def test_observe_ignores_a_calm_message_and_never_raises(
    oh: OpinionHarness, caplog: pytest.LogCaptureFixture
) -> None:
    service = oh.opinion
    async with oh.app.runtime.transaction() as uow:
        chat, community = await owner_group(uow)
        member = await uow.directory.see_member("local", "u-calm", "钱先生", oh.clock.now(), community.id)
        calm = await logged(oh, uow, chat, member, "电梯修好了，谢谢管家")
        await service.observe(
            uow, calm, oh.app.services.classifier.classify(calm.text), community=community, member=member
        )
        # A community whose time zone cannot be read fails the alert card half-way through.
        other = Community(code="x", name="x", timezone="Nowhere/Nowhere", language="zh-Hans", buildings=[])
        other.id = community.id
        angry = await logged(oh, uow, chat, member, COLLECTIVE)
        await service.observe(
            uow, angry, oh.app.services.classifier.classify(COLLECTIVE), community=other, member=member
        )
    assert await oh.alerts() == []  # the alert it began was rolled back with the savepoint
    assert f"observing message_log {angry.id} failed" in caplog.text
    async with oh.app.runtime.reading() as uow:
        assert await uow.messages.get(angry.id) is not None  # the work around it committed


async def test_an_alert_is_marked_by_an_actor_without_chat(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [alert] = await oh.alerts()
    service = oh.opinion
    async with oh.app.runtime.transaction() as uow:
        li = await steward_named(uow, "李主管")
        actor = Actor(Role.SUPERVISOR, f"steward:{li.id}", li.name, li)
        with pytest.raises(DomainError) as refused:
            await service.mark(
                uow, alert.id, "done", actor, community_id=alert.community_id + 1, now=oh.clock.now()
            )
        assert refused.value.key == "op.err.unknown"  # another community's alert: as if missing
        with pytest.raises(DomainError) as unknown:
            await service.mark(
                uow, alert.id + 99, "done", actor, community_id=alert.community_id, now=oh.clock.now()
            )
        assert unknown.value.key == "op.err.unknown"
        marked = await service.mark(
            uow, alert.id, "done", actor, community_id=alert.community_id, now=oh.clock.now()
        )
        assert (marked.verdict, marked.changed, marked.alert.handled_by) == ("followed", True, "李主管")
        again = await service.mark(
            uow, alert.id, "done", actor, community_id=alert.community_id, now=oh.clock.now()
        )
        assert not again.changed
    [stored] = await oh.alerts()
    assert (stored.state, stored.handled_by) == ("followed", "李主管")
    [feedback] = await oh.feedback()
    assert (feedback.verdict, feedback.actor) == ("followed", f"steward:{li.id}")

    async with oh.app.runtime.transaction() as uow:  # an operator at the command line: any community
        marked = await service.mark(
            uow, alert.id, "false", Actor.admin("ops"), community_id=None, now=oh.clock.now()
        )
    assert marked.alert.handled_by == "o**"  # someone without a roster name is masked like an owner
    assert [f.actor for f in await oh.feedback()] == [f"steward:{li.id}", "ops"]


async def test_the_digest_text_from_a_plain_unit_of_work(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE, sender_name="张先生")
    await oh.say(OWNERS_2, "u-b", "垃圾好几天没人收，臭死了")
    now = oh.clock.now()
    async with oh.app.runtime.reading() as uow:
        _, community = await owner_group(uow)
        digest = await collect_digest(uow, community, now - timedelta(days=1), now)
    assert (digest.messages, digest.negative, len(digest.alerts)) == (2, 2, 1)
    text = render_digest(oh.opinion.words(community.language), digest, "op.digest.title", now)
    assert text.splitlines()[1] == "业主消息 2 条，负面 2 条（100%）"
    assert "预警 1 条：待跟进 1 · 已跟进 0 · 误报 0" in text
    assert "张先生" not in text


async def test_the_digest_is_sent_once_a_day_by_the_service(oh: OpinionHarness) -> None:
    service = oh.opinion
    evening = datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI)
    async with oh.app.runtime.reading() as uow:
        assert await service.due_digests(uow, evening - timedelta(minutes=1)) == []
        due = await service.due_digests(uow, evening)
    assert [d.until for d in due] == [evening, evening]  # 绿溪园 and 海濱花園, at the set time
    async with oh.app.runtime.transaction() as uow:
        assert await service.send_digest(uow, due[0].community_id, due[0].until, evening)
        assert not await service.send_digest(uow, due[0].community_id, due[0].until, evening)
    async with oh.app.runtime.reading() as uow:
        assert [d.community_id for d in await service.due_digests(uow, evening)] == [due[1].community_id]


# -- reports ---------------------------------------------------------------------------------------


async def test_publishing_to_owners_needs_a_supervisor_and_happens_once(oh: OpinionHarness) -> None:
    service = oh.reports
    period = Period.parse("2026-11", SHANGHAI)
    async with oh.app.runtime.transaction() as uow:
        _, community = await owner_group(uow)
        wang, li = await steward_named(uow, "王管家"), await steward_named(uow, "李主管")
        steward = Actor(Role.STEWARD, f"steward:{wang.id}", wang.name, wang)
        supervisor = Actor(Role.SUPERVISOR, f"steward:{li.id}", li.name, li)
        with pytest.raises(DomainError) as refused:
            await service.publish(uow, steward, community, period, oh.clock.now())
        assert (refused.value.key, refused.value.values) == ("err.forbidden", {"role": "supervisor"})
        with pytest.raises(DomainError):
            await service.publishable(uow, community.id, supervisor, here=community.id + 1)
        assert await service.publishable(uow, community.id, Actor.admin("ops"), here=None) is community
        published = await service.publish(uow, supervisor, community, period, oh.clock.now())
        assert (published.period, published.groups) == (period, 2)
        assert (await service.publish(uow, supervisor, community, period, oh.clock.now())).groups == 0
    for chat in (OWNERS, OWNERS_2):
        async with oh.app.runtime.reading() as uow:
            rows = [
                r
                for r in await uow.outbox.by_ref("report_owners", community.id)
                if r.platform_chat_id == chat
            ]
        [row] = rows
        posted = Outgoing.from_json(row.payload)
        assert posted.text.startswith("📋 绿溪园 · 2026年11月 物业服务简报")
        assert posted.image_path is not None
        assert posted.image_path.endswith("lxy-2026-11-owners.png")


async def test_the_monthly_report_is_due_once_the_day_and_time_have_come(oh: OpinionHarness) -> None:
    service = oh.reports
    async with oh.app.runtime.reading() as uow:  # an empty November is never due
        assert await service.due_monthly(uow, datetime(2026, 12, 3, 15, 0, tzinfo=SHANGHAI)) == []
    await oh.say("lxy-owners-1", "u-a", "3栋电梯坏了")  # 23 November, in both communities
    await oh.say("hbhy-owners", "u-b", "B座電梯壞咗")
    async with oh.app.runtime.reading() as uow:
        assert await service.due_monthly(uow, datetime(2026, 12, 1, 8, 59, tzinfo=SHANGHAI)) == []
        due = await service.due_monthly(uow, datetime(2026, 12, 3, 15, 0, tzinfo=SHANGHAI))  # catching up
    assert [period.label for _, period in due] == ["2026-11", "2026-11"]


# -- pure rules ------------------------------------------------------------------------------------


def view(
    alert_id: int,
    *,
    tier: int = 2,
    state: str = "open",
    topics: tuple[str, ...] = (),
    members: tuple[int, ...] = (),
) -> AlertView:
    at = datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)
    return AlertView(
        alert_id, "message", tier, state, topics[0] if topics else None, topics, members, at, 0, None
    )


def test_a_message_joins_the_newest_alert_on_its_owner_or_topic_that_is_as_serious() -> None:
    elevator = frozenset({"elevator"})
    recent = [
        view(3, state="false_positive", topics=("elevator",)),
        view(2, tier=2, members=(7,)),
        view(1, tier=3, topics=("elevator",)),
    ]
    assert matching_alert(recent, 7, elevator, 2) is recent[1]  # the same owner, newest first
    assert matching_alert(recent, 8, elevator, 2) is recent[2]  # a 「误报」 takes nothing in
    assert matching_alert(recent, 7, frozenset(), 3) is None  # a tier-3 message is never folded lower
    assert matching_alert(recent, 8, frozenset({"noise"}), 1) is None


def test_a_group_is_enough_distinct_owners_on_one_topic() -> None:
    at = datetime(2026, 11, 23, 10, tzinfo=SHANGHAI)

    def signal(n: int, member: int | None, category: str) -> Signal:
        return Signal(n, member, category, (f"cat.{category}:x",), at)

    signals = [
        signal(1, 1, "elevator"),
        signal(2, 1, "elevator"),
        signal(3, 2, "elevator"),
        signal(4, 3, "noise"),
    ]
    assert group_of(signals, frozenset({"elevator"}), 3) is None  # two owners, however often
    group = group_of(
        [*signals, signal(5, 4, "elevator"), signal(6, None, "elevator")], frozenset({"elevator", "noise"}), 3
    )
    assert group is not None
    assert (group.topic, group.members) == ("elevator", [1, 2, 4])
    assert [s.message_log_id for s in group.signals] == [1, 2, 3, 5, 6]
