"""The broadcasts service called directly, as the command line, the jobs and a web console do:
no chat, no Context — plain arguments, a unit of work, an Actor and the time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time

import pytest

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.roles import Role
from handlers.broadcasts import BroadcastPolicy, BroadcastService, OutageAnswer
from handlers.broadcasts.request import NoticeRequest, OutageRequest, Target
from handlers.broadcasts.schedules import Planned
from storage.uow import UnitOfWork
from tests.broadcasts.conftest import SHANGHAI, Rig

OWNERS = ("lxy-owners-1", "lxy-owners-2")
CONSOLE = Actor.admin("console:ops")


def service_of(rig: Rig) -> BroadcastService:
    return BroadcastService(rig.app.services.texts, BroadcastPolicy())


async def test_a_notice_drafted_and_confirmed_without_chat_reaches_every_owner_group_once(rig: Rig) -> None:
    service = service_of(rig)
    async with rig.app.runtime.transaction() as uow:
        lxy = await uow.directory.community_by_code("lxy")
        preview = await service.draft_notice(
            uow, NoticeRequest(text="周六上午电梯保养"), CONSOLE, lxy, rig.clock.now(), "zh-Hans"
        )
    assert preview.ref == "N1"
    assert "目标：绿溪园 · 全体业主群（2个群）" in preview.text
    assert await rig.outbox() == []  # a draft sends nothing

    async with rig.app.runtime.transaction() as uow:
        done = await service.confirm(uow, preview.ref, CONSOLE, rig.clock.now(), "zh-Hans")
    assert done == "✅ N1 已发出：绿溪园，2个业主群。发送情况：/notice status N1"
    await rig.app.sender.drain()
    for chat in OWNERS:
        [notice] = rig.texts(chat)
        assert notice == "📢【绿溪园物业通知】\n周六上午电梯保养"
    [broadcast] = await rig.broadcasts()
    assert broadcast.created_by == "console:ops"

    async with rig.app.runtime.transaction() as uow:
        again = await service.confirm(uow, "N1", CONSOLE, rig.clock.now(), "zh-Hant")
    assert again == "N1 已經處理過了。"  # in the language asked for
    await rig.app.sender.drain()
    assert [len(rig.sent(chat)) for chat in OWNERS] == [1, 1]


async def test_staff_act_only_on_their_own_community(rig: Rig) -> None:
    service = service_of(rig)
    async with rig.app.runtime.transaction() as uow:
        lxy = await uow.directory.community_by_code("lxy")
        assert lxy is not None
        [li] = [s for s in await uow.directory.roster(lxy.id) if s.name == "李主管"]
        supervisor = Actor(Role.SUPERVISOR, f"steward:{li.id}", li.name, steward=li)
        hbhy_notice = await service.draft_notice(
            uow, NoticeRequest(community="hbhy", text="管理處通告"), CONSOLE, None, rig.clock.now(), "zh-Hans"
        )
    now = rig.clock.now()
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda uow: service.draft_notice(
            uow, NoticeRequest(community="hbhy", text="越权"), supervisor, lxy, now, "zh-Hans"
        ),
        lambda uow: service.confirm(uow, hbhy_notice.ref, supervisor, now, "zh-Hans"),
        lambda uow: service.cancel(uow, hbhy_notice.ref, supervisor, now, "zh-Hans"),
        lambda uow: service.draft_notice(
            uow, NoticeRequest(target=Target("every"), text="所有小区"), supervisor, lxy, now, "zh-Hans"
        ),
    ]
    refusals = []
    for attempt in attempts:
        async with rig.app.runtime.transaction() as uow:
            with pytest.raises(DomainError) as refused:
                await attempt(uow)
        refusals.append(refused.value.key)
    # Drafting for another community is refused; another community's notice is as if missing
    # (issue 18: nothing tells a supervisor which references exist elsewhere).
    assert refusals == ["err.forbidden", "bc.err.not_found", "bc.err.not_found", "bc.err.every_admin"]
    assert [b.status for b in await rig.broadcasts()] == ["draft"]


async def test_an_outage_announced_as_a_service_answers_owners_and_plans_its_reminders(rig: Rig) -> None:
    service = service_of(rig)
    request = OutageRequest(
        utility="water",
        target=Target("buildings", ("3", "4", "5")),
        day=date(2026, 11, 25),
        days_ahead=None,
        start=time(9, 0),
        end=time(17, 0),
        reason="管道维修",
    )
    async with rig.app.runtime.transaction() as uow:
        lxy = await uow.directory.community_by_code("lxy")
        preview = await service.draft_outage(uow, request, CONSOLE, lxy, rig.clock.now(), "zh-Hans")
        assert preview.ref == "T1"
    async with rig.app.runtime.transaction() as uow:
        done = await service.confirm(uow, "T1", CONSOLE, rig.clock.now(), "zh-Hans")
    assert done.startswith("✅ 停水通知 T1 已发布（2个业主群）；提醒：11-24 20:00、11-25 08:00。")

    async with rig.app.runtime.reading() as uow:
        planned = await service.planned(uow)
        owners = await uow.directory.chat_by_platform_id("local", "lxy-owners-1")
        stewards = await uow.directory.chat_by_platform_id("local", "lxy-stewards")
        question = "明天几点停水？"
        ask = rig.classifier.classify(question)
        answer = await service.answer_outage_question(
            uow, question, ask, community=lxy, chat=owners, lang="zh-Hans", now=rig.clock.now()
        )
        not_owners = await service.answer_outage_question(
            uow, question, ask, community=lxy, chat=stewards, lang="zh-Hans", now=rig.clock.now()
        )
        unrelated = await service.answer_outage_question(
            uow, "几点来电", rig.classifier.classify("几点来电"), community=lxy, chat=owners, lang="zh-Hans",
            now=rig.clock.now(),
        )  # fmt: skip
    assert [(p.kind, p.when) for p in planned] == [
        ("N", datetime(2026, 11, 24, 20, 0, tzinfo=SHANGHAI)),
        ("N", datetime(2026, 11, 25, 8, 0, tzinfo=SHANGHAI)),
    ]
    assert all(isinstance(p, Planned) for p in planned)
    assert answer == OutageAnswer(
        "3-5栋计划于11月25日（周三） 09:00至17:00停水，预计 17:00 恢复供水。请提前储水，停水期间请关好水龙头。",
        1,
    )
    assert not_owners is None
    assert unrelated is None


async def test_a_preview_pressed_before_the_sender_recorded_its_message_id_is_still_found(rig: Rig) -> None:
    """A press can overtake the sender's record of the preview's platform message id (Telegram:
    the update of the press arrives while the sender is still writing the id down); the
    preview is then the newest in the chat carrying the pressed button, and only that one."""
    await rig.say("lxy-supervisors", "li", "/notice 全体 周六上午电梯保养")
    await rig.say("lxy-supervisors", "li", "/notice 全体 周日下午停水")
    first, second = rig.sent("lxy-supervisors")
    service = service_of(rig)
    async with rig.app.runtime.transaction() as uow:
        recorded = await service.preview_shown(uow, "local", "lxy-supervisors", first.message_id, "bc:ok:N1")
        assert recorded is not None
        assert "电梯保养" in recorded
        # The moment before the sender wrote the ids down:
        for message in (first, second):
            row = await uow.outbox.find_ref("local", "lxy-supervisors", message.message_id)
            assert row is not None
            row.platform_message_id = None
        await uow.session.flush()
        early = await service.preview_shown(uow, "local", "lxy-supervisors", first.message_id, "bc:ok:N1")
        assert early == recorded
        other = await service.preview_shown(uow, "local", "lxy-supervisors", second.message_id, "bc:ok:N2")
        assert other is not None
        assert "停水" in other
        assert await service.preview_shown(uow, "local", "lxy-supervisors", "999", "bc:ok:N9") is None
