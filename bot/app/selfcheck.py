"""`python -m bot.app.selfcheck`: does this installation draw report charts?

The image build runs it (Dockerfile) as the user Steward runs as, so an image whose charts
would come out as empty boxes, or not at all, is never built. It draws a chart of Simplified
and Traditional labels with the CJK font from the given sources (by default only the
noto-cjk-sans-otc package: the image installs no system font), checks that the font has every
glyph and that a PNG came out, and says whether the classifier runs compiled. One line per
check; exit 1 on a failure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import nlp.classifier
from handlers.reports.charts import Bars, FontMissing, Sheet, find_cjk_font, is_png, render

# What a report's labels look like in each of the communities' languages.
SAMPLES = {
    "zh-Hans": ("报修工单月报", ("报修", "投诉", "咨询", "电梯困人")),
    "zh-Hant": ("報修工單月報", ("報修", "投訴", "查詢", "電梯壞咗")),
    "zh-Hant-TW": ("報修工單月報", ("報修", "投訴", "諮詢", "漏水")),
}


def check(sources: Sequence[str], out: Path) -> list[str]:
    """The problems found (empty: all good); prints a line per check."""
    problems: list[str] = []
    for lang, (title, labels) in SAMPLES.items():
        try:
            font = find_cjk_font(lang, tuple(sources))
        except FontMissing as exc:
            problems.append(f"{lang}: {exc}")
            continue
        missing = font.missing_glyphs(title + "".join(labels))
        if missing:
            problems.append(
                f"{lang}: {font.family} ({font.path}) has no glyph for {''.join(sorted(missing))}"
            )
            continue
        sheet = Sheet(title, "selfcheck", [Bars("分类", labels, [4, 3, 2, 1])], columns=1)
        path = render(sheet, out / f"selfcheck-{lang}.png", font)
        if not is_png(path) or path.stat().st_size < 1000:
            problems.append(f"{lang}: the chart {path} is not a PNG")
            continue
        print(f"report chart {lang}: ok ({font.family}, {font.path})")
    compiled = str(nlp.classifier.__file__).endswith((".so", ".pyd"))
    print(f"classifier: {'compiled' if compiled else 'pure Python'} ({nlp.classifier.__file__})")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.app.selfcheck", description=__doc__)
    parser.add_argument(
        "--fonts",
        default="package",
        help="where to look for the CJK font, as STEWARD_REPORT_FONTS (default: package)",
    )
    args = parser.parse_args(argv)
    sources = [s.strip() for s in args.fonts.split(",") if s.strip()]
    with tempfile.TemporaryDirectory(prefix="steward-selfcheck-") as out:
        problems = check(sources, Path(out))
    for problem in problems:
        print(f"selfcheck: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
