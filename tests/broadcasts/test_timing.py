"""Quiet hours, cron in a community's time zone, and missed runs (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.broadcasts.timing import Cron, CronError, QuietHours, cron_from_words, describe_cron, due_runs

ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei"]


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# -- quiet hours -------------------------------------------------------------------------------------
@pytest.mark.parametrize("zone", ZONES)
def test_quiet_hours_release_at_the_end_of_the_local_night(zone: str) -> None:
    tz = ZoneInfo(zone)
    quiet = QuietHours.parse("22:00-08:00")
    evening = datetime(2026, 11, 23, 23, 30, tzinfo=tz)
    small_hours = datetime(2026, 11, 24, 3, 0, tzinfo=tz)
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=tz)
    assert quiet.release(evening, tz) == morning
    assert quiet.release(small_hours, tz) == morning
    assert quiet.release(morning, tz) == morning  # 08:00 itself is no longer quiet
    assert quiet.release(datetime(2026, 11, 23, 21, 59, tzinfo=tz), tz) == datetime(
        2026, 11, 23, 21, 59, tzinfo=tz
    )
    assert quiet.release(datetime(2026, 11, 23, 22, 0, tzinfo=tz), tz) == morning
    assert quiet.release(evening, tz).tzinfo is UTC


def test_quiet_hours_within_a_day_and_off() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    siesta = QuietHours.parse("12:00-14:00")
    assert siesta.release(datetime(2026, 11, 23, 13, 0, tzinfo=tz), tz) == datetime(
        2026, 11, 23, 14, 0, tzinfo=tz
    )
    assert not siesta.contains(datetime(2026, 11, 23, 23, 0, tzinfo=tz))
    off = QuietHours.parse("off")
    assert not off.enabled
    assert off.release(datetime(2026, 11, 23, 23, 0, tzinfo=tz), tz) == datetime(
        2026, 11, 23, 23, 0, tzinfo=tz
    )
    with pytest.raises(ValueError, match="22:00-08:00"):
        QuietHours.parse("10pm to 8am")


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)))
def test_released_time_is_never_earlier_and_never_quiet(when: datetime) -> None:
    tz = ZoneInfo("Asia/Hong_Kong")
    quiet = QuietHours.parse("22:00-08:00")
    out = quiet.release(when, tz)
    assert out >= when
    assert not quiet.contains(out.astimezone(tz))
    assert out - when <= timedelta(hours=10)


# -- cron ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("zone", ZONES)
def test_a_monday_nine_oclock_cron_fires_at_nine_local_in_each_zone(zone: str) -> None:
    tz = ZoneInfo(zone)
    cron = Cron.parse("0 9 * * 1")
    after = datetime(2026, 11, 23, 9, 0, tzinfo=tz)  # a Monday, exactly at 09:00: strictly after
    nxt = cron.next_after(after, tz)
    assert nxt == datetime(2026, 11, 30, 9, 0, tzinfo=tz)
    assert nxt is not None
    assert nxt.tzinfo is UTC
    assert nxt.hour == 1  # all three zones are UTC+8 all year (no daylight saving)


def test_the_zone_decides_the_instant() -> None:
    after = utc(2026, 11, 22, 0, 0)
    cron = Cron.parse("0 9 * * *")
    shanghai = cron.next_after(after, ZoneInfo("Asia/Shanghai"))
    kolkata = cron.next_after(after, ZoneInfo("Asia/Kolkata"))
    assert shanghai == utc(2026, 11, 22, 1, 0)
    assert kolkata == utc(2026, 11, 22, 3, 30)


def test_cron_fields_steps_lists_names_and_sunday_both_ways() -> None:
    tz = ZoneInfo("Asia/Taipei")
    start = datetime(2026, 11, 22, 0, 0, tzinfo=tz)  # a Sunday
    sunday = Cron.parse("30 8 * * 0")
    assert sunday.next_after(start, tz) == datetime(2026, 11, 22, 8, 30, tzinfo=tz)
    assert Cron.parse("30 8 * * 7").next_after(start, tz) == datetime(2026, 11, 22, 8, 30, tzinfo=tz)
    assert Cron.parse("30 8 * * sun").next_after(start, tz) == datetime(2026, 11, 22, 8, 30, tzinfo=tz)
    every_quarter = Cron.parse("*/15 9-10 * * mon-fri")
    assert every_quarter.next_after(start, tz) == datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    assert every_quarter.next_after(datetime(2026, 11, 23, 10, 45, tzinfo=tz), tz) == datetime(
        2026, 11, 24, 9, 0, tzinfo=tz
    )
    # Day of month and weekday both restricted: either one fires (Vixie cron).
    either = Cron.parse("0 9 1 * 1")
    assert either.next_after(datetime(2026, 11, 24, tzinfo=tz), tz) == datetime(2026, 11, 30, 9, 0, tzinfo=tz)
    assert either.next_after(datetime(2026, 11, 30, 10, tzinfo=tz), tz) == datetime(
        2026, 12, 1, 9, 0, tzinfo=tz
    )
    assert Cron.parse("0 0 29 2 *").next_after(start, tz) == datetime(2028, 2, 29, 0, 0, tzinfo=tz)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("0 9 * *", "5 fields"),
        ("60 9 * * *", "minute: 60 is outside 0-59"),
        ("0 24 * * *", "hour: 24 is outside 0-23"),
        ("0 9 * * funday", "weekday: 'funday' is not a number"),
        ("0 9 5-1 * *", "runs backwards"),
        ("0 9 * * */0", "bad step"),
    ],
)
def test_bad_cron_says_which_field(expr: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        Cron.parse(expr)


def test_chinese_schedule_words_and_their_reading() -> None:
    at = time(9, 0)
    assert cron_from_words("每天", at) == "0 9 * * *"
    assert cron_from_words("工作日", at) == "0 9 * * 1-5"
    assert cron_from_words("每周一三五", at) == "0 9 * * 1,3,5"
    assert cron_from_words("每週日", at) == "0 9 * * 0"
    assert cron_from_words("每月1日", at) == "0 9 1 * *"
    assert cron_from_words("每年", at) is None
    assert describe_cron("0 9 * * 1,3,5") == "每周一三五 09:00"
    assert describe_cron("0 9 * * 0,6") == "每周六日 09:00"
    assert describe_cron("30 7 * * *") == "每天 07:30"
    assert describe_cron("0 9 * * 1-5") == "工作日 09:00"
    assert describe_cron("0 9 15 * *") == "每月15日 09:00"
    assert describe_cron("*/5 * * * *") == "cron */5 * * * *"


# -- missed runs -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("zone", ZONES)
def test_a_run_missed_within_the_grace_is_due_once_and_older_ones_are_skipped(zone: str) -> None:
    tz = ZoneInfo(zone)
    cron = Cron.parse("0 9 * * *")
    grace = timedelta(minutes=30)
    last = datetime(2026, 11, 20, 9, 0, tzinfo=tz)
    # Down from Friday's run until Monday 09:20: Sat, Sun are too old; Monday's is within grace.
    now = datetime(2026, 11, 23, 9, 20, tzinfo=tz)
    due = due_runs(cron, tz, last, now, grace)
    assert due.run_at == datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    assert due.skipped == (
        datetime(2026, 11, 21, 9, 0, tzinfo=tz),
        datetime(2026, 11, 22, 9, 0, tzinfo=tz),
    )
    assert due.last == due.run_at
    # Having run, nothing more is due until tomorrow.
    assert due_runs(cron, tz, due.last, now + timedelta(hours=5), grace) == due_runs(
        cron, tz, now, now, grace
    )
    assert due_runs(cron, tz, due.last, now, grace).run_at is None
    # Back only at 10:00: Monday's run is 60 minutes late, so it is skipped too.
    late = due_runs(cron, tz, last, datetime(2026, 11, 23, 10, 0, tzinfo=tz), grace)
    assert late.run_at is None
    assert late.last == datetime(2026, 11, 23, 9, 0, tzinfo=tz)
    assert len(late.skipped) == 3
