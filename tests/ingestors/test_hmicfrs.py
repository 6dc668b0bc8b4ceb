"""The hmicfrs source: its samples, the five-point grade scale and recommendation statuses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from source_rows import (
    assert_bad_rows_rejected_as_declared,
    assert_registered_and_described,
    parse_row,
)

from ingestors.hmicfrs import SAMPLES, SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file

HEADER = [
    "Organisation", "Organisation type", "Inspection programme", "Inspection year",
    "Publication date", "Entry type", "Reference", "Question", "Grade", "Finding",
    "Recommendation status", "Status as at",
]  # fmt: skip
POLICE = {
    "Organisation": "West Yorkshire Police",
    "Organisation type": "Police force",
    "Inspection programme": "PEEL 2023-25",
    "Inspection year": "2023-24",
}
GRADE_ROW = {**POLICE, "Entry type": "Grade", "Question": "Investigating crime"}
FINDING_ROW = {
    **POLICE,
    "Entry type": "Area for improvement",
    "Reference": "AFI-7",
    "Finding": "The force should improve supervision of investigations.",
    "Status as at": "31/03/2025",
}


def parse_one(tmp_path: Path, row: dict[str, str]) -> ParsedRecord | Rejection:
    return parse_row(SOURCE, HEADER, tmp_path, row)


def test_bad_rows_are_rejected_naming_the_row_and_column() -> None:
    assert_bad_rows_rejected_as_declared(SOURCE)


def test_the_entry_point_registers_the_source_and_every_field_is_described() -> None:
    assert_registered_and_described(SOURCE, "HMICFRS")


@pytest.mark.parametrize(
    ("published", "grade", "rank"),
    [("Outstanding", "outstanding", 1), ("Good", "good", 2), ("Adequate", "adequate", 3),
     ("Requires improvement", "requires-improvement", 4), ("Requires Improvement", "requires-improvement", 4),
     ("Inadequate", "inadequate", 5)],
)  # fmt: skip
def test_five_point_grade_mapping(tmp_path: Path, published: str, grade: str, rank: int) -> None:
    record = parse_one(tmp_path, {**GRADE_ROW, "Grade": published})
    assert isinstance(record, ParsedRecord), record
    assert (record.kind, record.attributes["grade"], record.attributes["grade_rank"]) == (
        "grade",
        grade,
        rank,
    )
    assert record.attributes["grade_as_published"] == published
    assert record.record_key == "west-yorkshire-police/2023-24/investigating-crime"
    assert (record.valid_time.valid_from, record.valid_time.valid_to) == (
        date(2023, 4, 1),
        date(2024, 3, 31),
    )


def test_an_unknown_grade_word_is_rejected_naming_the_value_and_column(tmp_path: Path) -> None:
    rejection = parse_one(tmp_path, {**GRADE_ROW, "Grade": "Satisfactory"})
    assert isinstance(rejection, Rejection)
    assert (
        "column 'Grade': 'Satisfactory' is not on the HMICFRS five-point grade scale"
        in rejection.reasons[0]
    )


@pytest.mark.parametrize(
    ("published", "status"),
    [("Open", "open"), ("In progress", "in-progress"), ("In-progress", "in-progress"),
     ("Closed", "closed"), ("Superseded", "superseded")],
)  # fmt: skip
def test_recommendation_status_mapping(tmp_path: Path, published: str, status: str) -> None:
    record = parse_one(tmp_path, {**FINDING_ROW, "Recommendation status": published})
    assert isinstance(record, ParsedRecord), record
    assert record.kind == "finding"
    assert (record.attributes["status"], record.attributes["status_as_published"]) == (
        status,
        published,
    )
    assert record.attributes["finding_type"] == "area-for-improvement"
    assert record.valid_time.valid_from == date(2025, 3, 31)


def test_a_status_update_revises_the_same_finding() -> None:
    first, update = (
        {r.record_key: r for r in parse_file(SOURCE, path) if isinstance(r, ParsedRecord)}
        for path in sorted(SAMPLES.glob("*.csv"))
    )
    key = "west-yorkshire-police/2023-24/afi-1"
    assert first[key].attributes["status"] == "in-progress"
    assert update[key].attributes["status"] == "closed"
    assert first[key].content_hash != update[key].content_hash
