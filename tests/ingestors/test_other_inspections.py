"""The other-inspections source: its samples and each inspectorate's own rating scale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from source_rows import (
    assert_bad_rows_rejected_as_declared,
    assert_registered_and_described,
    parse_row,
)

from ingestors.other_inspections import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection

HEADER = [
    "Inspectorate", "Inspected body", "Inspection type", "Inspection date", "Publication date",
    "Entry type", "Reference", "Domain or standard", "Rating", "Recommendation", "Recipient",
    "Status", "Status as at",
]  # fmt: skip
YOUTH_JUSTICE = {
    "Inspectorate": "HMI Probation",
    "Inspected body": "Leeds Youth Justice Service",
    "Inspection date": "2024-09-09",
    "Entry type": "Rating",
    "Domain or standard": "2.1 Assessment",
}
WETHERBY = {
    "Inspectorate": "HMI Prisons",
    "Inspected body": "HMP/YOI Wetherby",
    "Inspection date": "2025-06-17",
    "Entry type": "Rating",
    "Domain or standard": "Safety",
}


def parse_one(tmp_path: Path, row: dict[str, str]) -> ParsedRecord | Rejection:
    return parse_row(SOURCE, HEADER, tmp_path, row)


def test_bad_rows_are_rejected_naming_the_row_and_column() -> None:
    assert_bad_rows_rejected_as_declared(SOURCE)


def test_the_entry_point_registers_the_source_and_every_field_is_described() -> None:
    assert_registered_and_described(SOURCE, "HMI Probation, HMI Prisons")


@pytest.mark.parametrize(
    ("published", "rating", "rank"),
    [("Outstanding", "outstanding", 1), ("Good", "good", 2),
     ("Requires improvement", "requires-improvement", 3), ("Inadequate", "inadequate", 4)],
)  # fmt: skip
def test_hmi_probation_rating_mapping(
    tmp_path: Path, published: str, rating: str, rank: int
) -> None:
    record = parse_one(tmp_path, {**YOUTH_JUSTICE, "Rating": published})
    assert isinstance(record, ParsedRecord), record
    assert (record.attributes["rating"], record.attributes["rating_rank"]) == (rating, rank)
    assert record.attributes["rating_scale"] == "hmi-probation-four-point"
    assert record.attributes["rating_as_published"] == published
    assert (
        record.record_key == "hmi-probation/leeds-youth-justice-service/2024-09-09/2-1-assessment"
    )
    assert record.valid_time.valid_from == date(2024, 9, 9)


@pytest.mark.parametrize(
    ("published", "rating", "rank"),
    [("Good", "good", 1), ("Reasonably good", "reasonably-good", 2),
     ("Not sufficiently good", "not-sufficiently-good", 3), ("Poor", "poor", 4)],
)  # fmt: skip
def test_hmi_prisons_healthy_prison_mapping(
    tmp_path: Path, published: str, rating: str, rank: int
) -> None:
    record = parse_one(tmp_path, {**WETHERBY, "Rating": published})
    assert isinstance(record, ParsedRecord), record
    assert (record.attributes["rating"], record.attributes["rating_rank"]) == (rating, rank)
    assert record.attributes["rating_scale"] == "hmi-prisons-healthy-prison"


def test_good_keeps_the_meaning_its_inspectorate_gave_it(tmp_path: Path) -> None:
    probation = parse_one(tmp_path, {**YOUTH_JUSTICE, "Rating": "Good"})
    prisons = parse_one(tmp_path, {**WETHERBY, "Rating": "Good"})
    assert isinstance(probation, ParsedRecord) and isinstance(prisons, ParsedRecord)
    assert probation.attributes["rating_rank"] == 2
    assert prisons.attributes["rating_rank"] == 1


@pytest.mark.parametrize(
    ("row", "word", "scale"),
    [(YOUTH_JUSTICE, "Reasonably good", "HMI Probation four-point rating scale"),
     (WETHERBY, "Requires improvement", "HMI Prisons healthy prison assessment scale"),
     (WETHERBY, "4", "HMI Prisons healthy prison assessment scale")],
)  # fmt: skip
def test_a_word_off_the_inspectorates_scale_is_rejected_naming_value_and_column(
    tmp_path: Path, row: dict[str, str], word: str, scale: str
) -> None:
    rejection = parse_one(tmp_path, {**row, "Rating": word})
    assert isinstance(rejection, Rejection)
    assert f"column 'Rating': '{word}' is not on the {scale}" in rejection.reasons[0]


def test_a_recommendation_is_keyed_by_inspection_and_reference(tmp_path: Path) -> None:
    row = {**WETHERBY, "Entry type": "Recommendation", "Domain or standard": "", "Reference": "2.3",
           "Recommendation": "Leaders should improve key work.", "Recipient": "HMP/YOI Wetherby",
           "Status": "Open", "Status as at": "30/09/2025"}  # fmt: skip
    record = parse_one(tmp_path, row)
    assert isinstance(record, ParsedRecord), record
    assert record.kind == "recommendation"
    assert record.record_key == "hmi-prisons/hmp-yoi-wetherby/2025-06-17/2-3"
    assert record.attributes["status"] == "open"
    assert record.valid_time.valid_from == date(2025, 9, 30)
