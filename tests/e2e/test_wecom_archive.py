"""`steward wecom import-archive` as a subprocess: good records go through the intake (tickets,
log), commands and robot mentions are not replayed, recalls are ignored, bad lines are named by
number and skipped, a re-import finds only duplicates; the running Steward sends the replies."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app.settings import ROOT
from nlp.classifier import Classifier
from storage.db import create_engine
from storage.messages.models import MessageLog
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket
from tests.e2e.test_run import migrated_sqlite, run_cli, steward_env
from tests.e2e.world import (
    OWNERS_KEY,
    WECOM_OWNERS,
    WeComParty,
    World,
    eventually,
    fast_settings,
    wecom_settings,
    write_community,
)
from tests.fakes.wecom_api import FakeWeComAPI

# Each test runs `steward` as a subprocess: seconds each (`make test-fast` leaves them out).
pytestmark = pytest.mark.slow


def record(
    msgid: str, text: str, *, sender: str = "wmOwnerZhang", age_hours: float = 0.0, **extra: object
) -> str:
    data = {
        "msgid": msgid,
        "action": "send",
        "from": sender,
        "tolist": ["wangguanjia"],
        "roomid": WECOM_OWNERS,
        "msgtime": int((time.time() - age_hours * 3600) * 1000),
        "msgtype": "text",
        "text": {"content": text},
        **extra,
    }
    return json.dumps(data, ensure_ascii=False)


def archive_lines() -> list[str]:
    return [
        record("a-1", "3栋电梯坏了，困在里面出不来"),  # 1 imported: a ticket
        record("a-2", "5栋楼道的灯坏了好几天了，麻烦派人修一下", sender="wmOwnerLi"),  # 2 imported: a ticket
        "{not json",  # 3 bad
        json.dumps(
            {"msgid": "a-3", "action": "recall", "from": "wmOwnerLi", "msgtime": 1, "msgtype": "revoke"}
        ),  # 4
        record("a-4", "/my"),  # 5 command: skipped
        record("a-5", "@物业管家 2栋水管爆了"),  # 6 answered live by the robot: skipped
        json.dumps(
            {"action": "send", "from": "x", "msgtime": 1, "msgtype": "text", "text": {"content": "x"}}
        ),  # 7
        record("a-1", "3栋电梯坏了，困在里面出不来"),  # 8 the same msgid again: a duplicate
        record("a-6", "6栋门禁坏了", age_hours=72),  # 9 too old: skipped
        "",  # blank: not a line
        record("a-7", "谢谢物业的师傅"),  # 11 imported: logged, no ticket
    ]


async def import_archive(path: Path, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "wecom",
        "import-archive",
        str(path),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_import_archive_from_the_cli(tmp_path: Path, classifier: Classifier) -> None:
    api = FakeWeComAPI()
    await api.start()
    try:
        community = write_community(tmp_path / "community.toml", WeComParty.chats())
        db_url = await migrated_sqlite(tmp_path / "steward.db")
        archive = tmp_path / "archive.jsonl"
        archive.write_text("\n".join(archive_lines()) + "\n", encoding="utf-8")
        env = steward_env(database_url=db_url, community_file=str(community), wecom_robot_name="物业管家")

        code, out, err = await import_archive(archive, env)
        assert code == 1, err  # bad lines make the exit status 1 (the rest was imported)
        assert "Traceback" not in err
        summary = out.splitlines()
        assert summary[0] == (
            f"{archive}: 10 lines, 3 imported, 1 duplicates, 4 skipped (1 commands, 1 older than --max-age, "
            "1 recall/switch, 1 robot mentions (answered live)), 2 bad"
        )
        assert summary[1] == "  line 3: not JSON"
        assert summary[2].startswith("  line 7: ")

        engine = create_engine(db_url)
        try:
            async with engine.connect() as conn:
                tickets = (await conn.execute(select(Ticket.number, Ticket.building))).all()
                logged = await conn.scalar(select(func.count()).select_from(MessageLog))
                queued = (
                    await conn.execute(select(OutboxMessage.platform_chat_id, OutboxMessage.status))
                ).all()
            assert sorted(str(b) for _, b in tickets) == ["3", "5"]
            assert logged == 3
            assert (WECOM_OWNERS, "pending") in queued  # acks wait for the running Steward

            code, out, _ = await import_archive(archive, env)  # again: nothing new
            assert code == 1
            assert ", 0 imported, 4 duplicates, 4 skipped" in out.splitlines()[0]
            async with engine.connect() as conn:
                assert len((await conn.execute(select(Ticket.id))).all()) == 2
                assert await conn.scalar(select(func.count()).select_from(MessageLog)) == 3

            code, out, _ = await run_cli("wecom", "chats", env={**env, "COLUMNS": "200"})
            assert code == 0
            [owners] = [line for line in out.splitlines() if WECOM_OWNERS in line]
            assert "owners" in owners
            assert "lxy" in owners

            # The running Steward (here in-process) sends what the import queued.
            settings = fast_settings(db_url, community, **wecom_settings(api))
            world = World(settings, engine, classifier)
            await world.start()
            try:
                numbers = [n for n, _ in tickets]
                await eventually(
                    lambda: all(any(n in r.content for r in api.sent(OWNERS_KEY)) for n in numbers),
                    what="the acks of the imported reports",
                )
            finally:
                await world.stop()
        finally:
            await engine.dispose()
    finally:
        await api.close()
