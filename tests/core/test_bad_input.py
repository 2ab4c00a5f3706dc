"""Bad input is handled without an exception reaching anyone, and nothing half-written lands."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app.settings import EXAMPLE_COMMUNITY_FILE
from bot.core.events import MessageKind
from storage.messages.models import MessageLog
from storage.tickets.models import Ticket
from tests.harness import Harness, text_message

OWNERS = "lxy-owners-1"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t  ",
        "漏水" * 50_000,  # 100 kB
        "\x00\x01\x1b[31m电梯\x7f坏了\u200b\u202e",
        "😡😡😡🙏🙏",
        "[怒][怒]",
        "\ud800",  # a lone surrogate, as broken clients send
    ],
    ids=["empty", "whitespace", "100kB", "control", "emoji", "emoticon", "surrogate"],
)
async def test_odd_texts_never_raise_and_are_logged(harness: Harness, text: str) -> None:
    await harness.say(OWNERS, "u-x", text)
    assert await harness.count(MessageLog) == 1
    for reply in harness.sent(OWNERS):
        assert "Traceback" not in reply.text
        assert "系统开小差" not in reply.text  # no unexpected error on any of these


async def test_huge_message_is_bounded_before_storage(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "3栋厨房水管漏水了麻烦来修" + "。" * 200_000)
    [ticket] = await harness.tickets()
    assert len(ticket.summary) <= 500


@pytest.mark.parametrize(
    "kind", [MessageKind.STICKER, MessageKind.VOICE, MessageKind.PHOTO, MessageKind.OTHER_MEDIA]
)
async def test_non_text_messages_are_logged_silently(harness: Harness, kind: MessageKind) -> None:
    await harness.deliver(text_message(OWNERS, "u-x", "", "m1", kind))
    assert harness.sent(OWNERS) == []
    assert await harness.count(MessageLog) == 1


async def test_unknown_command_gets_a_clear_reply(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "/frobnicate now")
    [reply] = harness.sent(OWNERS)
    assert "未知命令 /frobnicate" in reply.text
    assert "/help" in reply.text


async def test_help_differs_by_chat(harness: Harness) -> None:
    await harness.say(OWNERS, "u-x", "/help")
    await harness.say("lxy-stewards", "wang", "/start@StewardBot")
    await harness.say("hbhy-owners", "u-y", "/help")
    assert "报修" in harness.sent(OWNERS)[0].text
    assert "接单" in harness.sent("lxy-stewards")[0].text
    assert "你好" in harness.sent("hbhy-owners")[0].text  # Cantonese, by hand


async def test_a_failing_handler_rolls_back_is_retried_and_apologises_only_when_parked(
    harness: Harness,
) -> None:
    """A handler that fails after writing leaves nothing behind and is not swallowed: the update
    stays in the inbox and is retried with back-off; the owner hears the apology only when the
    inbox gives up on it (5 failures by default), never a stack trace.

    The failure is real: a ticket whose SLA policy file lost its policies cannot be opened."""
    sla_book = harness.app.scheduler.get_job("sla-watch").args[1]  # the book tickets are opened with
    sla_book.policies.clear()
    await harness.say(OWNERS, "u-x", "3栋厨房水管漏水了，麻烦派人来修")
    assert await harness.count(Ticket) == 0
    assert await harness.count(MessageLog) == 0  # the log row was in the same transaction
    assert harness.sent(OWNERS) == []  # no apology for a failure that will be retried
    [row] = await harness.inbox()
    assert (row.status, row.failures) == ("pending", 1)
    assert row.error is not None
    assert row.error.startswith("PolicyError")

    for failures in range(2, 6):
        harness.clock.advance(timedelta(minutes=1))  # past the back-off (1 s, 2 s, 4 s, 8 s)
        await harness.app.inbox.drain()
        await harness.app.sender.drain()
        [row] = await harness.inbox()
        assert row.failures == failures
    assert row.status == "failed"
    assert await harness.count(Ticket) == 0
    assert await harness.count(MessageLog) == 0
    [reply] = harness.sent(OWNERS)
    assert "系统开小差" in reply.text
    assert "Traceback" not in reply.text
    assert "PolicyError" not in reply.text


def run_cli(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert pattern in lines[0], lines[0]


@pytest.mark.slow
def test_cli_missing_config(tmp_path: Path) -> None:
    env = {
        "STEWARD_COMMUNITY_FILE": str(tmp_path / "missing.toml"),
        "STEWARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    }
    assert_one_line_error(run_cli(["chat"], env, tmp_path), "community file not found")


@pytest.mark.slow
def test_cli_broken_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (EXAMPLE_COMMUNITY_FILE).read_text().replace('timezone = "Asia/Hong_Kong"', "timezone = 8")
    )
    env = {
        "STEWARD_COMMUNITY_FILE": str(bad),
        "STEWARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    }
    assert_one_line_error(run_cli(["chat"], env, tmp_path), "community[1].timezone")


@pytest.mark.slow
def test_cli_unmigrated_database(tmp_path: Path) -> None:
    fresh = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"  # `steward chat` on it, as asked
    assert_one_line_error(
        run_cli(["chat", "--database", fresh], {}, tmp_path),
        "database not migrated: run `steward db upgrade` first",
    )


@pytest.mark.slow
def test_cli_unreachable_database(tmp_path: Path) -> None:
    result = run_cli(["chat", "--database", "postgresql+asyncpg://u:secret@127.0.0.1:1/db"], {}, tmp_path)
    assert_one_line_error(result, "database unreachable")
    assert "secret" not in result.stderr


@pytest.mark.slow
def test_cli_db_upgrade_then_chat_starts(tmp_path: Path) -> None:
    env = {"STEWARD_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ok.db'}"}
    up = run_cli(["db", "upgrade"], env, tmp_path)
    assert up.returncode == 0, up.stderr
    assert "database at revision" in up.stdout
    chat = run_cli(["chat"], env, tmp_path)  # stdin is empty: starts, reads EOF, stops cleanly
    assert chat.returncode == 0, chat.stderr
    assert "Traceback" not in chat.stderr


@pytest.mark.slow
def test_cli_bad_setting_is_one_line(tmp_path: Path) -> None:
    env = {"STEWARD_TELEGRAM_MODE": "carrier-pigeon"}
    assert_one_line_error(run_cli(["db", "current"], env, tmp_path), "STEWARD_TELEGRAM_MODE")
