"""Appreciative inquiries: the register, participants by agency, what went well and even better if."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ingestors import appreciative_inquiry
from ingestors.appreciative_inquiry import SOURCE, participants
from lif_core.ingestion.parse import ParsedRecord, Rejection
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import RecordError
from tests.support.source_rows import (
    assert_docs_page_names_fields_and_columns,
    assert_registered_and_described,
    parse_row,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"
REGISTER = [
    "Reference", "Title", "Focus", "Themes", "Date commissioned", "Date held", "Date completed",
    "Date published", "Status", "Published link", "Participants",
]  # fmt: skip


def test_registered_by_the_business_unit_with_every_field_described() -> None:
    assert_registered_and_described(SOURCE, "Leeds Safeguarding Children Partnership business unit")
    assert appreciative_inquiry.SOURCE.cadence == "P3M"
    assert [k.name for k in SOURCE.kinds] == ["inquiry", "participation", "finding"]


def test_the_docs_page_names_every_field_and_column() -> None:
    assert_docs_page_names_fields_and_columns(SOURCE, DOCS)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("LCH: 4; West Yorkshire Police: 2", [("LCH", 4), ("West Yorkshire Police", 2)]),
        ("Schools (3);  LTHT:1", [("Schools", 3), ("LTHT", 1)]),
        ("", []),
    ],
)
def test_participants_are_read_as_agency_and_number(
    cell: str, expected: list[tuple[str, int]]
) -> None:
    assert participants(cell) == expected


@pytest.mark.parametrize("cell", ["LCH", "LCH: 0", "LCH: some", "LCH: 2; L.C.H.: 1; lch: 3"])
def test_a_participants_cell_that_cannot_be_counted_is_refused(cell: str) -> None:
    with pytest.raises(RecordError):
        participants(cell)


def test_the_sample_counts_participants_per_inquiry_and_agency() -> None:
    lines = golden_lines(SOURCE)
    inquiries = {
        line["record_key"]: line["attributes"] for line in lines if line["kind"] == "inquiry"
    }
    # AI-2024-02: Children and Families 4 + LCH 3 + Schools 2 + LYPFT 1 + Housing Leeds 1 = 11.
    assert inquiries["AI-2024-02"]["participants_total"] == 11
    # AI-2025-01: 5 + 3 + 2 + 1 = 11; AI-2025-02 is still planned: no one yet.
    assert inquiries["AI-2025-01"]["participants_total"] == 11
    assert inquiries["AI-2025-02"]["participants_total"] == 0
    assert {i["review_type"] for i in inquiries.values()} == {"appreciative-inquiry"}
    per_inquiry = Counter(
        line["attributes"]["inquiry_reference"] for line in lines if line["kind"] == "participation"
    )
    assert per_inquiry == {"AI-2024-02": 5, "AI-2025-01": 4}


def test_what_went_well_is_a_strength_and_even_better_if_an_area_for_improvement() -> None:
    findings = [line["attributes"] for line in golden_lines(SOURCE) if line["kind"] == "finding"]
    # findings.csv: AI-2024-02 has 3 'What went well' and 1 'Even better if';
    # AI-2025-01 has 2 and 1.
    assert Counter(f["finding_type"] for f in findings) == {
        "strength": 5,
        "area-for-improvement": 2,
    }
    assert findings[3]["reference"] == "AI-2024-02/F04"
    assert findings[3]["finding_type"] == "area-for-improvement"


def test_a_practice_review_reference_is_refused_here(tmp_path: Path) -> None:
    item = parse_row(
        SOURCE,
        REGISTER,
        tmp_path,
        {
            "Reference": "CSPR-2025-01",
            "Title": "Family Q",
            "Focus": "Neglect plan.",
            "Themes": "Neglect",
            "Date commissioned": "01/03/2025",
            "Status": "Commissioned",
        },
    )
    assert isinstance(item, Rejection)
    assert item.reasons == (
        "column 'review_reference': 'CSPR-2025-01' is not an appreciative inquiry reference "
        "like AI-2025-01",
    )


def test_a_planned_inquiry_needs_no_participants_yet(tmp_path: Path) -> None:
    item = parse_row(
        SOURCE,
        REGISTER,
        tmp_path,
        {
            "Reference": "ai-2025-05",
            "Title": "Family V",
            "Focus": "An early help plan that worked.",
            "Themes": "Early help",
            "Date commissioned": "2025-03-01",
            "Status": "Planned",
        },
    )
    assert isinstance(item, ParsedRecord)
    assert (item.record_key, item.attributes["status"], item.attributes["date_held"]) == (
        "AI-2025-05",
        "commissioned",
        None,
    )
