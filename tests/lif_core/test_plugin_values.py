"""The plugin API's value readers: blanks, days, reporting periods and financial quarters."""

from __future__ import annotations

from datetime import date

import pytest

from lif_core.plugins import RecordError, ValidTime, blank, parse_date, parse_period, quarter_period


@pytest.mark.parametrize("value", [None, "", "  ", "-", "N/A", "none", "Not applicable"])
def test_blank_cells_in_the_words_sources_use(value: object) -> None:
    assert blank(value)


@pytest.mark.parametrize("value", [0, "0", "x", "2024"])
def test_values_that_are_not_blank(value: object) -> None:
    assert not blank(value)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2025-03-31", date(2025, 3, 31)),
        ("31/03/2025", date(2025, 3, 31)),
        ("3 March 2025", date(2025, 3, 3)),
        ("2025-03-31T09:30:00", date(2025, 3, 31)),
        (45747, date(2025, 3, 31)),  # Excel's serial day: 45747 days after 30 December 1899
        ("n/a", None),
    ],
)
def test_days_in_the_formats_uk_sources_write(value: object, day: date | None) -> None:
    assert parse_date(value, "Date") == day


def test_a_value_that_is_no_day_is_rejected_naming_the_column() -> None:
    with pytest.raises(RecordError, match="'31st of March' is not a date") as caught:
        parse_date("31st of March", "Date")
    assert caught.value.column == "Date"


@pytest.mark.parametrize(
    ("value", "period"),
    [
        ("2024-25", ValidTime(date(2024, 4, 1), date(2025, 3, 31))),
        ("2024/2025", ValidTime(date(2024, 4, 1), date(2025, 3, 31))),
        ("2024", ValidTime(date(2024, 1, 1), date(2024, 12, 31))),
        ("2024-Q3", ValidTime(date(2024, 7, 1), date(2024, 9, 30))),
        ("2024-02", ValidTime(date(2024, 2, 1), date(2024, 2, 29))),
        ("15/10/2024", ValidTime(date(2024, 10, 15), date(2024, 10, 15))),
    ],
)
def test_reporting_periods(value: str, period: ValidTime) -> None:
    assert parse_period(value, "Period") == period


@pytest.mark.parametrize(("value", "says"), [("", "the period is blank"), ("2024-26", "not a")])
def test_a_period_that_cannot_be_read_is_rejected(value: str, says: str) -> None:
    with pytest.raises(RecordError, match=says):
        parse_period(value, "Period")


@pytest.mark.parametrize(
    ("text", "label", "period"),
    [
        ("2024-25 Q1", "2024-25 Q1", ValidTime(date(2024, 4, 1), date(2024, 6, 30))),
        ("2024/25 Q3", "2024-25 Q3", ValidTime(date(2024, 10, 1), date(2024, 12, 31))),
        ("Q4 2024-2025", "2024-25 Q4", ValidTime(date(2025, 1, 1), date(2025, 3, 31))),
        ("2024-25 quarter 2", "2024-25 Q2", ValidTime(date(2024, 7, 1), date(2024, 9, 30))),
        ("2023-24 Q4", "2023-24 Q4", ValidTime(date(2024, 1, 1), date(2024, 3, 31))),
    ],
)
def test_financial_year_quarters(text: str, label: str, period: ValidTime) -> None:
    assert quarter_period(text) == (label, period)


def test_a_quarter_of_no_financial_year_is_rejected_naming_its_column() -> None:
    with pytest.raises(RecordError, match="'2024-25 Q5' is not a financial-year quarter"):
        quarter_period("2024-25 Q5")
    with pytest.raises(RecordError, match="runs over two consecutive years") as caught:
        quarter_period("2024-26 Q1", "Period")
    assert caught.value.column == "Period"
