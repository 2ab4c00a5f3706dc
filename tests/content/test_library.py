"""The shipped safety-tip library and the library validation."""

from __future__ import annotations

import copy
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from handlers.broadcasts.tips import (
    DEFAULT_TIPS_PATH,
    MAX_TEXT_LENGTH,
    SEASONS,
    THEMES,
    SafetyTip,
    TipCalendar,
    TipLibrary,
    TipLibraryError,
    season_of,
)

# --------------------------------------------------------------------------- shipped library


def _raw_tips() -> list[dict[str, Any]]:
    data = yaml.safe_load(DEFAULT_TIPS_PATH.read_text(encoding="utf-8"))
    tips: list[dict[str, Any]] = data["tips"]
    return tips


def test_shipped_library_has_at_least_72_tips(library: TipLibrary) -> None:
    assert len(library) >= 72
    assert len(library) == len(_raw_tips())


def test_every_theme_has_at_least_four_tips(library: TipLibrary) -> None:
    counts = library.count_by_theme()
    assert set(counts) == set(THEMES)
    thin = {theme: n for theme, n in counts.items() if n < 4}
    assert thin == {}


def test_ids_are_unique_in_the_file(library: TipLibrary) -> None:
    ids = [entry["id"] for entry in _raw_tips()]
    duplicates = [tip_id for tip_id, n in Counter(ids).items() if n > 1]
    assert duplicates == []
    assert [tip.id for tip in library] == ids


def test_ids_follow_one_prefix_per_theme(library: TipLibrary) -> None:
    prefixes: dict[str, set[str]] = {}
    for tip in library:
        match = re.fullmatch(r"([a-z]+)-(\d{3})", tip.id)
        assert match is not None, tip.id
        prefixes.setdefault(tip.theme, set()).add(match.group(1))
    assert all(len(p) == 1 for p in prefixes.values()), prefixes
    # No two themes share a prefix.
    flat = [next(iter(p)) for p in prefixes.values()]
    assert len(flat) == len(set(flat))


def test_both_scripts_present_short_and_different(library: TipLibrary) -> None:
    for tip in library:
        assert tip.hans.strip(), tip.id
        assert tip.hant.strip(), tip.id
        assert len(tip.hans) <= MAX_TEXT_LENGTH, tip.id
        assert len(tip.hant) <= MAX_TEXT_LENGTH, tip.id
        assert tip.hant != tip.hans, tip.id
        assert tip.text(traditional=True) == tip.hant
        assert tip.text(traditional=False) == tip.hans


def test_every_tip_is_tagged_with_known_seasons(library: TipLibrary) -> None:
    for tip in library:
        assert tip.seasons, tip.id
        assert tip.seasons <= set(SEASONS), tip.id


def test_each_month_theme_has_a_month_of_in_season_tips(library: TipLibrary, calendar: TipCalendar) -> None:
    # Four or more in-season tips, so the month theme can fill every week of its month.
    for month in range(1, 13):
        theme = calendar.month_theme(month)
        assert theme is not None
        season = season_of(date(2026, month, 15))
        usable = [tip.id for tip in library.by_theme(theme) if tip.in_season(season)]
        assert len(usable) >= 4, (month, theme, usable)


_NUMBER = re.compile(r"(?<!\d)(110|119|120|999)(?!\d)")


def test_emergency_numbers_match_the_region(library: TipLibrary) -> None:
    """hans names mainland numbers (110/119/120) and hant Hong Kong's 999, never the other way."""
    named = 0
    for tip in library:
        hans_numbers = set(_NUMBER.findall(tip.hans))
        hant_numbers = set(_NUMBER.findall(tip.hant))
        assert "999" not in hans_numbers, tip.id
        assert hant_numbers <= {"999"}, tip.id
        if hant_numbers:
            assert hans_numbers, f"{tip.id}: hant names 999 but hans names no number"
        named += bool(hans_numbers)
    assert named >= 3  # the check above must have something to check


def test_hans_is_simplified_and_hant_is_traditional(library: TipLibrary) -> None:
    opencc = pytest.importorskip("opencc")
    to_simplified = opencc.OpenCC("t2s")
    to_taiwan = opencc.OpenCC("s2tw")
    # Characters that s2tw rewrites but that are standard in Hong Kong and Taiwan text
    # (露台/天文台, 家具).
    accepted = {"台", "家", "具"}
    for tip in library:
        assert to_simplified.convert(tip.hans) == tip.hans, f"{tip.id}: Traditional characters in hans"
        converted = to_taiwan.convert(tip.hant)
        assert len(converted) == len(tip.hant)
        simplified = {a for a, b in zip(tip.hant, converted, strict=True) if a != b} - accepted
        assert simplified == set(), f"{tip.id}: Simplified characters in hant: {simplified}"


def test_hant_uses_hong_kong_vocabulary(library: TipLibrary) -> None:
    hant = "".join(tip.hant for tip in library)
    hans = "".join(tip.hans for tip in library)
    for word in ("升降機", "煤氣", "屋苑", "管理處", "颱風"):
        assert word in hant, word
    for word in ("电梯", "燃气", "小区", "物业"):
        assert word in hans, word
    # Mainland words that would read oddly in Hong Kong.
    for word in ("電梯", "燃氣", "小區", "物業"):
        assert word not in hant, word


def test_tips_are_frozen(library: TipLibrary) -> None:
    tip = library.tips[0]
    with pytest.raises(AttributeError):
        tip.hans = "x"  # type: ignore[misc]


def test_library_lookup(library: TipLibrary) -> None:
    tip = library.get("fire-001")
    assert isinstance(tip, SafetyTip)
    assert tip.theme == "fire"
    assert "fire-001" in library
    assert library.get("no-such-tip") is None
    assert all(t.theme == "gas" for t in library.by_theme("gas"))


# --------------------------------------------------------------------------- validation


def _good_entry(tip_id: str = "fire-900") -> dict[str, Any]:
    return {
        "id": tip_id,
        "theme": "fire",
        "seasons": "all",
        "hans": "离开厨房前关火。",
        "hant": "離開廚房前關火。",
    }


def _library_with(bad: dict[str, Any]) -> dict[str, Any]:
    return {"tips": [_good_entry("fire-900"), _good_entry("fire-901"), bad]}


def test_minimal_library_loads() -> None:
    lib = TipLibrary.from_mapping({"tips": [_good_entry()]})
    (tip,) = lib.tips
    assert tip.seasons == frozenset(SEASONS)


def test_seasons_list_is_kept() -> None:
    entry = _good_entry() | {"seasons": ["summer", "autumn"]}
    (tip,) = TipLibrary.from_mapping({"tips": [entry]}).tips
    assert tip.seasons == {"summer", "autumn"}
    assert tip.in_season("summer")
    assert not tip.in_season("winter")


_DROP = object()  # marks a key to delete


def _with(**changes: Any) -> dict[str, Any]:
    entry = _good_entry("fire-003")
    for key, value in changes.items():
        if value is _DROP:
            del entry[key]
        else:
            entry[key] = value
    return entry


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (_with(hant=_DROP), "tips[2] (fire-003): hant is missing"),
        (_with(hans=_DROP), "tips[2] (fire-003): hans is missing"),
        (_with(hant="   "), "tips[2] (fire-003): hant is empty"),
        (_with(hans=42), "tips[2] (fire-003): hans must be text"),
        (_with(theme="typhoon"), "tips[2] (fire-003): unknown theme 'typhoon'"),
        (_with(theme=_DROP), "tips[2] (fire-003): theme is missing"),
        (_with(seasons=["summer", "monsoon"]), "tips[2] (fire-003): unknown season 'monsoon'"),
        (_with(seasons=_DROP), "tips[2] (fire-003): seasons is missing"),
        (_with(seasons=[]), "tips[2] (fire-003): seasons must be 'all' or a non-empty list"),
        (_with(hant="火" * (MAX_TEXT_LENGTH + 1)), "tips[2] (fire-003): hant is too long (121 characters"),
        (_with(hant="离开厨房前关火。"), "tips[2] (fire-003): hant is identical to hans"),
        (_with(colour="red"), "tips[2] (fire-003): unknown key 'colour'"),
        (_with(id="Fire 3"), "tips[2]: id 'Fire 3' is not a slug"),
        (_with(id=_DROP), "tips[2]: id is missing"),
        (_with(id="fire-900"), "tips[2] (fire-900): duplicate id, first used by tips[0]"),
    ],
)
def test_invalid_entry_is_named(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(TipLibraryError) as caught:
        TipLibrary.from_mapping(_library_with(entry), source="safety_tips.yaml")
    assert str(caught.value).startswith("safety_tips.yaml: " + message), str(caught.value)


def test_text_of_exactly_max_length_is_accepted() -> None:
    entry = _good_entry() | {"hant": "火" * MAX_TEXT_LENGTH}
    (tip,) = TipLibrary.from_mapping({"tips": [entry]}).tips
    assert len(tip.hant) == MAX_TEXT_LENGTH


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a mapping"),
        ({"tips": []}, "'tips' must be a non-empty list"),
        ({"tip": [_good_entry()]}, "unknown key 'tip'"),
        ({"tips": ["fire-001"]}, "tips[0]: expected a mapping"),
    ],
)
def test_invalid_library_shape(data: object, message: str) -> None:
    with pytest.raises(TipLibraryError, match=re.escape(message)):
        TipLibrary.from_mapping(data)


def test_load_names_the_file_and_entry(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_TIPS_PATH.read_text(encoding="utf-8"))
    broken = copy.deepcopy(data)
    victim = broken["tips"][12]
    del victim["hant"]
    path = tmp_path / "safety_tips.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TipLibraryError) as caught:
        TipLibrary.load(path)
    assert str(caught.value) == f"safety_tips.yaml: tips[12] ({victim['id']}): hant is missing"


def test_load_reports_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "tips.yaml"
    path.write_text("tips:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(TipLibraryError, match=r"^tips\.yaml:\d+: invalid YAML"):
        TipLibrary.load(path)
    with pytest.raises(TipLibraryError, match=r"^absent\.yaml: cannot read"):
        TipLibrary.load(tmp_path / "absent.yaml")
