"""`steward notice send` and `steward outage announce` build their requests from their options,
each read for what it is, not joined into a chat command and parsed again: a building list
with a space, say, reaches every building it names and leaves the text alone."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app.settings import Settings
from bot.cli.broadcasts import broadcast, notice_request, outage_request
from bot.cli.main import build_parser
from bot.core.errors import DomainError
from handlers.broadcasts.request import Target, WallTime, parse_notice
from tests.broadcasts.conftest import EXAMPLE

TODAY = date(2026, 11, 23)


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def refused(key: str, build: Callable[[], object]) -> None:
    with pytest.raises(DomainError) as caught:
        build()
    assert caught.value.key == key


def test_a_building_list_with_a_space_reaches_every_building_and_keeps_the_text() -> None:
    args = parse("notice", "send", "--community", "lxy", "--buildings", "3, 5", "周六", "电梯保养")
    request = notice_request(args, TODAY)
    assert request.target == Target("buildings", ("3", "5"))
    assert request.text == "周六 电梯保养"
    # What the old command line did: the words joined into a chat command read 「5」 as the
    # start of the text, so building 5 was left out and owners read 「5 -- 周六 电梯保养」.
    joined = parse_notice("--to b:3, 5 -- 周六 电梯保养", TODAY)
    assert (joined.target, joined.text) == (Target("buildings", ("3",)), "5 -- 周六 电梯保养")


def test_notice_options_are_read_for_what_they_are() -> None:
    request = notice_request(
        parse("notice", "send", "--community", "lxy", "--at", "2026-11-25 09:00", "--urgent", "停车场划线"),
        TODAY,
    )
    assert request.target == Target()
    assert request.at == WallTime(time(9, 0), day=date(2026, 11, 25))
    assert request.urgent
    assert request.community is None  # --community is the sender's community, looked up apart
    every = notice_request(
        parse("notice", "send", "--all-communities", "--every", "0 9 * * 1", "--template", "周报"), TODAY
    )
    assert every.target == Target("every")
    assert (every.cron, every.template, every.text) == ("0 9 * * 1", "周报", "")
    tomorrow = notice_request(parse("notice", "send", "--community", "lxy", "--at", "明天 09:00", "x"), TODAY)
    assert tomorrow.at == WallTime(time(9, 0), days_ahead=1)
    dashed = notice_request(parse("notice", "send", "--community", "lxy", "--", "--不是选项"), TODAY)
    assert dashed.text == "--不是选项"


def test_bad_notice_options_are_refused_with_the_chat_wording() -> None:
    refused("bc.err.no_text", lambda: notice_request(parse("notice", "send", "--community", "lxy"), TODAY))
    refused(
        "bc.err.time",
        lambda: notice_request(parse("notice", "send", "--community", "lxy", "--at", "明天", "x"), TODAY),
    )
    refused(
        "bc.err.time",
        lambda: notice_request(
            parse("notice", "send", "--community", "lxy", "--at", "09:00 多出来的", "x"), TODAY
        ),
    )
    refused(
        "bc.err.cron",
        lambda: notice_request(
            parse("notice", "send", "--community", "lxy", "--every", "0 25 * * *", "x"), TODAY
        ),
    )
    refused(
        "bc.err.too_often",
        lambda: notice_request(
            parse("notice", "send", "--community", "lxy", "--every", "*/5 * * * *", "x"), TODAY
        ),
    )
    often = parse("notice", "send", "--community", "lxy", "--every", "*/5 * * * *", "--often", "x")
    assert notice_request(often, TODAY).cron == "*/5 * * * *"
    refused(
        "bc.err.buildings",
        lambda: notice_request(
            parse("notice", "send", "--community", "lxy", "--buildings", "3-", "x"), TODAY
        ),
    )


def test_outage_options_are_read_for_what_they_are() -> None:
    base = ("outage", "announce", "--community", "lxy", "--utility", "water")
    request = outage_request(
        parse(*base, "--buildings", "3-5", "--date", "2026-11-25", "--time", "09:00-24:00", "管道", "维修"),
        TODAY,
    )
    assert request.target == Target("buildings", ("3", "4", "5"))
    assert (request.day, request.days_ahead) == (date(2026, 11, 25), None)
    assert (request.start, request.end) == (time(9, 0), time(0, 0))
    assert (request.utility, request.reason, request.urgent) == ("water", "管道 维修", False)
    tomorrow = outage_request(parse(*base, "--date", "明天", "--time", "07:00-09:00", "--urgent"), TODAY)
    assert (tomorrow.target, tomorrow.day, tomorrow.days_ahead) == (Target(), None, 1)
    assert tomorrow.urgent
    refused(
        "bc.err.date",
        lambda: outage_request(parse(*base, "--date", "2026-02-30", "--time", "09:00-17:00"), TODAY),
    )
    refused(
        "bc.err.date", lambda: outage_request(parse(*base, "--date", "下周", "--time", "09:00-17:00"), TODAY)
    )
    refused(
        "bc.err.outage_span", lambda: outage_request(parse(*base, "--date", "明天", "--time", "09:00"), TODAY)
    )


async def test_the_command_line_sends_to_every_building_it_lists(
    engine: AsyncEngine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=db_url, community_file=EXAMPLE, broadcast_quiet_hours="off")
    code = await broadcast(
        settings,
        parse("notice", "send", "--community", "lxy", "--buildings", "1, 4", "--yes", "电梯保养通知"),
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "目标：绿溪园 · 1、4栋业主群（2个群）" in out
    assert "N1 已发出：绿溪园，2个业主群" in out

    day = (datetime.now(UTC) + timedelta(days=3)).date()  # the command line runs on the real clock
    code = await broadcast(
        settings,
        parse(
            "outage", "announce", "--community", "lxy", "--utility", "water", "--buildings", "3, 5",
            "--date", f"{day:%Y-%m-%d}", "--time", "09:00-17:00", "--yes", "管道维修",
        ),
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0, out
    assert "目标：绿溪园 · 3、5栋业主群（2个群）" in out
    assert "停水通知 T1 已发布（2个业主群）" in out

    code = await broadcast(settings, parse("notice", "status", "N1"))
    assert "目标群：2 · 已送达：0 · 失败：0 · 待发送：2" in capsys.readouterr().out


async def test_a_command_line_mistake_is_one_line_in_the_chat_wording(
    engine: AsyncEngine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=db_url, community_file=EXAMPLE)
    code = await broadcast(settings, parse("notice", "send", "--community", "lxy", "--buildings", "7", "x"))
    assert code == 2
    assert capsys.readouterr().err == "steward: 绿溪园没有 7。本小区的楼栋：1、2、3、4、5、6。\n"
    code = await broadcast(settings, parse("notice", "cancel", "N9"))
    assert code == 2
    assert capsys.readouterr().err == "steward: 找不到 N9。\n"
