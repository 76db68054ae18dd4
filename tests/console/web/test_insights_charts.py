"""Bar charts laid out for SVG: stacked segments in proportion, round gridlines, readable axes."""

from __future__ import annotations

from datetime import date, timedelta

from console.web.insights_charts import (
    MAX_AXIS_LABELS,
    TICKS,
    Series,
    bar_chart,
    daily_chart,
)

BOTTOM_Y = 212  # HEIGHT less the bottom margin


def test_stacked_segments_sit_on_each_other_in_proportion() -> None:
    chart = bar_chart(
        "c", "t", ["a", "b"], [Series("x", [2, 1], "#000"), Series("y", [2, 0], "#fff")]
    )

    first_x, first_y, second = chart.bars
    assert first_x.y + first_x.height == BOTTOM_Y
    assert first_y.y + first_y.height == first_x.y
    assert first_y.height == first_x.height == 2 * second.height
    assert [b.title for b in chart.bars] == ["a · x: 2", "a · y: 2", "b · x: 1"]
    assert chart.bars[0].y >= 0


def test_gridlines_are_whole_numbers_for_counts_and_round_for_money() -> None:
    counts = bar_chart("c", "t", ["a"], [Series("x", [2], "#000")])
    money = bar_chart("m", "t", ["a"], [Series("x", [254.0], "#000")], fmt=lambda v: f"{v:g}")

    assert [t.label for t in counts.ticks] == ["0", "1", "2", "3", "4"]
    assert [t.label for t in money.ticks] == ["0", "100", "200", "300", "400"]
    assert len(money.ticks) == TICKS + 1


def test_a_long_range_labels_only_some_days_and_an_empty_one_says_so() -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(90)]

    chart = daily_chart("d", "t", days, {"x": {days[3]: 5}})
    empty = daily_chart("e", "t", days, {})

    assert len(chart.labels) <= MAX_AXIS_LABELS
    assert chart.labels[0].label == "01-01"
    assert len(chart.bars) == 1
    assert not chart.empty
    assert empty.empty
