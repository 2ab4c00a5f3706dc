from __future__ import annotations

from pathlib import Path

import pytest

from bot.app.communities import load_community_file
from bot.app.settings import EXAMPLE_COMMUNITY_FILE, ConfigError, Settings

EXAMPLE = EXAMPLE_COMMUNITY_FILE


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "community.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_loads() -> None:
    parsed = load_community_file(EXAMPLE)
    codes = [c.code for c in parsed.community]
    assert codes == ["lxy", "hbhy"]
    lxy = parsed.community[0]
    assert {c.role for c in lxy.chat} == {"owners", "stewards", "supervisors"}
    assert lxy.steward[0].name == "王管家"
    assert parsed.community[1].language == "zh-Hant"


def test_bad_field_names_line_and_field(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('hours = "07:00-23:00"', 'hours = "25:00-23:00"')
    path = write(tmp_path, text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "25:00-23:00" in row)
    with pytest.raises(ConfigError) as err:
        load_community_file(path)
    assert str(err.value).startswith(f"{path}:{line}: community[1].steward[0].hours:")


def test_unknown_building_is_named_at_its_line(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'name = "刘管家"\nbuildings = ["4", "5", "6"]', 'name = "刘管家"\nbuildings = ["4", "9"]'
    )
    path = write(tmp_path, text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '["4", "9"]' in row)
    with pytest.raises(
        ConfigError, match=rf":{line}: community\[0\]\.steward\[1\]\.buildings: unknown buildings"
    ):
        load_community_file(path)


def test_invalid_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[[community]]\ncode = "x"\nname = \n')
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 3"):
        load_community_file(path)


def test_missing_required_section(tmp_path: Path) -> None:
    path = write(tmp_path, '[[community]]\ncode = "x"\nname = "X"\nbuildings = ["1"]\n')
    with pytest.raises(ConfigError, match=r":1: community\[0\]\.supervisor: Field required"):
        load_community_file(path)


def test_unknown_key_and_timezone(tmp_path: Path) -> None:
    base = '[[community]]\ncode = "x"\nname = "X"\nbuildings = ["1"]\ntimezone = "Mars/Base"\n'
    base += '[[community.supervisor]]\nname = "S"\n'
    with pytest.raises(ConfigError, match=r":5: community\[0\]\.timezone: unknown time zone"):
        load_community_file(write(tmp_path, base))
    typo = base.replace('timezone = "Mars/Base"', 'timezone = "Asia/Shanghai"\nlangauge = "zh-Hans"')
    with pytest.raises(ConfigError, match=r":6: community\[0\]\.langauge: Extra inputs"):
        load_community_file(write(tmp_path, typo))


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="community file not found"):
        load_community_file(tmp_path / "nope.toml")


def test_duplicate_chat_binding(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace('id = "hbhy-owners"', 'id = "lxy-owners-1"')
    with pytest.raises(ConfigError, match="bound twice"):
        load_community_file(write(tmp_path, text))


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_DATABASE_URL", "postgresql+asyncpg://u:p@127.0.0.1/db")
    monkeypatch.setenv("STEWARD_TELEGRAM_MODE", "webhook")
    settings = Settings()
    assert settings.database_url.startswith("postgresql+asyncpg")
    assert settings.telegram_mode == "webhook"
