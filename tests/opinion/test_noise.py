"""Alerts a supervisor would not mute: a flood is one note (brought up to date where the
platform edits in place), a smoker's smoke is not a fire for management."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.opinion.conftest import MANAGEMENT, OWNERS, SUPERVISORS, TG_SUPERVISORS, OpinionHarness
from tests.opinion.test_alerts import COLLECTIVE, REPEAT


@pytest.mark.parametrize("settings", [{"opinion_spike_min_count": 100}])
@pytest.mark.parametrize("telegram", [True])
async def test_a_flood_of_repeats_is_one_note_brought_up_to_date(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-zhang", COLLECTIVE)
    [alert] = await oh.alerts()
    [card] = oh.cards(SUPERVISORS)
    [tg_card] = oh.telegram.sent_to(TG_SUPERVISORS)
    for n in range(12):  # twelve owners in five seconds
        oh.clock.advance(timedelta(milliseconds=400))
        await oh.say(OWNERS, f"u-{n}", REPEAT)
    assert (await oh.alerts())[0].folded == 12
    # the chat without edits: the card and one note (milestones 3, 5 and 10 came seconds later)
    [note] = [m for m in oh.sent(SUPERVISORS) if m is not card]
    assert note.text.startswith(f"🔁 预警 #{alert.id}（电梯）又有 1 条相关消息")
    # the chat that edits in place: one new note too, then that note and the card edited
    tg = oh.telegram.sent_to(TG_SUPERVISORS)
    new = [m for m in tg if m.outgoing is not None and m.outgoing.edit_of is None]
    assert new[0] is tg_card
    assert len(new) == 2
    tg_note = new[1]
    note_edits = [m for m in tg if m.outgoing is not None and m.outgoing.edit_of == tg_note.message_id]
    assert [m.text.splitlines()[0] for m in note_edits] == [
        f"🔁 预警 #{alert.id}（电梯）又有 {n} 条相关消息" for n in (3, 5, 10)
    ]
    card_edits = [m for m in tg if m.outgoing is not None and m.outgoing.edit_of == tg_card.message_id]
    assert card_edits[-1].text.endswith("🔁 此后又有 10 条相关消息")

    # after a quiet while, the next milestone is a note of its own again
    oh.clock.advance(timedelta(minutes=15))
    for n in range(12, 20):
        await oh.say(OWNERS, f"u-{n}", REPEAT)
    notes = [m for m in oh.sent(SUPERVISORS) if m is not card]
    assert [m.text.splitlines()[0] for m in notes][-1] == f"🔁 预警 #{alert.id}（电梯）又有 20 条相关消息"
    assert len(notes) == 2


@pytest.mark.parametrize("management", [True])
async def test_stairwell_smoking_is_not_a_crisis_for_management(oh: OpinionHarness) -> None:
    await oh.say(OWNERS, "u-a", "有人在楼梯间抽烟，整个楼道都是烟")
    await oh.say(OWNERS, "u-b", "楼梯间有烟，又有人抽烟")
    assert all(a.tier < 3 for a in await oh.alerts())
    assert oh.sent(MANAGEMENT) == []
    # smoke with a fire is still one
    await oh.say(OWNERS, "u-c", "楼道着火了，整个楼道都是烟")
    assert [a.tier for a in await oh.alerts()] == [3]
    assert len(oh.cards(MANAGEMENT)) == 1
