"""Report charts: matplotlib on the Agg canvas (no pyplot, no display), in Noto Sans CJK.

Where the font comes from, in the order of `ReportPolicy.fonts` (`STEWARD_REPORT_FONTS`):
`package`, the Noto Sans CJK collection that ships as the Python package noto-cjk-sans-otc
(a dependency: a fresh machine has it after `pip install`, no system font needed); `system`,
matplotlib's font list and Debian's fonts-noto-cjk directories; or a font file's path. The
SC face serves Simplified communities, HK or TC Traditional ones. Without a CJK font the
Chinese labels would come out as empty boxes, so none found is `FontMissing`, and the
report goes out as text and CSV with a line saying why (`handlers.reports.service`).

Every text element gets the font explicitly (`FontProperties`) instead of changing global
rcParams, so rendering in a worker thread does not disturb anything else.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.ticker import MaxNLocator

FAMILIES = {"zh-Hans": "Noto Sans CJK SC", "zh-Hant": "Noto Sans CJK HK", "zh-Hant-TW": "Noto Sans CJK TC"}
FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK*-Regular.otf",
    "/usr/share/fonts/**/NotoSansCJK*Regular*.tt[cf]",
    "/usr/share/fonts/**/NotoSansCJK*Regular*.otf",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MET_COLOURS = {True: "#3a9d5d", False: "#c0392b", None: "#95a5a6"}
PALETTE = ("#2f6db5", "#e07b39", "#3a9d5d", "#c0392b", "#8e6bbf", "#7f8c8d", "#d4ac0d", "#16a085")


class FontMissing(RuntimeError):
    """No CJK font to draw Chinese labels with; the message says what to install."""


@dataclass(frozen=True)
class CjkFont:
    family: str
    path: str
    index: int  # face in a .ttc collection

    def properties(self, size: float = 11, weight: str = "normal") -> font_manager.FontProperties:
        return font_manager.FontProperties(family=self.family, size=size, weight=weight)

    def charmap(self) -> dict[int, int]:
        return dict(FT2Font(self.path, face_index=self.index).get_charmap())

    def missing_glyphs(self, text: str) -> set[str]:
        """Characters of `text` the font has no glyph for (they would render as boxes)."""
        have = self.charmap()
        return {ch for ch in text if not ch.isspace() and ord(ch) not in have}


FONT_PACKAGE = ("noto_cjk_sans_otc", "NotoSansCJK-Regular.ttc")  # PyPI: noto-cjk-sans-otc (OFL-1.1)
DEFAULT_SOURCES = ("package", "system")


def _regular(family: str, path: str | None = None) -> Any:
    entries = [
        e
        for e in font_manager.fontManager.ttflist
        if e.name == family and (path is None or str(e.fname) == path)
    ]
    entries.sort(key=lambda e: abs(int(e.weight) - 400) if str(e.weight).isdigit() else 999)
    return entries[0] if entries else None


def packaged_font() -> str | None:
    """The path of the Noto Sans CJK collection the font package ships, if it is installed."""
    module, name = FONT_PACKAGE
    try:
        path = resources.files(module).joinpath(name)
    except ModuleNotFoundError:
        return None
    return str(path) if path.is_file() else None


def _in_file(path: str, family: str) -> Any:
    """The face of `family` in a font file (any face if the file has no such family)."""
    if not any(str(e.fname) == path for e in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    entry = _regular(family, path)
    if entry is None:
        entry = next((e for e in font_manager.fontManager.ttflist if str(e.fname) == path), None)
    return entry


def _from_system(family: str) -> Any:
    entry = _regular(family)
    if entry is None:  # installed after matplotlib built its font cache
        for pattern in FONT_GLOBS:
            for path in sorted(glob.glob(pattern, recursive=True)):
                font_manager.fontManager.addfont(path)
        entry = _regular(family)
    return entry


@lru_cache(maxsize=16)
def find_cjk_font(lang: str = "zh-Hans", sources: tuple[str, ...] = DEFAULT_SOURCES) -> CjkFont:
    """The Noto Sans CJK face for a language from the first of `sources` that has one
    ("package", "system" or a font file's path), or `FontMissing` saying what was tried."""
    family = FAMILIES.get(lang, FAMILIES["zh-Hans"])
    for source in sources:
        if source == "system":
            entry = _from_system(family)
        else:
            path = packaged_font() if source == "package" else source
            entry = _in_file(path, family) if path and Path(path).is_file() else None
        if entry is not None:
            return CjkFont(str(entry.name), str(entry.fname), int(getattr(entry, "index", 0) or 0))
    raise FontMissing(
        f"no CJK font for {family!r} (tried: {', '.join(sources) or 'nothing'}): install the "
        "noto-cjk-sans-otc package (a dependency of steward) or Debian's fonts-noto-cjk"
    )


# -- panels -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bars:
    """A bar chart; `percent` draws values in 0..1 as percentages."""

    title: str
    labels: Sequence[str]
    values: Sequence[float]
    horizontal: bool = False
    percent: bool = False
    empty: str = "无数据"
    # Beside a target: a tick at each bar's target (None: none) and the bar green when met,
    # red when missed (None: neither, grey).
    targets: Sequence[float | None] = ()
    met: Sequence[bool | None] = ()


@dataclass(frozen=True)
class Lines:
    """Figures over a quarter's or a year's months: one line per figure (None: no value)."""

    title: str
    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[float | None]]]
    percent: bool = False
    empty: str = "无数据"


@dataclass(frozen=True)
class Trend:
    """Daily counts as bars with a share line on a second axis."""

    title: str
    labels: Sequence[str]
    counts: Sequence[int]
    count_name: str
    shares: Sequence[float | None]  # None: no messages that day
    share_name: str
    empty: str = "无数据"


@dataclass(frozen=True)
class Sheet:
    """A page of panels under a title."""

    title: str
    subtitle: str
    panels: Sequence[Bars | Trend | Lines]
    columns: int = 2
    footer: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


def _style_axes(ax: Any, font: CjkFont) -> None:
    small = font.properties(9)
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontproperties(small)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)


def _empty(ax: Any, font: CjkFont, title: str, text: str) -> None:
    ax.set_title(title, fontproperties=font.properties(12, "bold"), loc="left")
    ax.text(
        0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontproperties=font.properties(11)
    )
    ax.set_axis_off()


def _bars(ax: Any, panel: Bars, font: CjkFont) -> None:
    if not panel.values:
        _empty(ax, font, panel.title, panel.empty)
        return
    labels = list(panel.labels)
    values = [float(v) for v in panel.values]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(values))]
    if panel.met:
        colours = [MET_COLOURS[m] for m in panel.met]
    shown = [f"{v:.0%}" if panel.percent else f"{v:g}" for v in values]
    if panel.horizontal:
        positions = list(range(len(values)))[::-1]
        bars = ax.barh(positions, values, color=colours, height=0.6)
        ax.set_yticks(positions, labels)
        ax.set_ylim(-0.6, max(len(values), 4) - 0.4)
        if not panel.percent:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        limit = max(values) * 1.18 or 1
        ax.set_xlim(0, 1.15 if panel.percent else limit)
    else:
        positions = list(range(len(values)))
        bars = ax.bar(positions, values, color=colours, width=0.6)
        ax.set_xticks(positions, labels)
        if not panel.percent:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if len(labels) > 5:
            for tick in ax.get_xticklabels():
                tick.set_rotation(30)
                tick.set_ha("right")
        limit = max(values) * 1.18 or 1
        ax.set_ylim(0, 1.15 if panel.percent else limit)
    ax.bar_label(bars, labels=shown, padding=2, fontproperties=font.properties(9))
    for position, target in zip(positions, panel.targets, strict=False):
        if target is not None and panel.horizontal:
            ax.plot([target, target], [position - 0.4, position + 0.4], color="#222222", linewidth=2)
        elif target is not None:
            ax.plot([position - 0.4, position + 0.4], [target, target], color="#222222", linewidth=2)
    if panel.percent:
        ticks = [0, 0.25, 0.5, 0.75, 1.0]
        if panel.horizontal:
            ax.set_xticks(ticks, [f"{t:.0%}" for t in ticks])
        else:
            ax.set_yticks(ticks, [f"{t:.0%}" for t in ticks])
    ax.set_title(panel.title, fontproperties=font.properties(12, "bold"), loc="left")
    _style_axes(ax, font)


def _trend(ax: Any, panel: Trend, font: CjkFont) -> None:
    if not panel.counts or not any(panel.counts):
        _empty(ax, font, panel.title, panel.empty)
        return
    positions = list(range(len(panel.counts)))
    ax.bar(positions, panel.counts, color=PALETTE[3], alpha=0.75, label=panel.count_name)
    step = max(1, len(positions) // 10)
    ax.set_xticks(positions[::step], list(panel.labels)[::step])
    share_ax = ax.twinx()
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    shares = [float("nan") if share is None else share for share in panel.shares]
    share_ax.plot(positions, shares, color=PALETTE[0], marker="o", markersize=3, label=panel.share_name)
    share_ax.set_ylim(0, 1.05)
    share_ax.set_yticks([0, 0.5, 1.0], ["0%", "50%", "100%"])
    handles = ax.get_legend_handles_labels()
    more = share_ax.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], prop=font.properties(9), loc="upper left")
    ax.set_title(panel.title, fontproperties=font.properties(12, "bold"), loc="left")
    _style_axes(ax, font)
    _style_axes(share_ax, font)
    share_ax.spines["right"].set_visible(True)


def _lines(ax: Any, panel: Lines, font: CjkFont) -> None:
    if not any(v is not None for _, values in panel.series for v in values):
        _empty(ax, font, panel.title, panel.empty)
        return
    positions = list(range(len(panel.labels)))
    for index, (name, values) in enumerate(panel.series):
        points = [float("nan") if v is None else float(v) for v in values]
        ax.plot(positions, points, color=PALETTE[index % len(PALETTE)], marker="o", markersize=4, label=name)
    ax.set_xticks(positions, list(panel.labels))
    if panel.percent:
        ticks = [0, 0.25, 0.5, 0.75, 1.0]
        ax.set_ylim(0, 1.05)
        ax.set_yticks(ticks, [f"{t:.0%}" for t in ticks])
    else:
        ax.set_ylim(bottom=0)
    ax.legend(prop=font.properties(9), loc="best")
    ax.set_title(panel.title, fontproperties=font.properties(12, "bold"), loc="left")
    _style_axes(ax, font)


def render(sheet: Sheet, path: Path, font: CjkFont) -> Path:
    """Draw a sheet of panels to a PNG file and return its path."""
    columns = max(1, sheet.columns)
    rows = max(1, -(-len(sheet.panels) // columns))
    figure = Figure(figsize=(6.4 * columns, 3.9 * rows + 1.3), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(sheet.title, fontproperties=font.properties(17, "bold"))
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, ax in enumerate(axes.flat):
        if index >= len(sheet.panels):
            ax.set_axis_off()
            continue
        panel = sheet.panels[index]
        if isinstance(panel, Bars):
            _bars(ax, panel, font)
        elif isinstance(panel, Lines):
            _lines(ax, panel, font)
        else:
            _trend(ax, panel, font)
    bottom = "\n".join(part for part in (sheet.subtitle, *sheet.notes, sheet.footer) if part)
    if bottom:
        figure.supxlabel(bottom, fontproperties=font.properties(10), color="#444444")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def is_png(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(PNG_MAGIC)) == PNG_MAGIC
