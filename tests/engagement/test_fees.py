"""Fee reminders: `steward fees import` (idempotent, bad lines by number), then reminders only
in the owner's private chat (a friendly one a week before the period, a formal one at 1-3
months overdue), cases and owners without a private chat listed for the stewards (masked, no
amounts), the owner's 「已缴」 / 「有异议」 passed to the stewards, and the collection rate."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from handlers.engagement import FeeService
from handlers.engagement.jobs import JOB_ID
from storage.engagement.models import FeeAccount, FeeReminder
from tests.harness import EXAMPLE, Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")
OWNERS_1, STEWARDS = "lxy-owners-1", "lxy-stewards"
GOOD = """unit,account,amount_due,months_overdue
3-2-1302,local:u-wang,"1,234.50",0
2-1-101,,2468.00,2
5-3-502,local:u-gone,800,5
4-1-101,wecom:zhang,300,1
"""
BAD = """9-1-101,,10,0
1-1-101,telegram,10,0
1-1-102,,abc,0
1-1-103,,10,x
3-2-1302,,1,0
"""


def steward_cli(url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STEWARD_DATABASE_URL": url, "STEWARD_COMMUNITY_FILE": str(EXAMPLE)}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=cwd,
        check=False,
    )


@pytest.mark.slow
async def test_fees_import_is_idempotent_and_names_bad_lines(
    engine: AsyncEngine, db_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "fees.csv"
    export.write_text(GOOD + BAD, encoding="utf-8")
    first = steward_cli(db_url, "fees", "import", str(export), "--community", "lxy", cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    assert first.stdout.strip() == "lxy: 4 new, 0 changed, 0 unchanged; 5 bad lines (not imported)"
    assert first.stderr.splitlines() == [
        f"{export}:6: unit '9-1-101': lxy has no building 9",
        f"{export}:7: account 'telegram' is not platform:user_id (telegram, wecom, local)",
        f"{export}:8: amount_due 'abc' is not an amount",
        f"{export}:9: months_overdue 'x' is not a whole number of months (0-240)",
        f"{export}:10: unit 3-2-1302 again (first on line 2)",
    ]
    assert "Traceback" not in first.stderr
    again = steward_cli(db_url, "fees", "import", str(export), "--community", "lxy", cwd=tmp_path)
    assert again.stdout.strip() == "lxy: 0 new, 0 changed, 4 unchanged; 5 bad lines (not imported)"
    export.write_text(GOOD.replace("2468.00,2", "0,0"), encoding="utf-8")
    paid = steward_cli(db_url, "fees", "import", str(export), "--community", "lxy", cwd=tmp_path)
    assert (paid.returncode, paid.stdout.strip()) == (0, "lxy: 0 new, 1 changed, 3 unchanged")
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(FeeAccount.unit, FeeAccount.amount_due).order_by(FeeAccount.unit))
        ).all()
    assert [tuple(r) for r in rows] == [
        ("2-1-101", 0),
        ("3-2-1302", 123450),
        ("4-1-101", 30000),
        ("5-3-502", 80000),
    ]
    unknown = steward_cli(db_url, "fees", "import", str(export), "--community", "nope", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "steward: unknown community 'nope'"


def fee_service(harness: Harness) -> FeeService:
    service = harness.app.scheduler.get_job(JOB_ID).args[3]
    assert isinstance(service, FeeService)
    return service


async def tick(harness: Harness) -> int:
    job = harness.app.scheduler.get_job(JOB_ID)
    done = int(await job.func(*job.args))
    await harness.app.sender.drain()
    return done


async def test_reminders_go_privately_and_answers_reach_a_steward(harness: Harness) -> None:
    await harness.say(OWNERS_1, "u-b", "/unit 2-1-101")  # 2-1-101 has no account: its member is reached
    # Only where a private chat is open: u-gone (5-3-502) and wecom:zhang (4-1-101) have none.
    for user in ("u-wang", "u-b"):
        await harness.say(user, user, "/start", private=True)
    group_said = len(harness.sent(OWNERS_1))
    async with harness.app.runtime.transaction() as uow:
        done = await fee_service(harness).import_file(uow, "lxy", GOOD, harness.clock.now())
    assert (done.new, done.bad) == (4, [])

    harness.clock.set(datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI))
    assert await tick(harness) == 0  # not before 10:00
    harness.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI))  # a week before 12-01
    assert await tick(harness) == 4
    [friendly] = [m for m in harness.sent("u-wang") if m.out.buttons]
    assert friendly.text.startswith("🔔 温馨提示：您的房屋 3栋**** 本期物业费 ¥1,234.50 将于 12-01 到期")
    assert [b.label for b in friendly.out.buttons[0]] == ["已缴", "有异议"]
    [formal] = [m for m in harness.sent("u-b") if m.out.buttons]
    assert formal.text.startswith("📄 物业费催缴通知：您的房屋 2栋**** 物业费已逾期 2 个月，欠费 ¥2,468.00")
    assert harness.channel.sent_to("u-gone") == []  # beyond 3 months: a case for staff, not a notice
    assert len(harness.sent(OWNERS_1)) == group_said  # never a group
    staff = [m.text for m in harness.sent(STEWARDS)]
    cases = next(t for t in staff if t.startswith("📂"))
    assert "F3 5栋**** 逾期 5 个月" in cases
    unreached = next(t for t in staff if t.startswith("📵"))
    assert "F4 4栋**** 逾期 1 个月" in unreached  # wecom:zhang: no private chat known
    assert all("¥" not in t and "1302" not in t for t in staff)
    # Recorded once: the next tick sends nothing.
    assert await tick(harness) == 0
    async with harness.app.sessions() as session:
        kinds = sorted((r.kind, r.via) for r in (await session.scalars(select(FeeReminder))).all())
    assert kinds == [("case", "staff"), ("formal", "private"), ("formal", "staff"), ("friendly", "private")]

    # 「已缴」 pressed, 「有异议」 typed: each reaches the stewards, masked.
    await harness.channel.press("u-wang", friendly.message_id, friendly.out.buttons[0][0].data, "u-wang")
    await harness.app.sender.drain()
    assert harness.sent("u-wang")[-1].text == "已收到，管家会尽快核对，谢谢！"
    assert (
        harness.sent(STEWARDS)[-1].text
        == "💰 催缴回复 F1：3栋**** 的业主回复「已缴」，请核对缴费记录并联系业主。"
    )
    await harness.say("u-b", "u-b", "有异议", private=True)
    assert harness.sent("u-b")[-1].text == "已收到，管家会尽快核对，谢谢！"
    assert (
        harness.sent(STEWARDS)[-1].text
        == "💰 催缴回复 F2：2栋**** 的业主回复「有异议」，请核对缴费记录并联系业主。"
    )
    # Someone else's reminder cannot be answered.
    await harness.channel.press("u-b", friendly.message_id, friendly.out.buttons[0][1].data, "u-b")
    await harness.app.sender.drain()
    assert "不是发给您的" in harness.channel.toasts("u-b")[-1].text

    # The collection rate against 98 %, per building: no amounts.
    await harness.say(STEWARDS, "wang", "/fees")
    rate = harness.sent(STEWARDS)[-1].text
    assert rate.startswith("💰 绿溪园 物业费收缴率 25.0%（目标 98%）❗未达标\n住户 4 户，欠费 3 户")
    assert "\n  3栋：100.0%（0/1 户欠费）✅" in rate
    assert "\n  5栋：0.0%（1/1 户欠费）❗未达标" in rate
    # The full case only privately.
    await harness.say(STEWARDS, "wang", "/fees case F2")
    assert harness.sent(STEWARDS)[-1].text == "缴费详情只在与我的私聊中查看。"
    await harness.say("wang", "wang", "/fees case F2", private=True)
    case = harness.sent("wang")[-1].text
    assert case.startswith("💰 F2 2-1-101：欠费 ¥2,468.00，逾期 2 个月")
    assert "formal/private→有异议" in case
    await harness.say("cheung", "cheung", "/fees case F2", private=True)
    assert harness.sent("cheung")[-1].text == "沒有編號為 F2 的繳費記錄。"
