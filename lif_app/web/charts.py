"""Turn-the-curve charts as SVG drawn on the server: the history, the baseline forecast, the target.

One ``<circle class="point">`` per period with a value, nothing else drawn as a circle, so a
reader (or a test) can count the periods plotted. The chart carries a ``<title>`` and a
``<desc>`` that say in words what it shows, and uses presentation attributes only (no inline
style), so it renders under a strict Content-Security-Policy and in a static report alike.
Colour is never the only cue: the forecast is dashed, the target dotted. The value axis starts
at zero whenever no value is negative (every count and percentage), and the zero line is labelled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

__all__ = ["CurvePoint", "period_label", "points_from_rows", "turn_the_curve_svg"]

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 78
INK = "#0b0c0c"
HISTORY = "#1d3f8f"
FORECAST = "#505a5f"
TARGET = "#00703c"
GRID = "#d8dadc"
BASELINE_BAND = "#f3f2f1"


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """One period of a measure: its label, value and baseline forecast (None when not shown)."""

    label: str
    value: float | None
    forecast: float | None
    baseline: bool = False


def period_label(start: str, end: str) -> str:
    """``2024`` for a calendar year, ``2023-24`` for a year across two, else the end date."""
    first, last = date.fromisoformat(str(start)[:10]), date.fromisoformat(str(end)[:10])
    if (last - first).days >= 360:
        if first.year == last.year:
            return str(first.year)
        return f"{first.year}-{str(last.year)[2:]}"
    return last.isoformat()


def _fmt(value: float, unit: str) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    return f"{text}%" if unit == "%" else text


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    raw = span / 5 if span > 0 else 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 0.001:
        if value >= low - step * 0.001:
            ticks.append(round(value, 6))
        value += step
    return ticks


def _range(values: Sequence[float], unit: str) -> tuple[float, float]:
    """The value axis: from zero whenever no value is below it (counts and percentages always
    are), so the height of a point is its size and 85 % to 87 % does not look like a swing."""
    low, high = min(values), max(values)
    pad = (high - low) * 0.2 or max(abs(high) * 0.1, 1.0)
    low, high = low - pad, high + pad
    if unit == "%":
        high = min(high, 100.0) if max(values) <= 100 else high
    if min(values) >= 0:
        low = 0.0
    ticks = _ticks(low, high)
    return min(ticks[0], low), max(ticks[-1], high)


def turn_the_curve_svg(
    points: Sequence[CurvePoint],
    *,
    title: str,
    unit: str,
    target: float | None,
    chart_id: str,
    polarity: str = "higher-is-better",
    note: str = "",
) -> str:
    """The chart as an ``<svg>`` element; ``chart_id`` makes its title and desc ids unique."""
    plotted = [p.value for p in points if p.value is not None]
    forecasts = [p.forecast for p in points if p.forecast is not None]
    scale_values = plotted + forecasts + ([target] if target is not None else [])
    cid = escape(chart_id, quote=True)
    if not scale_values:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="ttc" viewBox="0 0 {WIDTH} 60" role="img" '
            f'aria-labelledby="{cid}-title {cid}-desc"><title id="{cid}-title">{escape(title)}</title>'
            f'<desc id="{cid}-desc">No values to plot.</desc>'
            f'<text x="{LEFT}" y="34" fill="{INK}" font-size="14">No values to plot{escape(note and ": " + note)}</text></svg>'
        )
    low, high = _range(scale_values, unit)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if n == 1 else plot_w * (0.04 + 0.92 * i / (n - 1)))

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts: list[str] = []
    baseline_idx = [i for i, p in enumerate(points) if p.baseline]
    if baseline_idx:
        x0 = x(baseline_idx[0]) - (plot_w / max(n, 2)) * 0.4
        x1 = x(baseline_idx[-1]) + (plot_w / max(n, 2)) * 0.4
        x0, x1 = max(x0, LEFT), min(x1, LEFT + plot_w)
        parts.append(
            f'<rect class="baseline-band" x="{x0:.1f}" y="{TOP}" width="{x1 - x0:.1f}" height="{plot_h}" fill="{BASELINE_BAND}"/>'
            f'<text x="{(x0 + x1) / 2:.1f}" y="{TOP + 14}" text-anchor="middle" fill="{FORECAST}" font-size="11">baseline</text>'
        )
    for tick in _ticks(low, high):
        ty = y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{ty + 4:.1f}" text-anchor="end" fill="{INK}" font-size="12">{escape(_fmt(tick, unit))}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{INK}" stroke-width="1"/>'
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{INK}" stroke-width="1"/>'
    )
    for i, p in enumerate(points):
        parts.append(
            f'<text x="{x(i):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle" fill="{INK}" font-size="12">{escape(p.label)}</text>'
        )
    if target is not None:
        ty = y(target)
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{LEFT + plot_w}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="2 4"/>'
        )
    forecast_line = [(x(i), y(p.forecast)) for i, p in enumerate(points) if p.forecast is not None]
    if len(forecast_line) > 1:
        parts.append(
            '<polyline class="forecast" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="8 5" points="{}"/>'.format(
                FORECAST, " ".join(f"{px:.1f},{py:.1f}" for px, py in forecast_line)
            )
        )
    segment: list[tuple[float, float]] = []
    segments: list[list[tuple[float, float]]] = []
    for i, p in enumerate(points):
        if p.value is None:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append((x(i), y(p.value)))
    if segment:
        segments.append(segment)
    for seg in segments:
        if len(seg) > 1:
            parts.append(
                '<polyline class="history" fill="none" stroke="{}" stroke-width="3" points="{}"/>'.format(
                    HISTORY, " ".join(f"{px:.1f},{py:.1f}" for px, py in seg)
                )
            )
    for i, p in enumerate(points):
        if p.value is None:
            continue
        parts.append(
            f'<circle class="point" cx="{x(i):.1f}" cy="{y(p.value):.1f}" r="5" fill="{HISTORY}" stroke="#ffffff" stroke-width="1.5">'
            f"<title>{escape(p.label)}: {escape(_fmt(p.value, unit))}</title></circle>"
        )
    ly = HEIGHT - 22
    legend = [
        f'<line x1="{LEFT}" x2="{LEFT + 28}" y1="{ly}" y2="{ly}" stroke="{HISTORY}" stroke-width="3"/>'
        f'<text x="{LEFT + 34}" y="{ly + 4}" fill="{INK}" font-size="12">History</text>'
    ]
    if len(forecast_line) > 1:
        legend.append(
            f'<line x1="{LEFT + 110}" x2="{LEFT + 138}" y1="{ly}" y2="{ly}" stroke="{FORECAST}" stroke-width="2" stroke-dasharray="8 5"/>'
            f'<text x="{LEFT + 144}" y="{ly + 4}" fill="{INK}" font-size="12">Baseline forecast</text>'
        )
    if target is not None:
        legend.append(
            f'<line x1="{LEFT + 280}" x2="{LEFT + 308}" y1="{ly}" y2="{ly}" stroke="{TARGET}" stroke-width="2" stroke-dasharray="2 4"/>'
            f'<text x="{LEFT + 314}" y="{ly + 4}" fill="{INK}" font-size="12">Target {escape(_fmt(target, unit))}</text>'
        )
    desc = _describe(points, unit, target, polarity, note)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="ttc" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{cid}-title {cid}-desc" data-points="{len(plotted)}">'
        f'<title id="{cid}-title">{escape(title)}</title><desc id="{cid}-desc">{escape(desc)}</desc>'
        + "".join(parts)
        + "".join(legend)
        + "</svg>"
    )


def _describe(
    points: Sequence[CurvePoint], unit: str, target: float | None, polarity: str, note: str
) -> str:
    shown = [p for p in points if p.value is not None]
    words = [
        f"Turn-the-curve chart of {len(shown)} period{'s' if len(shown) != 1 else ''}"
        + (f" from {points[0].label} to {points[-1].label}." if points else ".")
    ]
    if shown:
        last = shown[-1]
        assert last.value is not None
        words.append(f"Latest value {_fmt(last.value, unit)} in {last.label}.")
        if last.forecast is not None:
            words.append(f"Baseline forecast for it {_fmt(last.forecast, unit)}.")
    if target is not None:
        words.append(f"Target {_fmt(target, unit)}.")
    words.append("Higher is better." if polarity == "higher-is-better" else "Lower is better.")
    if note:
        words.append(note)
    return " ".join(words)


def points_from_rows(rows: Sequence[dict[str, object]]) -> list[CurvePoint]:
    """Curve points from ``impact_monitoring`` rows of one measure, earliest period first."""
    return [
        CurvePoint(
            label=period_label(str(r["period_start"]), str(r["period_end"])),
            value=None if r["value"] is None else float(str(r["value"])),
            forecast=None if r["forecast"] is None else float(str(r["forecast"])),
            baseline=bool(r["baseline"]),
        )
        for r in rows
    ]
