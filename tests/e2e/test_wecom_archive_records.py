"""WeCom end to end: what the chat-archive import does with the records of issue 19.

The import runs in-process through the running app's entry point (as `steward wecom
import-archive` does, without a subprocess), so it runs on SQLite and PostgreSQL:
- a `mixed` record (text and a photo) keeps its text and opens a ticket;
- an imported message's SLA clock starts when the owner wrote it, not at the import;
- what a robot said (its sender id) is not imported, nor a mention of any robot's name;
- a direct chat (an owner and a steward) is not stored at all.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.adapters.wecom.archive_import import (
    SKIP_MENTION,
    SKIP_PRIVATE,
    SKIP_ROBOT,
    ImportSummary,
    import_archive,
)
from storage.messages.models import MessageLog
from tests.e2e.conftest import WeComFactory, WeComWorld
from tests.e2e.test_wecom import containing
from tests.e2e.world import STEWARDS_KEY, WECOM_OWNERS, eventually

ROBOT_IDS = "wbStewardBot,wbOtherBot"
ROBOT_NAMES = "物业管家,小管家"


def record(
    msgid: str,
    written: datetime,
    body: dict[str, object],
    *,
    sender: str = "wmOwnerZhang",
    room: str = WECOM_OWNERS,
) -> str:
    data: dict[str, object] = {
        "msgid": msgid,
        "action": "send",
        "from": sender,
        "tolist": ["wangguanjia"],
        "roomid": room,
        "msgtime": int(written.timestamp() * 1000),
        **body,
    }
    return json.dumps(data, ensure_ascii=False)


def text(content: str) -> dict[str, object]:
    return {"msgtype": "text", "text": {"content": content}}


async def run_import(wc: WeComWorld, path: Path, lines: list[str]) -> ImportSummary:
    await asyncio.to_thread(path.write_text, "\n".join(lines) + "\n", encoding="utf-8")
    app = wc.world.app
    return await import_archive(
        app.handle,
        app.handled_before,
        path,
        now=datetime.now(UTC),
        robot_names=wc.world.settings.robot_names,
        robot_ids=wc.world.settings.robot_ids,
        max_age_hours=24,
    )


async def start(wecom_world: WeComFactory) -> WeComWorld:
    return await wecom_world(wecom_robot_names=ROBOT_NAMES, wecom_robot_ids=ROBOT_IDS)


async def test_a_mixed_record_keeps_its_text_and_opens_a_ticket(
    wecom_world: WeComFactory, tmp_path: Path
) -> None:
    wc = await start(wecom_world)
    now = datetime.now(UTC)
    mixed: dict[str, object] = {
        "msgtype": "mixed",
        "mixed": {
            "item": [
                {
                    "type": "text",
                    "content": json.dumps(
                        {"content": "7栋3单元门口的路灯坏了，晚上很黑，麻烦修一下"}, ensure_ascii=False
                    ),
                },
                {
                    "type": "image",
                    "content": json.dumps({"md5sum": "abc", "filesize": 1024, "sdkfileid": "F1"}),
                },
            ]
        },
    }
    summary = await run_import(wc, tmp_path / "a.jsonl", [record("m-1", now - timedelta(minutes=5), mixed)])
    assert summary.imported == 1
    [ticket] = await wc.world.wait_for_tickets(1)
    assert ticket.building == "7"
    assert "路灯" in ticket.summary
    await eventually(lambda: containing(wc.party.api.sent(STEWARDS_KEY), ticket.number), what="the card")


async def test_an_imported_message_s_clock_starts_when_it_was_written(
    wecom_world: WeComFactory, tmp_path: Path
) -> None:
    wc = await start(wecom_world)
    written = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2, minutes=43)
    flood = text("2栋地下室水管爆了，水漫出来了，很急！")
    await run_import(wc, tmp_path / "a.jsonl", [record("f-1", written, flood)])
    [ticket] = await wc.world.wait_for_tickets(1)
    assert ticket.priority == "urgent"
    assert ticket.sla_started_at is not None
    assert ticket.respond_due_at is not None
    started = ticket.sla_started_at.replace(tzinfo=ticket.sla_started_at.tzinfo or UTC)
    due = ticket.respond_due_at.replace(tzinfo=ticket.respond_due_at.tzinfo or UTC)
    assert abs(started - written) < timedelta(seconds=1)  # the owner's time, not the import's
    assert due - started == timedelta(minutes=15)  # the urgent window, counted from there
    assert due < datetime.now(UTC)  # so it has run out already


async def test_robots_own_records_mentions_and_direct_chats_are_not_imported(
    wecom_world: WeComFactory, tmp_path: Path
) -> None:
    wc = await start(wecom_world)
    now = datetime.now(UTC)
    card = "新工单 BX-20261123-0001（报修·3栋）\n业主：张**\n「3栋厨房水管漏水」\n1. @物业管家 接单 BX-20261123-0001"
    lines = [
        # our robot's own card, and another robot's message
        record("r-1", now - timedelta(minutes=9), text(card), sender="wbStewardBot"),
        record("r-2", now - timedelta(minutes=8), text("3栋电梯坏了已报修"), sender="wbOtherBot"),
        # a mention of the second robot: its callback delivered it live
        record("r-3", now - timedelta(minutes=7), text("@小管家 5栋电梯坏了，困住人了")),
        # an owner's private chat with a steward
        record(
            "r-4",
            now - timedelta(minutes=6),
            text("王师傅，我家3栋2单元1302厨房水管漏水，电话13800001111"),
            room="",
        ),
        # an ordinary group message
        record("r-5", now - timedelta(minutes=5), text("大家好，今天天气不错")),
    ]
    summary = await run_import(wc, tmp_path / "a.jsonl", lines)
    assert summary.imported == 1
    assert summary.skipped == {SKIP_ROBOT: 2, SKIP_MENTION: 1, SKIP_PRIVATE: 1}
    assert await wc.world.tickets() == []
    async with wc.world.app.sessions() as session:
        logged = (await session.execute(select(MessageLog.platform_message_id, MessageLog.text))).all()
    assert [m for m, _ in logged] == ["r-5"]
    assert not any("1302" in t or "13800001111" in t for _, t in logged)
