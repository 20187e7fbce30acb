"""Pictures of a measure: run chart and XmR chart as PNG bytes, and a terminal sparkline.

Drawn on a matplotlib Figure with the Agg canvas, never pyplot's global state, so charts can be
made from any thread and nothing is left open. Every word on a chart (legend, axis label) is a
catalogue entry, ``chart.*``, in the language of the reply the chart goes with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from bot.core.measure.runchart import RunChartAnalysis
from bot.core.measure.xmr import XmRAnalysis
from bot.core.wording import say

COLOURS: dict[str, str] = {
    "line": "#1f4e79",
    "centre": "#555555",
    "shift": "#e07000",
    "trend": "#2e8b57",
    "astronomical": "#c00000",
    "limits": "#c00000",
}
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
WIDTH, HEIGHT, DPI = 800, 450, 100


def sparkline(values: Sequence[float]) -> str:
    """One block character a value, lowest ▁ to highest █; a flat series sits in the middle."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARK_BLOCKS[len(SPARK_BLOCKS) // 2 - 1] * len(values)
    top = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[round((v - low) / (high - low) * top)] for v in values)


def new_axes(width: int, height: int) -> tuple[Figure, Axes]:
    """A figure of width × height pixels on its own Agg canvas, with one set of axes."""
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes, exactly its pixel size (no tight cropping)."""
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def check_series(dates: Sequence[date], values: Sequence[float]) -> None:
    """Raise ValueError unless there is one date for each of at least one value."""
    if not values or len(dates) != len(values):
        raise ValueError("a chart needs one date for each value, and at least one value")


def plot_series(axes: Axes, dates: Sequence[date], values: Sequence[float]) -> None:
    """The points joined by a line, dates along the bottom."""
    axes.plot(dates, values, marker="o", markersize=4, color=COLOURS["line"], linewidth=1.5)
    locator = AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def label(name: str, lang: str) -> str:
    """A word on the chart ("median", "shift"...) in ``lang``."""
    return say(f"chart.{name}", lang)


def label_axes(axes: Axes, title: str, unit: str, lang: str) -> None:
    """Title, axis labels, legend and a light grid."""
    axes.set_title(title)
    axes.set_xlabel(label("date", lang))
    axes.set_ylabel(unit)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")


def mark_run_signals(
    axes: Axes,
    dates: Sequence[date],
    values: Sequence[float],
    analysis: RunChartAnalysis,
    lang: str,
) -> None:
    """Circle shift points, mark trend points with triangles, and ring astronomical points."""
    labelled: set[str] = set()
    for signal in analysis.signals:
        if signal.rule == "runs":
            continue  # a property of the whole chart: told in words, not drawn
        span = range(signal.start, signal.end + 1)
        if signal.rule == "shift":  # points on the median take no part in a shift
            span = [i for i in span if values[i] != analysis.median]
        style = _SIGNAL_STYLES[signal.rule]
        legend = None if signal.rule in labelled else label(signal.rule, lang)
        labelled.add(signal.rule)
        axes.scatter(
            [dates[i] for i in span],
            [values[i] for i in span],
            label=legend,
            zorder=3,
            **style,
        )


_SIGNAL_STYLES: dict[str, dict[str, object]] = {
    "shift": {"s": 160, "facecolors": "none", "edgecolors": COLOURS["shift"], "linewidths": 2},
    "trend": {"s": 70, "marker": "^", "color": COLOURS["trend"]},
    "astronomical": {
        "s": 220,
        "marker": "D",
        "facecolors": "none",
        "edgecolors": COLOURS["astronomical"],
        "linewidths": 2,
    },
}


def run_chart_figure(
    dates: Sequence[date],
    values: Sequence[float],
    analysis: RunChartAnalysis,
    title: str,
    unit: str,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    lang: str = "en",
) -> Figure:
    """A run chart: points, the median (dashed, labelled) and the signals highlighted."""
    check_series(dates, values)
    figure, axes = new_axes(*size)
    plot_series(axes, dates, values)
    frozen = analysis.baseline_points is not None
    median_label = label("median_baseline" if frozen else "median", lang)
    axes.axhline(analysis.median, linestyle="--", color=COLOURS["centre"], label=median_label)
    if frozen and analysis.baseline_points < len(dates):
        last_baseline = dates[analysis.baseline_points - 1]
        axes.axvline(last_baseline, linestyle=":", color=COLOURS["centre"],
                     label=label("baseline_end", lang))
    mark_run_signals(axes, dates, values, analysis, lang)
    label_axes(axes, title, unit, lang)
    return figure


def run_chart_png(
    dates: Sequence[date],
    values: Sequence[float],
    analysis: RunChartAnalysis,
    title: str,
    unit: str,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    lang: str = "en",
) -> bytes:
    """The run chart (run_chart_figure) as PNG bytes."""
    return png_bytes(run_chart_figure(dates, values, analysis, title, unit, size, lang))


def xmr_chart_figure(
    dates: Sequence[date],
    values: Sequence[float],
    analysis: XmRAnalysis,
    title: str,
    unit: str,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    lang: str = "en",
) -> Figure:
    """An XmR chart: points, the mean, the process limits and special causes."""
    check_series(dates, values)
    figure, axes = new_axes(*size)
    plot_series(axes, dates, values)
    axes.axhline(analysis.mean, color=COLOURS["centre"], label=label("mean", lang))
    limit_style = {"linestyle": "--", "color": COLOURS["limits"]}
    axes.axhline(analysis.upper_limit, label=label("limits", lang), **limit_style)
    axes.axhline(analysis.lower_limit, **limit_style)
    special = sorted({i for s in analysis.signals for i in range(s.start, s.end + 1)})
    if special:
        axes.scatter(
            [dates[i] for i in special],
            [values[i] for i in special],
            s=60,
            color=COLOURS["shift"],
            zorder=3,
            label=label("special", lang),
        )
    label_axes(axes, title, unit, lang)
    return figure


def xmr_chart_png(
    dates: Sequence[date],
    values: Sequence[float],
    analysis: XmRAnalysis,
    title: str,
    unit: str,
    size: tuple[int, int] = (WIDTH, HEIGHT),
    lang: str = "en",
) -> bytes:
    """The XmR chart (xmr_chart_figure) as PNG bytes."""
    return png_bytes(xmr_chart_figure(dates, values, analysis, title, unit, size, lang))
