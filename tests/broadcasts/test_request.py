"""Parsing what a supervisor typed after /notice and /outage (pure)."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DomainError
from handlers.broadcasts.request import Target, WallTime, expand_buildings, parse_notice, parse_outage

TODAY = date(2026, 11, 23)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_targets_times_flags_and_text() -> None:
    request = parse_notice("3-5栋 2026-11-25 09:00 --urgent 周三上午停水\n请储水", TODAY)
    assert request.target == Target("buildings", ("3", "4", "5"))
    assert request.at == WallTime(time(9, 0), day=date(2026, 11, 25))
    assert request.urgent
    assert request.text == "周三上午停水\n请储水"
    assert parse_notice("全体 明天 08:30 文本", TODAY).at == WallTime(time(8, 30), days_ahead=1)
    assert parse_notice("所有小区 文本", TODAY).target.scope == "every"
    assert parse_notice("A-C座 文本", TODAY).target.buildings == ("A", "B", "C")
    assert parse_notice("--to b:1,3 文本", TODAY).target.buildings == ("1", "3")
    every = parse_notice("每周一三五 09:00 --template 早安 文本", TODAY)
    assert (every.cron, every.template, every.text) == ("0 9 * * 1,3,5", "早安", "文本")
    assert parse_notice('--every "30 7 * * *" 文本', TODAY).cron == "30 7 * * *"
    assert parse_notice("-- 3栋 是正文的一部分", TODAY).text == "3栋 是正文的一部分"
    assert parse_notice("12-25 10:00 圣诞活动", TODAY).at == WallTime(time(10, 0), day=date(2026, 12, 25))
    assert parse_notice("01-05 10:00 新年", TODAY).at == WallTime(time(10, 0), day=date(2027, 1, 5))


def test_a_bare_time_is_today_or_tomorrow_in_the_community_zone() -> None:
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    assert WallTime(time(9, 0)).resolve(SHANGHAI, now) == datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    assert WallTime(time(11, 0)).resolve(SHANGHAI, now) == datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)
    assert WallTime(time(9, 0), days_ahead=0).resolve(SHANGHAI, now) == datetime(
        2026, 11, 23, 9, 0, tzinfo=SHANGHAI
    )


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "bc.err.no_text"),
        ("全体 3栋 文本", "bc.err.twice"),
        ("--nope 文本", "bc.err.option"),
        ("明天 文本", "bc.err.time"),
        ("2026-13-01 09:00 文本", "bc.err.date"),
        ("09:00 每天 09:00 文本", "bc.err.at_and_every"),
        ('--every "0 9 * *" 文本', "bc.err.cron"),
        ('--every "* * * * *" 文本', "bc.err.too_often"),
        ('--every "0 9,18 * * *" 文本', "bc.err.too_often"),
        ("5-3x栋 文本", "bc.err.buildings"),
    ],
)
def test_mistakes_are_domain_errors(raw: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_notice(raw, TODAY)
    assert caught.value.key == key


def test_a_schedule_more_often_than_daily_needs_often() -> None:
    assert parse_notice('--every "0 9 * * *" 文本', TODAY).cron == "0 9 * * *"  # daily is fine
    assert parse_notice('--every "0 9 * * 1-5" 文本', TODAY).cron == "0 9 * * 1-5"
    request = parse_notice('--every "0 9,18 * * *" --often 文本', TODAY)
    assert (request.cron, request.often, request.text) == ("0 9,18 * * *", True, "文本")


def test_outage_request_and_its_window() -> None:
    request = parse_outage("water 3-5栋 2026-11-25 09:00-17:00 管道维修", TODAY)
    assert (request.utility, request.target.buildings, request.reason) == (
        "water",
        ("3", "4", "5"),
        "管道维修",
    )
    start, end = request.window(SHANGHAI, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert start == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert end == datetime(2026, 11, 25, 17, 0, tzinfo=SHANGHAI)
    overnight = parse_outage("停电 明天 23:00-05:00 线路改造", TODAY)
    assert overnight.utility == "power"
    start, end = overnight.window(SHANGHAI, datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    assert (start, end) == (
        datetime(2026, 11, 24, 23, 0, tzinfo=SHANGHAI),
        datetime(2026, 11, 25, 5, 0, tzinfo=SHANGHAI),
    )
    assert parse_outage("gas A座 11月25日 09:00-12:00", TODAY).target.buildings == ("A",)
    with pytest.raises(DomainError) as caught:
        parse_outage("3栋 2026-11-25 09:00-17:00", TODAY)
    assert caught.value.key == "bc.err.outage_utility"
    with pytest.raises(DomainError) as caught:
        parse_outage("water 3栋 2026-11-25 管道维修", TODAY)
    assert caught.value.key == "bc.err.outage_span"


def test_building_ranges() -> None:
    assert expand_buildings("1-3,5") == ("1", "2", "3", "5")
    assert expand_buildings("a-c") == ("A", "B", "C")
    assert expand_buildings("3、3、4") == ("3", "4")


@given(st.text(max_size=80))
def test_any_input_parses_or_is_a_domain_error(raw: str) -> None:
    for parse in (parse_notice, parse_outage):
        with contextlib.suppress(DomainError):
            parse(raw, TODAY)


@given(
    st.lists(
        st.sampled_from(
            [
                "全体",
                "3栋",
                "3-5栋",
                "明天",
                "09:00",
                "2026-11-25",
                "--urgent",
                "每周一",
                "--every",
                '"0 9 * * 1"',
                "文本",
                "\n",
                "--",
            ]
        ),
        max_size=8,
    )
)
def test_token_soup_parses_or_is_a_domain_error(words: list[str]) -> None:
    with contextlib.suppress(DomainError):
        parse_notice(" ".join(words), TODAY)
