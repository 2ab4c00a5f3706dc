"""Issue 18: everything a supervisor touches is scoped to their community.

Two communities of the example file: 绿溪园 (lxy) has a ticket, a scheduled notice, a recurring
schedule and an outage; 海滨花园 (hbhy) has its own supervisor. For every staff command and
button that names an object, the hbhy supervisor acting on lxy's object must get exactly the
answer a missing object gets (the reference aside), and lxy's object must be unchanged. The
lxy supervisor, for contrast, reaches them (the test would pass vacuously otherwise), and an
admin (company-wide) keeps access.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from storage.broadcasts.models import Broadcast, BroadcastSchedule, Outage
from storage.tickets.models import Ticket
from tests.harness import Harness

A_CHAT, A_BOSS = "lxy-supervisors", "li"
B_CHAT, B_BOSS = "hbhy-supervisors", "cheung"
TICKET = "BX-20261123-0001"
MISSING_TICKET = "BX-20261123-0999"

# (what B types about A's object, the same about a missing one)
COMMANDS = [
    (f"/ticket {TICKET}", f"/ticket {MISSING_TICKET}"),
    (f"/accept {TICKET}", f"/accept {MISSING_TICKET}"),
    (f"/progress {TICKET} 已联系师傅", f"/progress {MISSING_TICKET} 已联系师傅"),
    (f"/resolve {TICKET}", f"/resolve {MISSING_TICKET}"),
    (f"/transfer {TICKET} @何姑娘", f"/transfer {MISSING_TICKET} @何姑娘"),
    (f"/assign {TICKET} @何姑娘", f"/assign {MISSING_TICKET} @何姑娘"),
    (f"/cancel {TICKET} 重复报修", f"/cancel {MISSING_TICKET} 重复报修"),
    ("/notice status N1", "/notice status N999"),
    ("/notice cancel N1", "/notice cancel N999"),
    ("/notice pause N1", "/notice pause N999"),
    ("/notice resume N1", "/notice resume N999"),
    ("/notice status S1", "/notice status S999"),
    ("/notice pause S1", "/notice pause S999"),
    ("/notice delete S1", "/notice delete S999"),
    ("/outage status T1", "/outage status T999"),
    ("/outage restored T1", "/outage restored T999"),
    ("/outage cancel T1", "/outage cancel T999"),
]


def normalised(text: str) -> str:
    """An answer with its reference taken out (N1 / N999, the ticket numbers)."""
    text = text.replace(TICKET, "<ref>").replace(MISSING_TICKET, "<ref>")
    return re.sub(r"\b([NST])\d+\b", r"\1<n>", text)


async def setup_lxy(h: Harness) -> None:
    await h.say("lxy-owners-1", "u-owner", "3栋厨房水管漏水了，麻烦派人来修")
    await h.say(A_CHAT, A_BOSS, "/notice 明天 10:00 电梯保养，请业主合理安排出行。")
    await press_last(h, A_CHAT, "bc:ok:", A_BOSS)
    await h.say(A_CHAT, A_BOSS, "/notice 每周一 09:00 每周例行消防巡查")
    await press_last(h, A_CHAT, "bc:ok:", A_BOSS)
    await h.say(A_CHAT, A_BOSS, "/outage water 全体 明天 09:00-17:00 管道维修")
    await press_last(h, A_CHAT, "bc:ok:", A_BOSS)


async def press_last(h: Harness, chat: str, prefix: str, user: str) -> None:
    for message in reversed(h.sent(chat)):
        for row in message.outgoing.buttons if message.outgoing else ():
            for button in row:
                if button.data.startswith(prefix):
                    await h.press(chat, message, button.data, user)
                    return
    raise AssertionError(f"no {prefix} button in {chat}: {[m.text[:40] for m in h.sent(chat)]}")


async def state(h: Harness) -> list[tuple[object, ...]]:
    models: tuple[type[Any], ...] = (Ticket, Broadcast, BroadcastSchedule, Outage)
    rows: list[tuple[object, ...]] = []
    async with h.app.sessions() as session:
        for model in models:
            for row in (await session.scalars(select(model).order_by(model.id))).all():
                rows.append((model.__name__, row.id, row.status, getattr(row, "assignee_id", None)))
    return rows


async def answer(h: Harness, chat: str, user: str, text: str) -> str:
    before = len(h.sent(chat))
    await h.say(chat, user, text)
    replies = h.sent(chat)[before:]
    assert replies, f"{text!r}: no answer"
    return "\n".join(m.text for m in replies)


@pytest.mark.slow
async def test_a_supervisor_of_another_community_gets_what_a_missing_object_gets(harness: Harness) -> None:
    await setup_lxy(harness)
    objects = await state(harness)
    assert ("Ticket", 1, "assigned", objects[0][3]) == objects[0]
    assert {o[0] for o in objects} == {"Ticket", "Broadcast", "BroadcastSchedule", "Outage"}
    leaks: list[str] = []
    for theirs, missing in COMMANDS:
        got = await answer(harness, B_CHAT, B_BOSS, theirs)
        expected = await answer(harness, B_CHAT, B_BOSS, missing)
        if normalised(got) != normalised(expected):
            leaks.append(f"{theirs!r}: {got[:80]!r} vs {expected[:80]!r}")
    assert leaks == [], "\n".join(leaks)
    assert await state(harness) == objects  # nothing of lxy's changed

    # Buttons carrying lxy's ids, pressed in hbhy's chats.
    message = harness.sent(B_CHAT)[-1]
    for data, missing in (
        ("t:accept:1", "t:accept:999"),
        ("t:resolve:1", "t:resolve:999"),
        ("tk:none:1", "tk:none:999"),
        ("rp:pub:1:2026-11", "rp:pub:999:2026-11"),
    ):
        answers = []
        for each in (data, missing):
            toasts = len(harness.channel.toasts(B_CHAT))
            await harness.press(B_CHAT, message, each, B_BOSS)
            answers.append([t.text for t in harness.channel.toasts(B_CHAT)[toasts:]])
        assert answers[0] == answers[1], (data, answers)
    assert await state(harness) == objects

    # The lxy supervisor does reach them: the comparison above is not vacuous.
    assert "N1" in await answer(harness, A_CHAT, A_BOSS, "/notice status N1")
    assert "找不到" not in await answer(harness, A_CHAT, A_BOSS, f"/ticket {TICKET}")
