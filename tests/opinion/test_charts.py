"""Charts: the CJK font is found, has a glyph for every character the reports draw, and
rendering emits no missing-glyph warning (which pytest turns into an error anyway)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from matplotlib import font_manager

from bot.core.texts import to_traditional
from handlers.opinion import texts as opinion
from handlers.reports import texts as reports
from handlers.reports.charts import Bars, CjkFont, Sheet, Trend, find_cjk_font, is_png, render
from handlers.reports.figures import RATINGS
from nlp.classifier import Classifier

KNOWN = "绿溪园 2026年11月 物业服务报告：电梯、给排水、噪音扰民；海濱花園 服務報告 按時響應率 满意率 67%"


def report_strings(classifier: Classifier) -> str:
    """Every fixed text a chart can show, in both scripts, plus every category label."""
    texts = [*reports.TEXTS_HANS.values(), *RATINGS]
    texts += [t for k, t in opinion.TEXTS_HANS.items() if k.startswith("op.kind")]
    for code in classifier.categories():
        texts += [classifier.category_label(code), classifier.category_label(code, True)]
    texts += [to_traditional(t) for t in texts] + [to_traditional(t, "zh-Hant-TW") for t in texts]
    drawn = "".join(texts)
    return "".join(ch for ch in drawn if ch not in "📈📋{}")  # emoji stay in chat captions only


@pytest.mark.parametrize(
    ("lang", "family"),
    [("zh-Hans", "Noto Sans CJK SC"), ("zh-Hant", "Noto Sans CJK HK"), ("zh-Hant-TW", "Noto Sans CJK TC")],
)
def test_the_font_is_noto_sans_cjk_and_covers_every_label(
    lang: str, family: str, classifier: Classifier
) -> None:
    font = find_cjk_font(lang)
    assert font.family == family
    assert Path(font.path).exists()
    assert "NotoSansCJK" in Path(font.path).name
    assert font.missing_glyphs(KNOWN) == set()
    assert font.missing_glyphs(report_strings(classifier)) == set()


def test_the_glyph_check_can_fail() -> None:
    dejavu = font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False
    )
    latin = CjkFont("DejaVu Sans", dejavu, 0)
    assert latin.missing_glyphs("电梯 OK") == {"电", "梯"}


def test_rendering_chinese_emits_no_missing_glyph_warning(tmp_path: Path) -> None:
    sheet = Sheet(
        title=KNOWN,
        subtitle="工单 7 件 · 首次响应中位 18 分钟",
        panels=[
            Bars("工单按类别", ["电梯", "给排水", "噪音扰民"], [3, 2, 1]),
            Bars("服务指标", ["按时响应率", "办结率"], [0.6, 0.5], percent=True),
            Trend("负面舆情趋势（每日）", ["11-01", "11-02"], [1, 3], "负面消息数", [0.1, None], "负面占比"),
            Bars("高频问题位置", ["5栋·电梯"], [3], horizontal=True),
            Bars("空", [], [], empty="本期无数据"),
        ],
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = render(sheet, tmp_path / "chart.png", find_cjk_font("zh-Hans"))
    assert [str(w.message) for w in caught] == []
    assert is_png(path)
    assert path.stat().st_size > 20_000


def test_a_font_without_chinese_would_warn(tmp_path: Path) -> None:
    dejavu = font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans"), fallback_to_default=False
    )
    sheet = Sheet(title="电梯", subtitle="", panels=[Bars("工单", ["电梯"], [1])])
    with pytest.warns(UserWarning, match="missing from font"):
        render(sheet, tmp_path / "boxes.png", CjkFont("DejaVu Sans", dejavu, 0))
