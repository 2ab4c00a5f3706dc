"""choose_tip: month theme first, seasonal next, never a repeat within the period, deterministic."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.broadcasts.tips import SafetyTip, TipCalendar, TipLibrary, choose_tip

MONDAY = date(2026, 1, 5)


def _simulate(
    library: TipLibrary, calendar: TipCalendar, start: date, weeks: int
) -> list[tuple[date, SafetyTip | None]]:
    """Weekly sends to one group; returns (day, tip) per week."""
    sent: dict[str, date] = {}
    log: list[tuple[date, SafetyTip | None]] = []
    for week in range(weeks):
        day = start + timedelta(weeks=week)
        tip = choose_tip(library, calendar, day, sent)
        log.append((day, tip))
        if tip is not None:
            sent[tip.id] = day
    return log


def _blocked(tip: SafetyTip, day: date, sent: Mapping[str, date], period: int) -> bool:
    last = sent.get(tip.id)
    return last is not None and abs((day - last).days) < period


# --------------------------------------------------------------------------- a year of weekly sends


def test_a_year_of_weekly_sends_never_repeats_within_the_period(
    library: TipLibrary, calendar: TipCalendar
) -> None:
    log = _simulate(library, calendar, MONDAY, 52)
    assert len(log) == 52
    assert all(tip is not None for _, tip in log)
    last_seen: dict[str, date] = {}
    for day, tip in log:
        assert tip is not None
        if tip.id in last_seen:
            assert (day - last_seen[tip.id]).days >= calendar.no_repeat_days, (tip.id, day)
        last_seen[tip.id] = day
    # Over a year with a 90-day period some tips come back, but the rotation covers many.
    assert len(last_seen) >= 40


def test_a_year_of_sends_prefers_the_month_theme(library: TipLibrary, calendar: TipCalendar) -> None:
    log = _simulate(library, calendar, MONDAY, 52)
    sent: dict[str, date] = {}
    for day, tip in log:
        assert tip is not None
        season = calendar.season_of(day)
        assert tip.in_season(season), (tip.id, day)
        month_theme = calendar.month_theme(day.month)
        month_available = [
            t
            for t in library.by_theme(month_theme or "")
            if t.in_season(season) and not _blocked(t, day, sent, calendar.no_repeat_days)
        ]
        if month_available:
            assert tip.theme == month_theme, (day, tip.id)
        else:
            assert tip.theme in calendar.themes_for(day), (day, tip.id)
        sent[tip.id] = day
    # With the shipped library every week of the year gets its month's theme.
    assert [tip.theme for _, tip in log if tip is not None] == [
        calendar.month_theme(day.month) for day, _ in log
    ]


def test_three_years_of_sends_never_run_dry(library: TipLibrary, calendar: TipCalendar) -> None:
    log = _simulate(library, calendar, date(2026, 3, 2), 156)
    assert all(tip is not None for _, tip in log)


def test_january_starts_with_fire_safety(library: TipLibrary, calendar: TipCalendar) -> None:
    tip = choose_tip(library, calendar, MONDAY, {})
    assert tip is not None
    assert tip.theme == "fire"
    # Tips tagged for the season come before all-year ones: the Spring Festival fire tip.
    assert tip.seasons == {"winter"}


def test_seasonal_theme_when_month_theme_is_used_up(library: TipLibrary, calendar: TipCalendar) -> None:
    day = date(2026, 1, 26)
    sent = {tip.id: day - timedelta(days=7) for tip in library.by_theme("fire")}
    tip = choose_tip(library, calendar, day, sent)
    assert tip is not None
    assert tip.theme == calendar.season_themes("winter")[0] == "winter_freezing"


def test_seasonal_theme_beats_a_never_sent_tip_of_another_theme(
    library: TipLibrary, calendar: TipCalendar
) -> None:
    day = date(2026, 1, 26)
    sent = {tip.id: day - timedelta(days=7) for tip in library.by_theme("fire")}
    # Every seasonal tip was sent, but long enough ago to be free again; other themes never were.
    for theme in calendar.season_themes("winter"):
        if theme != "fire":
            sent.update({tip.id: day - timedelta(days=200) for tip in library.by_theme(theme)})
    tip = choose_tip(library, calendar, day, sent)
    assert tip is not None
    assert tip.theme in calendar.season_themes("winter")


def test_any_in_season_theme_when_calendar_themes_are_used_up(
    library: TipLibrary, calendar: TipCalendar
) -> None:
    day = date(2026, 1, 26)
    wanted = set(calendar.themes_for(day))
    sent = {tip.id: day - timedelta(days=1) for tip in library if tip.theme in wanted}
    tip = choose_tip(library, calendar, day, sent)
    assert tip is not None
    assert tip.theme not in wanted
    assert tip.in_season("winter")


def test_out_of_season_tips_are_never_chosen(library: TipLibrary, calendar: TipCalendar) -> None:
    day = date(2026, 1, 26)
    in_season = [tip for tip in library if tip.in_season("winter")]
    sent = {tip.id: day for tip in in_season}
    assert choose_tip(library, calendar, day, sent) is None
    summer_only = [tip for tip in library if tip.seasons == {"summer"}]
    assert summer_only  # the library has tips that would be wrong in January


# --------------------------------------------------------------------------- the no-repeat boundary


def test_no_repeat_boundary(library: TipLibrary, calendar: TipCalendar) -> None:
    day = date(2026, 4, 20)
    hygiene = [tip for tip in library.by_theme("epidemic_hygiene") if tip.in_season("spring")]
    # Every other hygiene tip was sent a week ago; the first one exactly `no_repeat_days` ago.
    target = hygiene[0]
    sent = {tip.id: day - timedelta(days=7) for tip in hygiene[1:]}
    sent[target.id] = day - timedelta(days=calendar.no_repeat_days)
    assert choose_tip(library, calendar, day, sent) == target
    sent[target.id] = day - timedelta(days=calendar.no_repeat_days - 1)
    chosen = choose_tip(library, calendar, day, sent)
    assert chosen is not None
    assert chosen.theme != "epidemic_hygiene"


def test_a_send_recorded_after_the_day_also_blocks(library: TipLibrary, calendar: TipCalendar) -> None:
    first = choose_tip(library, calendar, MONDAY, {})
    assert first is not None
    # The rest of the theme is blocked, so only the block on `first` decides.
    sent = {tip.id: MONDAY - timedelta(days=7) for tip in library.by_theme(first.theme)}
    sent[first.id] = MONDAY + timedelta(days=3)
    later = choose_tip(library, calendar, MONDAY, sent)
    assert later is not None
    assert later.theme != first.theme
    # ... but only within the period: a send far in the future does not block.
    sent[first.id] = MONDAY + timedelta(days=200)
    assert choose_tip(library, calendar, MONDAY, sent) == first


# --------------------------------------------------------------------------- exhaustion


def test_everything_blocked_returns_none_or_least_recently_sent(
    library: TipLibrary, calendar: TipCalendar
) -> None:
    day = date(2026, 7, 6)
    in_season = sorted((tip for tip in library if tip.in_season("summer")), key=lambda t: t.id)
    # All sent within the period, on different days; ebike-003 longest ago.
    sent = {tip.id: day - timedelta(days=1 + i % 30) for i, tip in enumerate(in_season)}
    sent["ebike-003"] = day - timedelta(days=calendar.no_repeat_days - 1)
    assert choose_tip(library, calendar, day, sent) is None
    fallback = choose_tip(library, calendar, day, sent, repeat_when_exhausted=True)
    assert fallback is not None
    assert fallback.id == "ebike-003"


def test_fallback_is_not_used_while_a_tip_is_free(library: TipLibrary, calendar: TipCalendar) -> None:
    assert choose_tip(library, calendar, MONDAY, {}, repeat_when_exhausted=True) == choose_tip(
        library, calendar, MONDAY, {}
    )


# --------------------------------------------------------------------------- determinism


def test_same_inputs_same_tip(library: TipLibrary, calendar: TipCalendar) -> None:
    log = _simulate(library, calendar, MONDAY, 30)
    sent = {tip.id: day for day, tip in log if tip is not None}
    day = MONDAY + timedelta(weeks=30)
    expected = choose_tip(library, calendar, day, sent)
    assert expected is not None
    rng = random.Random(7)
    for _ in range(20):
        items = list(sent.items())
        rng.shuffle(items)
        assert choose_tip(library, calendar, day, dict(items)) == expected
    # Two independent simulations agree week by week.
    assert _simulate(library, calendar, MONDAY, 52) == _simulate(library, calendar, MONDAY, 52)


def test_rotation_is_least_recently_sent_then_id(library: TipLibrary, calendar: TipCalendar) -> None:
    day = date(2026, 3, 30)  # March: traffic, all five tips are all-year
    traffic = sorted(tip.id for tip in library.by_theme("traffic"))
    assert choose_tip(library, calendar, day, {}) == library.get(traffic[0])
    # The least recently sent traffic tip wins over a never-sent tip of another theme and over
    # a more recently sent traffic tip with a smaller id.
    sent = {tip_id: day - timedelta(days=100 + i) for i, tip_id in enumerate(traffic)}
    chosen = choose_tip(library, calendar, day, sent)
    assert chosen is not None
    assert chosen.id == traffic[-1]


def test_unknown_ids_in_history_are_ignored(library: TipLibrary, calendar: TipCalendar) -> None:
    assert choose_tip(library, calendar, MONDAY, {"retired-001": MONDAY}) == choose_tip(
        library, calendar, MONDAY, {}
    )


@settings(max_examples=150, deadline=None)
@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)),
    picks=st.lists(
        st.tuples(st.integers(min_value=0, max_value=200), st.integers(min_value=-10, max_value=200)),
        max_size=90,
    ),
    period=st.integers(min_value=0, max_value=365),
)
def test_choice_is_never_blocked_and_none_only_when_all_blocked(
    library: TipLibrary, calendar: TipCalendar, day: date, picks: list[tuple[int, int]], period: int
) -> None:
    calendar = TipCalendar.from_mapping({"no_repeat_days": period}, base=calendar)
    tips = library.tips
    sent = {tips[index % len(tips)].id: day - timedelta(days=ago) for index, ago in picks}
    season = calendar.season_of(day)
    tip = choose_tip(library, calendar, day, sent)
    free = [t for t in library if t.in_season(season) and not _blocked(t, day, sent, period)]
    if tip is None:
        assert free == []
    else:
        assert tip in free
        themes = calendar.themes_for(day)
        month_free = [t for t in free if t.theme == themes[0]]
        if month_free:
            assert tip.theme == themes[0]
        elif any(t.theme in themes for t in free):
            assert tip.theme in themes


# --------------------------------------------------------------------------- per-community override


def test_community_override_changes_the_choice(library: TipLibrary, calendar: TipCalendar) -> None:
    custom = TipCalendar.from_mapping(
        {"months": {1: "home_security"}, "no_repeat_days": 7}, base=calendar, source="community"
    )
    tip = choose_tip(library, custom, MONDAY, {})
    assert tip is not None
    assert tip.theme == "home_security"
    default_tip = choose_tip(library, calendar, MONDAY, {})
    assert default_tip is not None
    assert default_tip.theme == "fire"
    # With a 7-day period the theme's tips come back after seven days, not six.
    security = {t.id: MONDAY for t in library.by_theme("home_security")}
    blocked_week = choose_tip(library, custom, MONDAY + timedelta(days=6), security)
    assert blocked_week is not None
    assert blocked_week.theme != "home_security"
    reopened = choose_tip(library, custom, MONDAY + timedelta(days=7), security)
    assert reopened == tip


def test_community_without_month_theme_uses_seasonal_themes(
    library: TipLibrary, calendar: TipCalendar
) -> None:
    custom = TipCalendar.from_mapping({"months": {1: None}, "seasons": {"winter": ["gas"]}}, base=calendar)
    log = _simulate(library, custom, MONDAY, 4)
    assert [tip.theme for _, tip in log if tip is not None] == ["gas"] * 4


@pytest.mark.parametrize("weeks", [52])
def test_override_year_never_repeats(library: TipLibrary, calendar: TipCalendar, weeks: int) -> None:
    custom = TipCalendar.from_mapping({"no_repeat_days": 180}, base=calendar)
    log = _simulate(library, custom, MONDAY, weeks)
    seen: dict[str, date] = {}
    for day, tip in log:
        assert tip is not None
        if tip.id in seen:
            assert (day - seen[tip.id]).days >= 180
        seen[tip.id] = day
