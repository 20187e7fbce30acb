"""Pictures of a measure: run chart and XmR chart as PNG bytes, and a terminal sparkline.

Drawn on a matplotlib Figure with the Agg canvas, never pyplot's global state, so charts can be
made from any thread and nothing is left open.
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

# User-facing wording on the charts, kept in one place for the translators (Welsh to follow).
LABELS: dict[str, str] = {
    "median": "median",
    "median_baseline": "median (baseline)",
    "baseline_end": "end of baseline",
    "shift": "shift",
    "trend": "trend",
    "astronomical": "unusual point",
    "mean": "mean",
    "limits": "process limits",
    "special": "special cause",
    "date": "date",
}
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


def label_axes(axes: Axes, title: str, unit: str) -> None:
    """Title, axis labels, legend and a light grid."""
    axes.set_title(title)
    axes.set_xlabel(LABELS["date"])
    axes.set_ylabel(unit)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize="small")


def mark_run_signals(
    axes: Axes, dates: Sequence[date], values: Sequence[float], analysis: RunChartAnalysis
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
        label = None if signal.rule in labelled else LABELS[signal.rule]
        labelled.add(signal.rule)
        axes.scatter(
            [dates[i] for i in span],
            [values[i] for i in span],
            label=label,
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


def run_chart_png(
    dates: Sequence[date],
    values: Sequence[float],
    analysis: RunChartAnalysis,
    title: str,
    unit: str,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> bytes:
    """A run chart: points, the median (dashed, labelled), signals highlighted, as PNG bytes."""
    check_series(dates, values)
    figure, axes = new_axes(*size)
    plot_series(axes, dates, values)
    frozen = analysis.baseline_points is not None
    median_label = LABELS["median_baseline" if frozen else "median"]
    axes.axhline(analysis.median, linestyle="--", color=COLOURS["centre"], label=median_label)
    if frozen and analysis.baseline_points < len(dates):
        last_baseline = dates[analysis.baseline_points - 1]
        axes.axvline(
            last_baseline, linestyle=":", color=COLOURS["centre"], label=LABELS["baseline_end"]
        )
    mark_run_signals(axes, dates, values, analysis)
    label_axes(axes, title, unit)
    return png_bytes(figure)


def xmr_chart_png(
    dates: Sequence[date],
    values: Sequence[float],
    analysis: XmRAnalysis,
    title: str,
    unit: str,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> bytes:
    """An XmR chart: points, the mean, the process limits and special causes, as PNG bytes."""
    check_series(dates, values)
    figure, axes = new_axes(*size)
    plot_series(axes, dates, values)
    axes.axhline(analysis.mean, color=COLOURS["centre"], label=LABELS["mean"])
    limit_style = {"linestyle": "--", "color": COLOURS["limits"]}
    axes.axhline(analysis.upper_limit, label=LABELS["limits"], **limit_style)
    axes.axhline(analysis.lower_limit, **limit_style)
    special = sorted({i for s in analysis.signals for i in range(s.start, s.end + 1)})
    if special:
        axes.scatter(
            [dates[i] for i in special],
            [values[i] for i in special],
            s=60,
            color=COLOURS["shift"],
            zorder=3,
            label=LABELS["special"],
        )
    label_axes(axes, title, unit)
    return png_bytes(figure)
