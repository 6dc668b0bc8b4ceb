"""Learning from national reviews and research: publications as published, and their recommendations."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ingestors.national_learning import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection
from lif_core.ingestion.samples import golden_lines
from tests.support.source_rows import (
    assert_docs_page_names_fields_and_columns,
    assert_registered_and_described,
    parse_row,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"
RECOMMENDATIONS = [
    "Reference", "Recommendation no", "Recommendation", "Addressed to", "Themes", "Date published",
]  # fmt: skip


def test_registered_by_the_business_unit_with_every_field_described() -> None:
    assert_registered_and_described(
        SOURCE, "Leeds Safeguarding Children Partnership business unit (from national publications)"
    )


def test_the_docs_page_names_every_field_and_column() -> None:
    assert_docs_page_names_fields_and_columns(SOURCE, DOCS)


def test_the_sample_registers_three_publications_and_their_six_recommendations() -> None:
    lines = golden_lines(SOURCE)
    assert Counter(line["kind"] for line in lines) == {"publication": 3, "recommendation": 6}
    per_publication = Counter(
        line["attributes"]["publication_reference"]
        for line in lines
        if line["kind"] == "recommendation"
    )
    assert per_publication == {"NL-2024-02": 3, "NL-2024-03": 1, "NL-2025-01": 2}
    first = next(line for line in lines if line["kind"] == "publication")
    assert (first["record_key"], first["valid_from"], first["attributes"]["publication_type"]) == (
        "NL-2024-02",
        "2024-09-17",
        "thematic-review",
    )


def test_a_recommendation_is_keyed_by_its_publication_and_number(tmp_path: Path) -> None:
    item = parse_row(
        SOURCE,
        RECOMMENDATIONS,
        tmp_path,
        {
            "Reference": "nl-2025-02",
            "Recommendation no": "4",
            "Recommendation": "Review how neglect of teenagers is recognised.",
            "Addressed to": "Safeguarding partners; Education",
            "Date published": "2 June 2025",
        },
    )
    assert isinstance(item, ParsedRecord)
    assert item.record_key == "NL-2025-02/R04"
    assert item.attributes["addressed_to"] == ["Safeguarding partners", "Education"]
    assert item.attributes["themes"] == []


def test_a_recommendations_file_without_its_text_column_refuses_every_row(tmp_path: Path) -> None:
    header = [c for c in RECOMMENDATIONS if c != "Recommendation"]
    item = parse_row(
        SOURCE,
        header,
        tmp_path,
        {"Reference": "NL-2025-02", "Recommendation no": "1", "Date published": "2025-06-02"},
    )
    assert isinstance(item, Rejection)
    assert item.reasons == (
        "column 'recommendation': the recommendations layout needs this column, and the header "
        "has none",
    )
