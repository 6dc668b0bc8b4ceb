"""Practitioner and manager surveys: answers by question and agency, small numbers suppressed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingestors._fields import financial_year_of
from ingestors.practitioner_survey import SOURCE, percentage
from lif_core.ingestion.parse import ParsedRecord, Rejection
from lif_core.ingestion.samples import golden_lines
from tests.support.source_rows import (
    assert_docs_page_names_fields_and_columns,
    assert_registered_and_described,
    parse_row,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"
HEADER = [
    "Survey reference", "Survey title", "Date closed", "Agency", "Respondent group",
    "Question code", "Question", "Response", "Number", "Answered",
]  # fmt: skip
ROW = {
    "Survey reference": "PS-2025-01",
    "Survey title": "Multi-agency practitioner survey 2025",
    "Date closed": "14/03/2025",
    "Agency": "LYPFT",
    "Respondent group": "Practitioners",
    "Question code": "lrn01",
    "Question": "Have you read one of the partnership's 7-minute briefings in the last 12 months?",
    "Response": "Yes",
    "Number": "23",
    "Answered": "31",
}


def test_registered_by_the_business_unit_with_every_field_described() -> None:
    assert_registered_and_described(SOURCE, "Leeds Safeguarding Children Partnership business unit")


def test_the_docs_page_names_every_field_and_column() -> None:
    assert_docs_page_names_fields_and_columns(SOURCE, DOCS)


@pytest.mark.parametrize(
    ("respondents", "answered", "expected"),
    [
        (41, 99, "41.4"),  # 4100 / 99 = 41.41...
        (214, 285, "75.1"),  # 21400 / 285 = 75.087...
        (1, 16, "6.3"),  # 100 / 16 = 6.25: half rounds up, not to even
        (0, 52, "0.0"),
        (158, 158, "100.0"),
    ],
)
def test_the_percentage_is_respondents_over_answered_to_one_place(
    respondents: int, answered: int, expected: str
) -> None:
    assert percentage(respondents, answered) == Decimal(expected)


@pytest.mark.parametrize(
    ("closed", "year", "start", "end"),
    [
        (date(2025, 3, 14), "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), "2025-26", date(2025, 4, 1), date(2026, 3, 31)),
        (date(2024, 12, 31), "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
    ],
)
def test_a_survey_is_about_the_reporting_year_it_closed_in(
    closed: date, year: str, start: date, end: date
) -> None:
    label, valid = financial_year_of(closed)
    assert (label, valid.valid_from, valid.valid_to) == (year, start, end)


def test_a_row_becomes_one_answer_keyed_by_survey_agency_group_question_response(
    tmp_path: Path,
) -> None:
    item = parse_row(SOURCE, HEADER, tmp_path, ROW)
    assert isinstance(item, ParsedRecord)
    assert item.record_key == "PS-2025-01/lypft/practitioners/LRN01/yes"
    # 23 of 31: 2300 / 31 = 74.19... -> 74.2
    assert (item.attributes["respondents"], item.attributes["answered"]) == (23, 31)
    assert item.attributes["percentage"] == 74.2
    assert item.attributes["suppressed"] is False


def test_the_whole_workforce_is_all_agencies_however_it_is_written(tmp_path: Path) -> None:
    item = parse_row(SOURCE, HEADER, tmp_path, {**ROW, "Agency": "Total"})
    assert isinstance(item, ParsedRecord)
    assert item.attributes["agency"] == "All agencies"
    assert item.record_key.startswith("PS-2025-01/all-agencies/")


def test_a_suppressed_answer_keeps_no_number_and_no_percentage(tmp_path: Path) -> None:
    item = parse_row(SOURCE, HEADER, tmp_path, {**ROW, "Number": "<5"})
    assert isinstance(item, ParsedRecord)
    assert (
        item.attributes["respondents"],
        item.attributes["percentage"],
        item.attributes["suppressed"],
    ) == (None, None, True)


def test_a_group_of_fewer_than_five_publishes_no_answer(tmp_path: Path) -> None:
    item = parse_row(SOURCE, HEADER, tmp_path, {**ROW, "Number": "0", "Answered": "*"})
    assert isinstance(item, Rejection)
    assert item.reasons == (
        "column 'respondents': fewer than 5 answered, so every answer of this group must be "
        "suppressed too",
    )


def test_the_sample_agencies_add_up_to_the_whole_workforce() -> None:
    yes = {
        line["attributes"]["agency"]: line["attributes"]["respondents"]
        for line in golden_lines(SOURCE)
        if line["attributes"]["survey_reference"] == "PS-2025-01"
        and line["attributes"]["question_code"] == "LRN01"
        and line["attributes"]["respondent_group"] == "practitioners"
        and line["attributes"]["response"] == "Yes"
    }
    # practitioner-survey-2025.csv: 214 + 118 + 41 + 52 + 78 = 503, the 'All agencies' row.
    assert yes.pop("All agencies") == 503
    assert sum(yes.values()) == 503
