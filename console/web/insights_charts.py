"""Bar charts laid out on the server, for the template to draw as inline SVG (no script)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28
TICKS = 4
# Colour-blind-safe (Okabe-Ito), dark enough for white page backgrounds.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000")
MAX_AXIS_LABELS = 12

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]  # one per slot
    color: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str  # shown on hover, read by screen readers


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A stacked bar chart in a WIDTH x HEIGHT box, and the same figures as a table."""

    id: str
    title: str
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[AxisLabel]
    series: list[Series]
    slots: list[str]
    fmt: Format
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - BOTTOM
    left: float = LEFT

    @property
    def empty(self) -> bool:
        return not any(value for s in self.series for value in s.values)

    def cell(self, value: float) -> str:
        return self.fmt(value)


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _nice_step(peak: float, *, whole: bool) -> float:
    """A round gap between gridlines so TICKS of them reach `peak`: 0, 25, 50, 75, 100."""
    if peak <= 0:
        return 1.0
    raw = peak / TICKS
    if whole and raw <= 1:  # counts are whole: a gridline at 0.5 messages reads as 0 or 1
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    steps = [s * magnitude for s in (1.0, 2.0, 2.5, 5.0, 10.0)]
    return next(s for s in steps if s >= raw and (not whole or s.is_integer()))


def bar_chart(
    chart_id: str, title: str, slots: Sequence[str], series: Sequence[Series], fmt: Format = _count
) -> Chart:
    """Bars per slot, one segment per series stacked from the bottom."""
    totals = [sum(s.values[i] for s in series) for i in range(len(slots))]
    top = _nice_step(max(totals, default=0.0), whole=fmt is _count) * TICKS
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(slots), 1)
    width = max(step * 0.7, 1.0)
    bars = []
    for i, slot in enumerate(slots):
        base = float(HEIGHT - BOTTOM)
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            height = value / top * plot_height
            base -= height
            x = LEFT + i * step + (step - width) / 2
            bar = Bar(x, base, width, height, s.color, f"{slot} · {s.name}: {fmt(value)}")
            bars.append(bar)
    ticks = [
        Tick(HEIGHT - BOTTOM - plot_height * n / TICKS, fmt(top * n / TICKS))
        for n in range(TICKS + 1)
    ]
    every = math.ceil(len(slots) / MAX_AXIS_LABELS) or 1
    labels = [
        AxisLabel(LEFT + i * step + step / 2, slot)
        for i, slot in enumerate(slots)
        if i % every == 0
    ]
    return Chart(chart_id, title, bars, ticks, labels, list(series), list(slots), fmt)


def daily_chart(
    chart_id: str,
    title: str,
    days: Sequence[date],
    by_series: Mapping[str, Mapping[date, float]],
    *,
    colors: Mapping[str, str] | None = None,
    fmt: Format = _count,
) -> Chart:
    """One bar per day, stacked by series (a triage class, a currency...)."""
    series = [
        Series(
            name,
            [float(values.get(day, 0)) for day in days],
            (colors or {}).get(name, PALETTE[n % len(PALETTE)]),
        )
        for n, (name, values) in enumerate(sorted(by_series.items()))
    ]
    slots = [day.strftime("%m-%d") for day in days]
    return bar_chart(chart_id, title, slots, series, fmt)
