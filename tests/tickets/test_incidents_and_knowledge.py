"""Incident merging, knowledge-base answers, light inquiry tickets, /unit and /bind."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.settings import EXAMPLE_COMMUNITY_FILE
from handlers.knowledge.base import KnowledgeBase, KnowledgeError
from handlers.membership.service import BIND_ATTEMPTS, BIND_WINDOW, create_bind_code
from storage.directory.models import Chat, Member
from tests.harness import Harness

OWNERS, OWNERS2, STEWARDS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards"


async def test_same_thing_from_several_owners_is_one_incident(harness: Harness) -> None:
    await harness.say(OWNERS2, "u-a", "5号楼电梯坏了，按了没反应")
    harness.clock.advance(timedelta(minutes=10))
    await harness.say(OWNERS2, "u-b", "5栋的电梯坏了，走楼梯上18楼太累了")
    harness.clock.advance(timedelta(minutes=10))
    await harness.say(OWNERS2, "u-c", "5号楼电梯故障，一直停在一楼")
    tickets = await harness.tickets()
    assert len(tickets) == 1
    [ticket] = tickets
    merged = harness.sent(OWNERS2)[-1].text
    assert "已有 3 位业主反映" in merged
    assert ticket.number in merged
    assert "共 3 位" in harness.sent(STEWARDS)[-1].text
    # the same owner again is not counted twice
    await harness.say(OWNERS2, "u-b", "5号楼电梯坏了还没修吗")
    assert "您已反映过" in harness.sent(OWNERS2)[-1].text
    # all of them hear of the resolution, each under their own message
    await harness.say(STEWARDS, "liu", f"/resolve {ticket.number} 已更换控制板，电梯恢复运行")
    finals = [m for m in harness.sent(OWNERS2) if "已处理完毕" in m.text]
    assert len(finals) == 3
    # and the followers can see it with /my
    await harness.say(OWNERS2, "u-c", "/my")
    assert ticket.number in harness.sent(OWNERS2)[-1].text


async def test_stewards_hear_of_a_growing_incident_at_milestones_every_owner_is_answered(
    harness: Harness,
) -> None:
    reports = ["5号楼电梯坏了，按了没反应", "5栋电梯故障，一直停在一楼", "5号楼的电梯又坏了"]
    for n in range(1, 12):
        await harness.say(OWNERS2, f"u-{n}", reports[n % len(reports)])
        harness.clock.advance(timedelta(minutes=1))
    [ticket] = await harness.tickets()
    merged = [m.text for m in harness.sent(OWNERS2) if "业主反映" in m.text]
    assert [f"已有 {n} 位业主反映" in text for n, text in zip(range(2, 12), merged, strict=True)] == [
        True
    ] * 10
    told = [m for m in harness.sent(STEWARDS) if "又有业主反映" in m.text]
    # each time with the reporters since the last time (their building masked), under the card
    since = {2: [2], 3: [3], 5: [4, 5], 10: [6, 7, 8, 9, 10]}
    assert [m.text for m in told] == [
        "\n".join(
            [
                f"➕ {ticket.number} 又有业主反映（共 {n} 位）：",
                *(f"· u**（5栋****）：{reports[k % 3]}" for k in ks),
            ]
        )
        for n, ks in since.items()
    ]
    card = next(m for m in harness.sent(STEWARDS) if m.outgoing and m.out.buttons)
    assert {m.out.reply_to for m in told} == {card.message_id}
    events = [e for e in await harness.events(ticket.id) if e.action == "merged"]
    assert [e.note for e in events] == [f"reporters={n}" for n in range(2, 12)]


async def test_different_buildings_or_a_later_report_are_separate(harness: Harness) -> None:
    await harness.say(OWNERS2, "u-a", "5号楼电梯坏了，按了没反应")
    await harness.say(OWNERS2, "u-b", "6号楼电梯坏了，按了没反应")
    harness.clock.advance(timedelta(hours=3))
    await harness.say(OWNERS2, "u-c", "5号楼电梯坏了，按了没反应")
    assert len(await harness.tickets()) == 3


async def test_traditional_inquiry_answered_from_the_hk_knowledge_base(harness: Harness) -> None:
    await harness.say("hbhy-owners", "u-x", "請問管理費點交？")
    reply = harness.sent("hbhy-owners")[-1].text
    assert "轉數快" in reply
    assert "來源" in reply


async def test_unmatched_inquiry_becomes_a_light_ticket(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "请问小区游泳池什么时候开放？")
    [ticket] = await harness.tickets()
    assert ticket.kind == "inquiry"
    assert ticket.number.startswith("ZX-")
    assert ticket.resolve_due_at is not None
    assert ticket.resolve_due_at - ticket.created_at == timedelta(hours=24)
    assert "已转给值班管家" in harness.sent(OWNERS)[-1].text
    assert any(ticket.number in m.text for m in harness.sent(STEWARDS))


def test_bad_knowledge_file_names_the_entry(tmp_path: Path) -> None:
    path = tmp_path / "kb.toml"
    path.write_text('[[entry]]\nid = "a"\ntitle = "A"\nkeywords = []\nanswer = "x"\n', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"entry\[0\] \(a\)"):
        KnowledgeBase.load(path)
    shipped = KnowledgeBase.load(EXAMPLE_COMMUNITY_FILE.parent / "knowledge" / "lxy.toml")
    assert shipped.match("请问报修电话多少", "contact") is not None
    assert shipped.match("今天天气不错", None) is None


async def test_unit_registration_is_private_and_once(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "/unit 3-2-1302")
    reply = harness.sent(OWNERS)[-1].text
    assert "3栋****" in reply
    assert "1302" not in reply
    await harness.say(OWNERS, "u-x", "/unit 2-1-101")
    assert "已登记过" in harness.sent(OWNERS)[-1].text
    await harness.say(OWNERS, "u-y", "/unit 9-1-101")
    assert "没有 9 栋" in harness.sent(OWNERS)[-1].text
    await harness.say(OWNERS, "u-z", "/unit hello")
    assert "/unit 3-2-1302" in harness.sent(OWNERS)[-1].text
    # the registered unit steers a later report that names no building
    await harness.say(OWNERS, "u-x", "家里厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    assert ticket.building == "3"
    async with harness.app.sessions() as session:
        from sqlalchemy import select

        member = await session.scalar(select(Member).where(Member.platform_user_id == "u-x"))
    assert member is not None
    assert member.unit == "3-2-1302"


async def test_bind_code_binds_a_new_group_once(harness: Harness) -> None:
    async with harness.app.runtime.transaction() as store:
        code = await create_bind_code(store, "lxy", "owners", ["4"], harness.clock.now(), timedelta(hours=1))
    await harness.say("new-group", "u-x", "3栋水管漏水了")
    assert await harness.tickets() == []  # an unbound group opens no tickets
    await harness.say("new-group", "u-x", f"/bind {code.code.lower()}")
    assert "绿溪园" in harness.sent("new-group")[-1].text
    await harness.say("other-group", "u-y", f"/bind {code.code}")
    assert "无效" in harness.sent("other-group")[-1].text
    await harness.say("new-group", "u-x", "厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    assert ticket.building == "4"
    async with harness.app.sessions() as session:
        from sqlalchemy import select

        chat = await session.scalar(select(Chat).where(Chat.platform_chat_id == "new-group"))
    assert chat is not None
    assert chat.role == "owners"


async def test_expired_bind_code_is_refused(harness: Harness) -> None:
    async with harness.app.runtime.transaction() as store:
        code = await create_bind_code(store, "lxy", "owners", [], harness.clock.now(), timedelta(hours=1))
    harness.clock.advance(timedelta(hours=2))
    await harness.say("late-group", "u-x", f"/bind {code.code}")
    assert "已过期" in harness.sent("late-group")[-1].text


async def test_an_owner_chasing_their_open_ticket_is_a_chase_not_a_new_complaint(harness: Harness) -> None:
    await harness.say(OWNERS, "u-a", "3栋厨房水管漏水了，麻烦派人来修")
    harness.clock.advance(timedelta(days=1))
    await harness.say(OWNERS, "u-a", "报修一天了还没人来修，怎么回事")
    [ticket] = await harness.tickets()
    assert "您已反映过" in harness.sent(OWNERS)[-1].text
    assert "催办" in harness.sent(STEWARDS)[-1].text
    assert "chased" in [e.action for e in await harness.events(ticket.id)]
    # with no open ticket, the same words are a complaint of their own
    await harness.say(OWNERS, "u-b", "报修一天了还没人来修，怎么回事")
    assert (await harness.tickets())[-1].kind == "complaint"


async def test_bind_is_rate_limited_per_chat(harness: Harness) -> None:
    """Issue 18: /bind had no attempt limit. A chat gets BIND_ATTEMPTS tries an hour: then even
    the right code waits (guessing stops); another chat is not held up; an hour later it works."""
    async with harness.app.runtime.transaction() as store:
        code = await create_bind_code(store, "lxy", "owners", ["4"], harness.clock.now(), timedelta(hours=3))
    for n in range(BIND_ATTEMPTS):
        await harness.say("guess-group", "u-x", f"/bind WRONG{n:03d}")
        assert "无效" in harness.sent("guess-group")[-1].text
    await harness.say("guess-group", "u-x", f"/bind {code.code}")
    assert harness.sent("guess-group")[-1].text == "本群尝试绑定次数过多，请 60 分钟后再试。"
    await harness.say("other-group", "u-y", "/bind WRONG999")
    assert "无效" in harness.sent("other-group")[-1].text
    harness.clock.advance(BIND_WINDOW + timedelta(minutes=1))
    await harness.say("guess-group", "u-x", f"/bind {code.code}")
    assert "绿溪园" in harness.sent("guess-group")[-1].text
