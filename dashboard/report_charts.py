"""Static charts for the Word reports, as PNG bytes, rendered in this process without a network.

matplotlib, not plotly + kaleido (measured 2026-12-03 on this 2-core machine, three bar charts
with CJK labels): matplotlib 0.24–0.29 s after a 0.3–0.8 s import; kaleido 3.0–4.4 s even
with one ``start_sync_server`` (each export goes through a headless Chromium). A 专报 holds
two or three charts and has a 10 s budget, and the app's server process should not start a
browser on a button press. Figures are built with ``matplotlib.figure.Figure`` (no pyplot
state), so threads of the Streamlit server do not share a figure.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure

# the faces the project's scripts install (fonts-noto-cjk) come after the Windows ones
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "Microsoft YaHei",
             "SimHei", "WenQuanYi Zen Hei")
BAR = "#2F5597"
BAR_LOW = "#C00000"
LINE_COLORS = ("#2F5597", "#C55A11")


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first CJK family matplotlib can find, None if there is none (then glyphs are boxes:
    scripts/start.sh and scripts/test.sh install fonts-noto-cjk)."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


def _figure(width_in: float, height_in: float) -> Figure:
    # constrained layout: fitted in the one draw savefig makes (bbox_inches="tight" drew twice)
    fig = Figure(figsize=(width_in, height_in), dpi=150, layout="constrained")
    font = cjk_font()
    if font:
        matplotlib.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
        matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["axes.unicode_minus"] = False
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


def bottom_up(pairs: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Bars in drawing order (barh draws the first at the bottom): ascending, and among equal
    values the one ranked first ends on top, as in the ranking table."""
    return [p for _, p in sorted(enumerate(pairs), key=lambda ip: (ip[1][1], -ip[0]))]


def ranking_bar(names: Sequence[str], values: Sequence[float | None], title: str,
                xlabel: str = "%", highlight_below: float | None = None,
                xmax: float | None = 100.0) -> bytes:
    """Horizontal bars, best at the top; bars below ``highlight_below`` in red."""
    pairs = [(n, v) for n, v in zip(names, values) if v is not None]
    height = max(2.2, 0.26 * len(pairs) + 1.0)
    fig = _figure(6.4, height)
    ax = fig.add_subplot()
    if not pairs:
        ax.text(0.5, 0.5, "暂无数据", ha="center", va="center", fontsize=12)
        ax.set_axis_off()
    else:
        pairs = bottom_up(pairs)
        labels = [p[0] for p in pairs]
        vals = [float(p[1]) for p in pairs]
        colors = [BAR_LOW if highlight_below is not None and v < highlight_below else BAR
                  for v in vals]
        bars = ax.barh(labels, vals, color=colors, height=0.6)
        for bar, v in zip(bars, vals):
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {v:.1f}",
                    va="center", fontsize=8)
        top = max(vals) if vals else 1
        ax.set_xlim(0, max(xmax or 0, top * 1.12))
        ax.set_xlabel(xlabel, fontsize=9)
        ax.tick_params(labelsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=11)
    return _png(fig)


def trend_lines(periods: Sequence[str], series: dict[str, Sequence[float | None]],
                title: str, ylabel: str = "%") -> bytes:
    """One line per series over the months (gaps where a month has no value)."""
    fig = _figure(6.4, 2.4)
    ax = fig.add_subplot()
    if not periods:
        ax.text(0.5, 0.5, "暂无数据", ha="center", va="center", fontsize=12)
        ax.set_axis_off()
    else:
        xs = list(range(len(periods)))
        for (name, ys), color in zip(series.items(), LINE_COLORS * 4):
            vals = [float("nan") if v is None else float(v) for v in ys]
            ax.plot(xs, vals, marker="o", color=color, label=name, linewidth=1.6, markersize=4)
        ax.set_xticks(xs, list(periods), fontsize=8)
        ax.set_ylim(0, 105)
        ax.set_ylabel(ylabel, fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(axis="y", alpha=0.3)
        # under the axis: inside, it covered the lines near 0 or 100
        fig.legend(fontsize=8, loc="outside lower center", frameon=False, ncols=len(series))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    ax.set_title(title, fontsize=11)
    return _png(fig)
