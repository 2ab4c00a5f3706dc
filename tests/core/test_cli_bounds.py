"""Issue 18: overflowing `--hours`, `--since` and `--max-age` gave a traceback. Each is one
argparse error line now (exit 2), through the real parser."""

from __future__ import annotations

import pytest

from bot.cli.main import main


@pytest.mark.parametrize(
    "argv",
    [
        ["admin", "bind-code", "--community", "lxy", "--role", "owners", "--hours", "1e308"],
        ["admin", "bind-code", "--community", "lxy", "--role", "owners", "--hours", "nan"],
        ["admin", "bind-code", "--community", "lxy", "--role", "owners", "--hours", "0"],
        ["admin", "bind-code", "--community", "lxy", "--role", "owners", "--hours", "abc"],
        ["opinion", "report", "--since", "99999999999999d"],
        ["opinion", "report", "--since", "4000d"],
        ["wecom", "import-archive", "x.jsonl", "--max-age", "inf"],
        ["wecom", "import-archive", "x.jsonl", "--max-age", "-1"],
    ],
)
def test_an_overflowing_number_is_one_clear_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    [line] = [x for x in err.splitlines() if "error:" in x]
    assert "argument" in line
