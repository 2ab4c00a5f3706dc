from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from nlp.cli import classify_main, rules_check_main

FIELDS = {
    "intent",
    "category",
    "urgent",
    "unit",
    "sentiment",
    "negative",
    "risk",
    "rules",
    "uncertain",
    "uncertain_reason",
    "evidence",
}


def run_classify(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = classify_main(argv, io.StringIO(stdin), out)
    return code, out.getvalue()


def test_json_reads_one_message_per_line() -> None:
    code, out = run_classify(["--json"], "请问报修电话多少\n部lift壞咗\n\n3栋2单元1302 水管爆了！！\n")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 4  # one object per input line, blank lines included
    objs = [json.loads(line) for line in lines]
    for obj in objs:
        assert set(obj) == FIELDS
        assert isinstance(obj["rules"], list)
        assert -1 <= obj["sentiment"] <= 1
    assert (objs[0]["intent"], objs[0]["category"]) == ("inquiry", "contact")
    assert (objs[1]["intent"], objs[1]["category"]) == ("repair", "elevator")
    assert objs[2]["intent"] == "other"
    assert objs[3]["urgent"] is True
    assert objs[3]["unit"] == "3栋2单元1302"
    assert "部lift壞咗" not in out  # non-ASCII written as-is, but only the fields, not the text


def test_json_with_text_arguments() -> None:
    code, out = run_classify(["--json", "电梯坏了", "谢谢"])
    assert code == 0
    assert [json.loads(line)["intent"] for line in out.splitlines()] == ["repair", "other"]


def test_explanation() -> None:
    code, out = run_classify(["报修三天了还没人来修"])
    assert code == 0
    assert "intent:     complaint" in out
    assert "repair_delay" in out
    assert "rules:" in out


def test_no_message_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_classify([])
    assert code == 2
    assert out == ""
    assert "give a message" in capsys.readouterr().err


def test_help_goes_to_stdout() -> None:
    code, out = run_classify(["--help"])
    assert code == 0
    assert "--json" in out


def test_bad_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("version: 1\ncategories:\n  plumbing:\n    intents: [repair]\n", encoding="utf-8")
    code, _ = run_classify(["--rules", str(bad), "水管"])
    assert code == 2
    assert "rules.yaml: categories.plumbing.label" in capsys.readouterr().err


def test_rules_check_ok_and_dead_keywords(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in ["电梯坏了", "谢谢师傅"]) + "\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert rules_check_main(["--corpus", str(corpus)], out) == 0
    text = out.getvalue()
    assert text.startswith("OK ")
    assert "corpus" in text
    assert "2 messages" in text
    assert "never fire" in text
    assert "categories.gas.keywords:" in text  # nothing about gas in this corpus
    strict = io.StringIO()
    assert rules_check_main(["--corpus", str(corpus), "--strict"], strict) == 1


def test_rules_check_counts_letter_genres(tmp_path: Path) -> None:
    letter = (
        "感谢信\n尊敬的物业管理处：上周三晚上我家厨房水管爆裂，水漫了一地，值班的陈师傅十分钟就赶到，"
        "关闭总阀并连夜更换了水管，一直忙到凌晨两点，第二天还上门回访。特此感谢！业主 张先生"
    )
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps({"text": letter}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = io.StringIO()
    rules_check_main(["--corpus", str(corpus)], out)
    text = out.getvalue()
    assert "letter genres" in text.splitlines()[0]
    dead = {line.split(":", 1)[0].strip(): line for line in text.splitlines()[3:]}
    assert "genres.notice.title" in dead  # no notice in this corpus
    assert "感谢信" not in dead.get("genres.praise.title", "")  # the praise title fired
    assert "表扬信" in dead["genres.praise.title"]


def test_rules_check_fails_on_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text(
        "version: 1\ncategories:\n  plumbing:\n    intents: [repair]\n    label: {hans: 水, hant: 水}\n"
        "    keywords:\n      - 水管\n      - {word: 漏水, weight: lots}\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert rules_check_main(["--rules", str(bad), "--corpus", str(bad)], out) == 1
    assert out.getvalue() == "FAIL rules.yaml: categories.plumbing.keywords[1]: weight must be a number\n"


def test_rules_check_bad_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"txt": "x"}\n', encoding="utf-8")
    out = io.StringIO()
    assert rules_check_main(["--corpus", str(corpus)], out) == 1
    assert "no 'text' string" in out.getvalue()


@pytest.mark.slow
def test_steward_command_passes_options_to_classify_and_rules() -> None:
    """Through the `steward` entry point itself: options first (argparse's REMAINDER alone
    would refuse `steward classify --json`)."""

    def steward(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    out = steward("classify", "--json", stdin="电梯坏了\n请问几点停水\n")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [d["intent"] for d in lines] == ["repair", "inquiry"]
    assert set(lines[0]) == FIELDS
    assert steward("classify", "楼道冒烟了").stdout.count("urgent:     YES") == 1
    assert steward("rules", "check").returncode == 0
    refused = steward("db", "upgrade", "--json")
    assert refused.returncode == 2
    assert "unrecognized arguments: --json" in refused.stderr


@pytest.mark.slow
def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    """`steward classify --json < many | head -1`: the pipe closes early, the command ends quietly."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "classify", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    stdin = proc.stdin

    def feed() -> None:
        try:
            with contextlib.suppress(BrokenPipeError, OSError):
                stdin.write("电梯坏了\n" * 20000)
        finally:
            with contextlib.suppress(BrokenPipeError, OSError):
                stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    assert json.loads(proc.stdout.readline())["intent"] == "repair"
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    proc.wait(timeout=120)
    writer.join(timeout=10)
    assert "Traceback" not in err, err
    assert proc.returncode in (0, 1)


def test_addressed_messages_carry_that_evidence() -> None:
    out = io.StringIO()
    assert classify_main(["--json", "--addressed", "坏了，快来修"], io.StringIO(), out) == 0
    d = json.loads(out.getvalue())
    assert d["intent"] == "repair"
    assert "addressed" in d["evidence"]
    out = io.StringIO()
    assert classify_main(["--json", "坏了，快来修"], io.StringIO(), out) == 0
    assert json.loads(out.getvalue())["intent"] == "other"
