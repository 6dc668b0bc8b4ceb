"""Turn-the-curve charts and the small-number rule, piece by piece."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from lif_app.web.charts import CurvePoint, period_label, turn_the_curve_svg
from lif_app.web.report import Suppression
from lif_app.web.suppression import load_rules

SVG = "{http://www.w3.org/2000/svg}"


def chart(points: list[CurvePoint], target: float | None = 90.0) -> ET.Element:
    return ET.fromstring(
        turn_the_curve_svg(
            points, title="Conferences on time", unit="%", target=target, chart_id="c1"
        )
    )


def test_one_circle_per_period_with_a_value_and_nothing_else_round() -> None:
    svg = chart(
        [
            CurvePoint("2022-23", 85.3, 85.3, True),
            CurvePoint("2023-24", 87.3, 87.3, True),
            CurvePoint("2024-25", None, 89.3),
            CurvePoint("2025-26", 86.5, 91.3),
        ]
    )
    circles = svg.findall(f".//{SVG}circle")
    assert len(circles) == 3 and all(c.get("class") == "point" for c in circles)
    assert svg.get("data-points") == "3"
    # A gap breaks the history line: two segments, one of two points and a lone point.
    history = svg.findall(f".//{SVG}polyline[@class='history']")
    assert [len(h.get("points", "").split()) for h in history] == [2]
    assert len(svg.findall(f".//{SVG}polyline[@class='forecast']")) == 1
    assert svg.findall(f".//{SVG}line[@class='target']")


def test_the_chart_says_in_words_what_it_shows() -> None:
    svg = chart([CurvePoint("2023", 40.0, 40.0, True), CurvePoint("2024", 55.5, 41.0)])
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c1-title c1-desc"
    title = svg.find(f"{SVG}title")
    desc = svg.find(f"{SVG}desc")
    assert title is not None and title.text == "Conferences on time"
    assert desc is not None and desc.text is not None
    assert "Latest value 55.5% in 2024" in desc.text and "Target 90%" in desc.text
    assert "Baseline forecast for it 41%" in desc.text


def test_no_inline_style_so_it_renders_under_a_strict_content_security_policy() -> None:
    text = turn_the_curve_svg(
        [CurvePoint("2024", 1.0, 1.0, True)], title="t", unit="count", target=None, chart_id="x"
    )
    assert "style=" not in text and "<style" not in text and "<script" not in text


def test_no_values_gives_a_chart_that_says_so() -> None:
    svg = chart([CurvePoint("2024", None, None)], target=None)
    assert not svg.findall(f".//{SVG}circle")
    desc = svg.find(f"{SVG}desc")
    assert desc is not None and desc.text == "No values to plot."


def test_text_is_escaped() -> None:
    text = turn_the_curve_svg(
        [CurvePoint("<b>", 1.0, None)], title="A & B <i>", unit="", target=None, chart_id='"x'
    )
    ET.fromstring(text)
    assert "<b>" not in text and "A &amp; B &lt;i&gt;" in text


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2024-01-01", "2024-12-31", "2024"),
        ("2023-04-01", "2024-03-31", "2023-24"),
        ("2023-09-01", "2024-08-31", "2023-24"),
        ("2025-01-01", "2025-03-31", "2025-03-31"),
    ],
)
def test_period_labels(start: str, end: str, label: str) -> None:
    assert period_label(start, end) == label


def test_small_counts_of_people_are_published_as_fewer_than_and_zero_is_shown() -> None:
    rule = Suppression(load_rules())
    assert [rule.count(n, people=True) for n in (0, 1, 4, 5, 120)] == [
        0,
        "fewer than 5",
        "fewer than 5",
        5,
        120,
    ]
    # Counts of actions and learning items are not people: published as they are.
    assert [rule.count(n, people=False) for n in (0, 1, 4)] == [0, 1, 4]
    assert 'data-suppressed="true"' in rule.html(rule.count(3, people=True))
    assert rule.html(rule.count(7, people=True)) == '<span class="count">7</span>'


@pytest.mark.parametrize(
    ("row", "withheld"),
    [
        ({"value": 3.0, "unit": "count"}, True),
        ({"value": 12.0, "unit": "count"}, False),
        ({"value": 75.0, "unit": "%", "numerator": 3.0, "denominator": 4.0}, True),
        ({"value": 99.0, "unit": "%", "numerator": 198.0, "denominator": 200.0}, True),
        ({"value": 85.3, "unit": "%", "numerator": 1012.0, "denominator": 1187.0}, False),
        ({"value": 72.0, "unit": "%", "numerator": None, "denominator": None}, False),
    ],
)
def test_a_rate_resting_on_a_small_count_is_withheld(
    row: dict[str, object], withheld: bool
) -> None:
    assert Suppression(load_rules()).hides_value(row) is withheld


def test_percentage_and_count_axes_start_at_zero() -> None:
    """85 % to 87 % is drawn on an axis from 0, so the line barely moves: the bottom tick is 0
    and the points sit near the top (y of 85 is at least 80 % of the way up the plot)."""
    for unit, values in (("%", [85.0, 86.0, 87.0]), ("count", [120.0, 118.0, 125.0])):
        points = [CurvePoint(str(2020 + i), v, None) for i, v in enumerate(values)]
        svg = turn_the_curve_svg(points, title="t", unit=unit, target=None, chart_id="z")
        labels = re.findall(r'text-anchor="end"[^>]*>([^<]+)</text>', svg)
        assert labels[0] in ("0", "0%"), labels
        ys = [float(y) for y in re.findall(r'<circle class="point" cx="[^"]+" cy="([^"]+)"', svg)]
        top, bottom = 20, 300 - 78  # TOP and HEIGHT - BOTTOM of the plot area
        for y in ys:
            assert (bottom - y) / (bottom - top) >= 0.8, (unit, ys)
