"""The default tip calendar, seasons and per-community overrides."""

from __future__ import annotations

import re
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
import yaml

from handlers.broadcasts.tips import (
    DEFAULT_CALENDAR_PATH,
    SEASONS,
    THEMES,
    Cadence,
    TipCalendar,
    TipCalendarError,
    season_of,
)

# --------------------------------------------------------------------------- seasons


@pytest.mark.parametrize(
    ("day", "north", "south"),
    [
        (date(2026, 1, 1), "winter", "summer"),
        (date(2026, 2, 28), "winter", "summer"),
        (date(2026, 3, 1), "spring", "autumn"),
        (date(2026, 5, 31), "spring", "autumn"),
        (date(2026, 6, 1), "summer", "winter"),
        (date(2026, 8, 31), "summer", "winter"),
        (date(2026, 9, 1), "autumn", "spring"),
        (date(2026, 11, 30), "autumn", "spring"),
        (date(2026, 12, 1), "winter", "summer"),
        (date(2028, 2, 29), "winter", "summer"),
    ],
)
def test_season_of(day: date, north: str, south: str) -> None:
    assert season_of(day) == north
    assert season_of(day, "north") == north
    assert season_of(day, hemisphere="south") == south


def test_season_of_rejects_unknown_hemisphere() -> None:
    with pytest.raises(ValueError, match="hemisphere"):
        season_of(date(2026, 1, 1), "east")


def test_every_month_has_one_season() -> None:
    seasons = [season_of(date(2026, month, 1)) for month in range(1, 13)]
    assert sorted(set(seasons)) == sorted(SEASONS)
    assert all(seasons.count(season) == 3 for season in SEASONS)


# --------------------------------------------------------------------------- default calendar


def test_default_month_themes(calendar: TipCalendar) -> None:
    assert calendar.month_theme(1) == "fire"
    assert calendar.month_theme(2) == "anti_fraud"
    assert calendar.month_theme(3) == "traffic"
    months = [calendar.month_theme(month) for month in range(1, 13)]
    assert all(theme in THEMES for theme in months)
    # Twelve different themes: each gets its month.
    assert len(set(months)) == 12


def test_default_seasonal_themes(calendar: TipCalendar) -> None:
    assert {"fire", "flood_typhoon"} <= set(calendar.season_themes("spring"))
    assert {"flood_typhoon", "summer_heat", "electricity"} <= set(calendar.season_themes("summer"))
    assert calendar.season_themes("autumn")[0] == "gas"
    assert calendar.season_themes("winter")[0] == "winter_freezing"


def test_default_cadence_and_no_repeat(calendar: TipCalendar) -> None:
    assert calendar.cadence == Cadence(every_weeks=1, weekday=0, at=time(10, 0))
    assert calendar.cadence.weekday_name == "monday"
    assert calendar.no_repeat_days == 90
    assert calendar.hemisphere == "north"


def test_themes_for_puts_the_month_theme_first(calendar: TipCalendar) -> None:
    assert calendar.themes_for(date(2026, 1, 12)) == ["fire", "winter_freezing", "gas"]
    assert calendar.themes_for(date(2026, 7, 6)) == [
        "child_safety",
        "flood_typhoon",
        "summer_heat",
        "electricity",
    ]
    # May's theme is also a spring theme: listed once, first.
    assert calendar.themes_for(date(2026, 5, 4)) == ["flood_typhoon", "fire", "epidemic_hygiene"]
    for month in range(1, 13):
        day = date(2026, month, 10)
        themes = calendar.themes_for(day)
        assert themes[0] == calendar.month_theme(month)
        assert len(themes) == len(set(themes))
        assert set(themes[1:]) <= set(calendar.season_themes(season_of(day)))


def test_to_mapping_round_trips(calendar: TipCalendar) -> None:
    assert TipCalendar.from_mapping(calendar.to_mapping()) == calendar
    # And through YAML, as a community file would hold it.
    text = yaml.safe_dump(calendar.to_mapping(), allow_unicode=True)
    assert TipCalendar.from_mapping(yaml.safe_load(text)) == calendar


# --------------------------------------------------------------------------- overrides


def test_override_merges_with_the_default(calendar: TipCalendar) -> None:
    override = {
        "months": {1: "gas", "12": None},
        "seasons": {"winter": ["fire"]},
        "cadence": {"weekday": "Friday"},
        "no_repeat_days": 120,
    }
    custom = TipCalendar.from_mapping(override, base=calendar, source="harbour-view.toml")
    assert custom.month_theme(1) == "gas"
    assert custom.month_theme(12) is None
    assert custom.month_theme(2) == "anti_fraud"  # untouched months keep the default
    assert custom.season_themes("winter") == ("fire",)
    assert custom.season_themes("summer") == calendar.season_themes("summer")
    assert custom.cadence == Cadence(every_weeks=1, weekday=4, at=time(10, 0))
    assert custom.no_repeat_days == 120
    assert custom.themes_for(date(2026, 12, 7)) == ["fire"]
    assert custom.themes_for(date(2026, 1, 5)) == ["gas", "fire"]
    # The default is not changed by the override.
    assert calendar.month_theme(1) == "fire"
    assert calendar == TipCalendar.load()


def test_empty_override_is_the_base(calendar: TipCalendar) -> None:
    assert TipCalendar.from_mapping({}, base=calendar) == calendar
    assert TipCalendar.from_mapping(None, base=calendar) == calendar


def test_southern_hemisphere_override(calendar: TipCalendar) -> None:
    south = TipCalendar.from_mapping({"hemisphere": "south"}, base=calendar)
    assert south.season_of(date(2026, 7, 1)) == "winter"
    assert south.season_of(date(2026, 7, 1), hemisphere="north") == "summer"
    assert south.themes_for(date(2026, 7, 6)) == ["child_safety", "winter_freezing", "fire", "gas"]


def _override_error(data: object, calendar: TipCalendar) -> str:
    with pytest.raises(TipCalendarError) as caught:
        TipCalendar.from_mapping(data, base=calendar, source="community 'harbour-view'")
    return str(caught.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"months": {13: "fire"}}, "months.13: unknown month (expected 1-12)"),
        ({"months": {"jan": "fire"}}, "months.jan: unknown month"),
        ({"months": {1: "fire", "1": "gas"}}, "months.1: month 1 is listed twice"),
        ({"months": {4: "hygiene"}}, "months.4: unknown theme 'hygiene'"),
        ({"months": ["fire"]}, "months must map month numbers"),
        ({"seasons": {"monsoon": ["fire"]}}, "seasons.monsoon: unknown season"),
        ({"seasons": {"summer": ["flood_typhoon", "heat"]}}, "seasons.summer[1]: unknown theme 'heat'"),
        ({"seasons": {"summer": ["fire", "fire"]}}, "seasons.summer[1]: theme 'fire' is listed twice"),
        ({"seasons": {"summer": "fire"}}, "seasons.summer: expected a list of themes"),
        ({"cadence": {"weekday": "someday"}}, "cadence.weekday: unknown weekday 'someday'"),
        ({"cadence": {"time": 600}}, "cadence.time: expected a quoted 'HH:MM' time, got 600 (quote it"),
        ({"cadence": {"time": "25:00"}}, "cadence.time: expected a quoted 'HH:MM' time, got '25:00'"),
        ({"cadence": {"every_weeks": 0}}, "cadence.every_weeks must be a whole number >= 1"),
        ({"cadence": {"hour": 9}}, "cadence: unknown key 'hour'"),
        ({"no_repeat_days": -1}, "no_repeat_days must be a whole number of days >= 0"),
        ({"no_repeat_days": "90"}, "no_repeat_days must be a whole number of days >= 0"),
        ({"hemisphere": "east"}, "hemisphere: unknown hemisphere 'east'"),
        ({"monthz": {}}, "unknown key 'monthz'"),
        (["fire"], "expected a mapping"),
    ],
)
def test_invalid_override_is_named(data: object, message: str, calendar: TipCalendar) -> None:
    error = _override_error(data, calendar)
    assert error.startswith(f"community 'harbour-view': {message}"), error


def test_unquoted_time_in_yaml_is_caught(calendar: TipCalendar) -> None:
    data = yaml.safe_load("cadence:\n  time: 10:00\n")
    assert data["cadence"]["time"] == 600  # YAML 1.1 sexagesimal: the trap the check exists for
    assert "quote it" in _override_error(data, calendar)


def _default_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_CALENDAR_PATH.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("no_repeat_days"), "calendar.yaml: no_repeat_days is missing"),
        (lambda d: d["months"].pop(7), "calendar.yaml: months.7 is missing"),
        (lambda d: d["seasons"].pop("autumn"), "calendar.yaml: seasons.autumn is missing"),
        (lambda d: d["cadence"].pop("time"), "calendar.yaml: cadence.time is missing"),
        (lambda d: d["months"].__setitem__(3, "trafic"), "calendar.yaml: months.3: unknown theme 'trafic'"),
    ],
)
def test_complete_calendar_needs_every_key(edit: Any, message: str, tmp_path: Path) -> None:
    data = _default_data()
    edit(data)
    path = tmp_path / "calendar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TipCalendarError, match="^" + re.escape(message)):
        TipCalendar.load(path)


def test_shipped_calendar_file_is_complete() -> None:
    data = _default_data()
    assert sorted(data["months"]) == list(range(1, 13))
    assert sorted(data["seasons"]) == sorted(SEASONS)
    assert data["cadence"]["time"] == "10:00"
