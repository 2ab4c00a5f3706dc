"""A fresh machine: the charts' CJK font comes from a Python package (no system font needed),
a machine with no font at all gets the report as text and CSV with one line saying why, and
an empty period (a fresh install's last month) gets no report at all."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from handlers.reports.charts import Bars, FontMissing, Sheet, find_cjk_font, is_png, packaged_font, render
from handlers.reports.jobs import monthly_tick
from tests.opinion.conftest import OWNERS, OWNERS_2, SUPERVISORS, OpinionHarness
from tests.opinion.test_charts import KNOWN
from tests.opinion.test_reports import SHANGHAI, seed_november

ROOT = Path(__file__).resolve().parents[2]


def test_the_font_package_is_found_first_and_draws(tmp_path: Path) -> None:
    packaged = packaged_font()
    assert packaged is not None  # a dependency of steward (pyproject), not a system package
    assert "noto_cjk_sans_otc" in Path(packaged).parts
    for lang, family in (("zh-Hans", "Noto Sans CJK SC"), ("zh-Hant", "Noto Sans CJK HK")):
        font = find_cjk_font(lang)  # the default order: the package, then the system
        assert font.path == packaged
        assert font.family == family
        assert font.missing_glyphs(KNOWN) == set()
    only_package = find_cjk_font("zh-Hans", ("package",))
    sheet = Sheet(title=KNOWN, subtitle="", panels=[Bars("工单按类别", ["电梯", "给排水"], [3, 1])])
    assert is_png(render(sheet, tmp_path / "chart.png", only_package))
    # a font file named by its path serves as well
    assert find_cjk_font("zh-Hans", (packaged,)).path == packaged


def test_no_font_anywhere_is_one_clear_error() -> None:
    with pytest.raises(FontMissing, match="noto-cjk-sans-otc"):
        find_cjk_font("zh-Hans", ())
    with pytest.raises(FontMissing, match=r"tried: /nowhere/font\.ttc"):
        find_cjk_font("zh-Hans", ("/nowhere/font.ttc",))


@pytest.mark.parametrize("settings", [{"report_fonts": "none"}])
async def test_without_a_font_the_report_is_text_and_csv_with_the_reason(oh: OpinionHarness) -> None:
    await seed_november(oh)
    await oh.say(SUPERVISORS, "li", "/report 2026-11")
    report = oh.sent(SUPERVISORS)[-1]
    assert report.outgoing is not None
    assert report.outgoing.image_path is None
    lines = report.text.split("\n")
    assert lines[0].startswith("未附图表：服务器找不到中文字体")
    assert lines[1] == "📈 绿溪园 · 2026年11月 服务报告"
    assert "metric,value" in lines
    assert "tickets,7" in lines
    assert "抱歉" not in report.text
    [[button]] = report.outgoing.buttons
    await oh.press(SUPERVISORS, report, button.data, "li")  # the owners get the summary as text
    for chat in (OWNERS, OWNERS_2):
        [posted] = oh.sent(chat)
        assert posted.outgoing is not None
        assert posted.outgoing.image_path is None
        assert posted.text.startswith("📋 绿溪园 · 2026年11月 物业服务简报")


async def test_an_empty_period_gets_no_report(oh: OpinionHarness) -> None:
    """Started on 1 December: November is empty, and nobody gets an empty chart of it."""
    oh.clock.set(datetime(2026, 12, 1, 9, 10, tzinfo=SHANGHAI))
    assert await monthly_tick(oh.app.runtime, oh.reports) == 0
    await oh.app.sender.drain()
    assert oh.sent(SUPERVISORS) == []
    await oh.say(SUPERVISORS, "li", "/report 2026-11")
    [answer] = oh.sent(SUPERVISORS)
    assert answer.outgoing is not None
    assert answer.outgoing.image_path is None
    assert answer.text == "绿溪园 · 2026年11月 没有工单、业主消息或舆情预警，不生成报告。"


@pytest.mark.slow
def test_the_demo_without_any_font_ends_without_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, STEWARD_REPORT_FONTS="none", PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-2000:]
    assert "Traceback" not in out
    assert "开小差" not in out
    assert "未附图表：服务器找不到中文字体" in out
    assert "metric,value" in out
