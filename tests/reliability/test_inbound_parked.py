"""An update that keeps failing is parked, not lost (docs/RELIABILITY.md, "Inbound").

`steward run` as a process against the fake Bot API, on SQLite and PostgreSQL. A steward's
`/report` fails for real (the report directory is a file), is retried, and after the last
try is parked: the steward hears the apology, the admin is told privately; `steward inbox
failed` lists it, and once the directory is mended `steward inbox retry ID` replays it: the
report arrives, once.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_run import run_cli
from tests.e2e.world import eventually
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.reliability.conftest import StewardFactory
from tests.reliability.inbound import Books, until

pytestmark = pytest.mark.slow


async def test_a_parked_update_is_listed_replayed_and_the_admins_are_told(
    fake: FakeTelegramAPI, database: str, steward_at: StewardFactory, tmp_path: Path
) -> None:
    blocked = tmp_path / "reports"
    blocked.write_text("a file where the report directory should be", encoding="utf-8")
    admin = fake.add_user("管理员")
    private = fake.add_private(admin)
    steward = steward_at(
        database, report_dir=str(blocked), inbox_max_failures="3", admins=f"telegram:{admin.id}"
    )
    party = steward.party
    books = Books(database)
    try:
        await steward.start()
        # a period with a ticket: an empty one has no report to fail
        fake.user_says(party.owners, party.owner, "3座升降機壞咗，困住咗人，快啲嚟！")
        await eventually(lambda: fake.sent(party.stewards.id), within=30, what="the card")
        fake.user_says(party.stewards, party.steward, "/report")

        note = await eventually(lambda: fake.sent(private.id), within=30, what="the admins told")
        row_id = int(re.findall(r"steward inbox retry (\d+)", note[0].text or "")[0])
        assert "失敗 3 次" in (note[0].text or "")  # in Traditional: the admin is on Telegram
        assert "NotADirectoryError" in (note[0].text or "") or "FileExistsError" in (note[0].text or "")
        assert (await books.inbox()) == {"done": 1, "failed": 1}  # the owner's report, the /report
        apology = await eventually(
            lambda: [m for m in fake.sent(party.stewards.id) if "系统开小差" in (m.text or "")],
            within=10,
            what="the apology",
        )
        assert len(apology) == 1
        assert "Traceback" not in (apology[0].text or "")

        env = {**steward.env(), "COLUMNS": "200"}
        code, out, log = await run_cli("inbox", "failed", env=env)
        assert code == 0, log
        [line] = [line for line in out.splitlines() if f"│ {row_id} " in line]
        assert "telegram" in line
        assert str(party.stewards.id) in line
        assert "command" in line
        assert "NotADirectoryError" in line or "FileExistsError" in line

        blocked.unlink()  # mended; the running steward takes the replay
        code, out, log = await run_cli("inbox", "retry", str(row_id), env=env)
        assert code == 0, log
        assert f"sent back: {row_id}" in out
        await until(lambda: _all_done(books), within=30, what="the replay handled")
        report = await eventually(
            lambda: fake.calls_of("sendPhoto", chat_id=party.stewards.id), within=30, what="the report"
        )
        assert len(report) == 1
        code, out, _ = await run_cli("inbox", "failed", env=env)
        assert "no parked updates" in out
        assert await steward.terminate() == 0, steward.log
    finally:
        await books.close()
    assert len(fake.sent(private.id)) == 1  # told once


async def _all_done(books: Books) -> bool:
    return await books.inbox() == {"done": 2}
