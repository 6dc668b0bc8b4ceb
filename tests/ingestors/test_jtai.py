"""The jtai source: its samples, themes, inspectorates and the statement of action's statuses."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from source_rows import (
    assert_bad_rows_rejected_as_declared,
    assert_registered_and_described,
    parse_row,
)

from ingestors.jtai import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection

HEADER = [
    "Local authority", "Theme", "Inspectorates", "Fieldwork start date", "Letter published",
    "Entry type", "Reference", "Text", "Agencies", "Responds to", "Owner agency", "Due date",
    "Status", "Status as at",
]  # fmt: skip
INSPECTION = {
    "Local authority": "Leeds",
    "Theme": "Neglect",
    "Inspectorates": "Ofsted; CQC; HMICFRS",
    "Fieldwork start date": "2024-10-07",
}
STRENGTH = {
    **INSPECTION,
    "Entry type": "Strength",
    "Reference": "S1",
    "Text": "Partners know their children well.",
}
ACTION = {
    **INSPECTION,
    "Entry type": "Action",
    "Reference": "A1.1",
    "Text": "Refresh the neglect strategy.",
    "Owner agency": "Leeds City Council",
    "Due date": "31/03/2025",
    "Status as at": "31/12/2024",
}


def parse_one(tmp_path: Path, row: dict[str, str]) -> ParsedRecord | Rejection:
    return parse_row(SOURCE, HEADER, tmp_path, row)


def test_bad_rows_are_rejected_naming_the_row_and_column() -> None:
    assert_bad_rows_rejected_as_declared(SOURCE)


def test_the_entry_point_registers_the_source_and_every_field_is_described() -> None:
    assert_registered_and_described(SOURCE, "Ofsted, CQC, HMICFRS, HMI Probation")


@pytest.mark.parametrize(
    ("published", "theme"),
    [("Front door", "front-door"),
     ("Multi-agency response to identification of initial need and risk", "front-door"),
     ("Domestic abuse", "domestic-abuse"), ("Child exploitation", "exploitation"),
     ("Neglect", "neglect"), ("Child sexual abuse in the family environment", "sexual-abuse-in-the-family"),
     ("Serious youth violence", "serious-youth-violence"), ("Children's mental health", "mental-health")],
)  # fmt: skip
def test_theme_mapping(tmp_path: Path, published: str, theme: str) -> None:
    record = parse_one(tmp_path, {**STRENGTH, "Theme": published})
    assert isinstance(record, ParsedRecord), record
    assert (record.attributes["theme"], record.attributes["theme_as_published"]) == (
        theme,
        published,
    )


def test_a_finding_is_ungraded_and_keyed_by_inspection_and_reference(tmp_path: Path) -> None:
    record = parse_one(tmp_path, {**STRENGTH, "Agencies": "LCH; LTHT ;LYPFT"})
    assert isinstance(record, ParsedRecord), record
    assert record.kind == "finding"
    assert record.record_key == "leeds/2024-10-07/s1"
    assert record.valid_time.valid_from == date(2024, 10, 7)
    assert record.attributes["agencies"] == ["LCH", "LTHT", "LYPFT"]
    assert record.attributes["inspectorates"] == ["ofsted", "cqc", "hmicfrs"]
    assert not any("grade" in name for name in record.attributes)


@pytest.mark.parametrize(
    ("published", "status"),
    [("Not started", "not-started"), ("In progress", "in-progress"), ("Complete", "complete"),
     ("Completed", "complete"), ("Embedded", "embedded"), ("Complete and embedded", "embedded")],
)  # fmt: skip
def test_action_status_mapping(tmp_path: Path, published: str, status: str) -> None:
    record = parse_one(tmp_path, {**ACTION, "Status": published})
    assert isinstance(record, ParsedRecord), record
    assert record.kind == "action"
    assert (record.attributes["status"], record.attributes["status_as_published"]) == (
        status,
        published,
    )
    assert record.attributes["due_date"] == "2025-03-31"
    assert record.valid_time.valid_from == date(2024, 12, 31)


def test_an_unknown_status_word_is_rejected_naming_the_value_and_column(tmp_path: Path) -> None:
    rejection = parse_one(tmp_path, {**ACTION, "Status": "Green"})
    assert isinstance(rejection, Rejection)
    assert (
        "column 'Status': 'Green' is not on the statement of action status list"
        in rejection.reasons[0]
    )


def test_a_status_on_a_finding_row_is_rejected_not_dropped(tmp_path: Path) -> None:
    rejection = parse_one(tmp_path, {**STRENGTH, "Due date": "31/03/2025"})
    assert isinstance(rejection, Rejection)
    assert "column 'Due date'" in rejection.reasons[0]
