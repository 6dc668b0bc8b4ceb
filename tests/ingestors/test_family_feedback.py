"""Feedback from children, young people and families: themes and counts, never a person's words."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingestors.family_feedback import SOURCE, identifying_detail
from lif_core.ingestion.parse import ParsedRecord, Rejection
from lif_core.ingestion.samples import golden_lines
from tests.support.source_rows import (
    assert_docs_page_names_fields_and_columns,
    assert_registered_and_described,
    parse_row,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"
HEADER = ["Period", "Service", "Feedback from", "Method", "Theme", "Sentiment", "Number", "Summary"]
ROW = {
    "Period": "2025-Q1",
    "Service": "LCH",
    "Feedback from": "Parents and carers",
    "Method": "Survey",
    "Theme": "Waiting times for specialist services",
    "Sentiment": "Negative",
    "Number": "29",
}


def test_registered_with_every_field_described() -> None:
    assert_registered_and_described(
        SOURCE, "Partner agencies' participation, voice and feedback teams"
    )


def test_the_docs_page_names_every_field_and_column() -> None:
    assert_docs_page_names_fields_and_columns(SOURCE, DOCS)


@pytest.mark.parametrize(
    ("summary", "what"),
    [
        ('Parents said "nobody rang back"', "a quotation (a person's own words)"),
        ("\u201cNobody rang back\u201d", "a quotation (a person's own words)"),
        ("Nobody called me back for weeks.", "words in the first person (a person's own words)"),
        ("I waited eight months.", "words in the first person (a person's own words)"),
        ("A 6-year-old waited eight months.", "a child's age"),
        ("A child aged 9 waited.", "a child's age"),
        ("A family in LS9 6QE waited.", "a postcode"),
        ("A girl called Amy said the lessons were late.", "a person's name"),
        ("Mrs Khan said the lessons were late.", "a person's name"),
    ],
)
def test_words_and_identifying_detail_are_recognised(summary: str, what: str) -> None:
    assert identifying_detail(summary) == what


@pytest.mark.parametrize(
    "summary",
    [
        "Parents said reports came too late to read before the conference.",
        "Year 9 pupils said lessons on online harm came too late.",
        "Missed appointments were not followed up.",
        "Children in care described having to retell their story.",
    ],
)
def test_an_aggregated_summary_in_the_services_words_passes(summary: str) -> None:
    assert identifying_detail(summary) is None


def test_a_quote_column_with_anything_in_it_refuses_the_row(tmp_path: Path) -> None:
    header = [*HEADER, "Verbatim"]
    kept = parse_row(SOURCE, header, tmp_path, ROW)
    assert isinstance(kept, ParsedRecord)
    refused = parse_row(SOURCE, header, tmp_path, {**ROW, "Verbatim": "Still waiting"})
    assert isinstance(refused, Rejection)
    assert refused.reasons[0].startswith(
        "column 'quote': this column holds a person's own words: family feedback is aggregated "
        "themes and counts only"
    )


def test_a_theme_in_the_first_person_is_refused_like_a_summary(tmp_path: Path) -> None:
    item = parse_row(SOURCE, HEADER, tmp_path, {**ROW, "Theme": "My worker keeps changing"})
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith("column 'theme': the theme holds words in the first person")


def test_a_row_is_keyed_by_period_service_group_method_theme_and_sentiment(
    tmp_path: Path,
) -> None:
    item = parse_row(SOURCE, HEADER, tmp_path, {**ROW, "Period": "2025/26", "Number": "*"})
    assert isinstance(item, ParsedRecord)
    assert item.record_key == (
        "2025-26/lch/parents-and-carers/survey/waiting-times-for-specialist-services/negative"
    )
    assert (item.attributes["people"], item.attributes["suppressed"]) == (None, True)
    assert str(item.valid_time.valid_from) == "2025-04-01"


def test_the_sample_has_positive_and_negative_themes_and_one_suppressed_count_each_quarter() -> (
    None
):
    lines = [line["attributes"] for line in golden_lines(SOURCE)]
    for period in ("2024-Q4", "2025-Q1"):
        quarter = [line for line in lines if line["period"] == period]
        assert {line["sentiment"] for line in quarter} >= {"positive", "negative"}
        assert [line["suppressed"] for line in quarter].count(True) == 1
