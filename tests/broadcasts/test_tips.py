"""The weekly safety tip: once a week per owner group on the calendar's cadence, the month's
theme first, never a repeat within the no-repeat period, overridable per community."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.broadcasts.tips import TipLibrary
from nlp.classifier import Classifier
from storage.broadcasts.models import TipDelivery
from tests.broadcasts.conftest import SHANGHAI, Rig, community_block

MONDAY_NINE = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


async def test_each_owner_group_gets_the_months_tip_on_monday_at_ten(
    engine: AsyncEngine, db_url: str, classifier: Classifier
) -> None:
    rig = Rig(engine, db_url, classifier, start=MONDAY_NINE)
    await rig.start()
    await rig.tick()  # the tip schedules appear, starting now
    assert [(s.kind, s.cron, s.timezone) for s in await rig.schedules()] == [
        ("tips", "0 10 * * 1", "Asia/Shanghai"),
        ("tips", "0 10 * * 1", "Asia/Hong_Kong"),
    ]
    assert rig.sent("lxy-owners-1") == []
    rig.at(datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI))
    await rig.tick()
    await rig.tick()
    library = TipLibrary.load()
    for chat in ("lxy-owners-1", "lxy-owners-2"):
        [tip] = rig.texts(chat)
        assert tip.startswith("💡 安全小贴士 · 燃气安全\n")  # November: gas
        assert any(tip.endswith(t.hans) for t in library.by_theme("gas"))
    [hk] = rig.texts("hbhy-owners")
    assert hk.startswith("💡 安全小貼士 · 燃氣安全\n")
    assert any(hk.endswith(t.hant) for t in library.by_theme("gas"))
    assert rig.sent("lxy-stewards") == []  # owner groups only


async def test_thirteen_weeks_without_a_repeat_and_a_missed_week_is_skipped(
    engine: AsyncEngine, db_url: str, classifier: Classifier
) -> None:
    rig = Rig(engine, db_url, classifier, start=MONDAY_NINE)
    await rig.start()
    await rig.tick()
    slot = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
    for week in range(13):  # 13 weeks < 90 days
        rig.at(slot + timedelta(weeks=week, minutes=week))  # a little late some weeks: within grace
        await rig.tick()
    deliveries = [d for d in await rig.all(TipDelivery) if d.tip_id != "-"]
    by_chat: dict[int, list[str]] = {}
    for d in deliveries:
        by_chat.setdefault(d.chat_id, []).append(d.tip_id)
    assert len(by_chat) == 3
    for tips in by_chat.values():
        assert len(tips) == 13
        assert len(set(tips)) == 13
    assert len(rig.sent("lxy-owners-1")) == 13

    # The bot is down over the next Monday 10:00 and back at 11:00: that week has no tip.
    rig.at(slot + timedelta(weeks=13, hours=1))
    await (await rig.restart()).tick()
    assert len(rig.sent("lxy-owners-1")) == 13


async def test_a_first_start_after_the_slot_owes_nothing_and_tips_can_be_paused(
    engine: AsyncEngine, db_url: str, classifier: Classifier
) -> None:
    rig = Rig(engine, db_url, classifier, start=datetime(2026, 11, 23, 10, 5, tzinfo=SHANGHAI))
    await rig.start()
    await rig.tick()
    assert rig.sent("lxy-owners-1") == []
    await rig.say("lxy-supervisors", "li", "/notice list")
    assert "S1 每周一 10:00 · 运行中 · 全体 · 安全小贴士" in rig.last("lxy-supervisors")
    await rig.say("lxy-supervisors", "li", "/notice pause S1")
    rig.at(datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI))
    await rig.tick()
    assert rig.sent("lxy-owners-1") == []
    assert len(rig.sent("hbhy-owners")) == 1  # the other community's tips go on


async def test_a_community_file_can_move_or_turn_off_its_tips(
    engine: AsyncEngine, db_url: str, classifier: Classifier, tmp_path: Path
) -> None:
    path = tmp_path / "tips.toml"
    path.write_text(
        community_block("sh", "春江苑", "Asia/Shanghai", "zh-Hans", extra="tips = { enabled = false }")
        + community_block(
            "tp",
            "松山苑",
            "Asia/Taipei",
            "zh-Hant-TW",
            extra='tips = { cadence = { weekday = "wednesday", time = "18:30", every_weeks = 2 }, months = { 12 = "anti_fraud" } }',
        ),
        encoding="utf-8",
    )
    taipei = ZoneInfo("Asia/Taipei")
    rig = Rig(engine, db_url, classifier, community_file=path, start=MONDAY_NINE)
    await rig.start()
    await rig.tick()
    [schedule] = await rig.schedules()
    assert (schedule.cron, schedule.timezone) == ("30 18 * * 3", "Asia/Taipei")
    # 2026-11-25 is in an odd week counted from 2024-01-01: every other week skips it.
    rig.at(datetime(2026, 11, 25, 18, 30, tzinfo=taipei))
    await rig.tick()
    rig.at(datetime(2026, 12, 2, 18, 30, tzinfo=taipei))
    await rig.tick()
    sent = rig.texts("tp-owners-1")
    assert len(sent) == 1
    assert sent[0].startswith("💡 安全小貼士 · 防詐騙\n")  # the community's December theme
    assert rig.sent("sh-owners-1") == []


async def test_a_community_has_one_tips_schedule_even_when_two_starts_create_it(
    engine: AsyncEngine, db_url: str, classifier: Classifier
) -> None:
    """Issue 18: two processes starting together each found no tips schedule and created one,
    so every tip went out twice. Both may decide to create it; the database keeps one (the
    second start's insert does nothing), and a third start's sync finds it."""
    rig = Rig(engine, db_url, classifier, start=MONDAY_NINE)
    await rig.start()
    await rig.tick()
    before = [(s.community_id, s.kind) for s in await rig.schedules()]
    values = {
        "status": "active",
        "cron": "0 10 * * 1",
        "timezone": "Asia/Shanghai",
        "buildings": [],
        "body": "",
        "text": "",
        "urgent": False,
        "created_at": MONDAY_NINE,
        "created_by": "calendar",
        "last_run_at": MONDAY_NINE,
    }
    community_id = before[0][0]
    for _ in range(2):  # two starts that each saw no schedule
        async with rig.app.runtime.transaction() as store:
            assert not await store.broadcasts.add_tips_schedule({**values, "community_id": community_id})
    await rig.tick()
    after = [(s.community_id, s.kind) for s in await rig.schedules()]
    assert after == before
    assert len({c for c, kind in after if kind == "tips"}) == len([k for _, k in after if k == "tips"])
