"""The ofsted-early-years source: its samples, the snapshot date, outcomes and providers' names."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from source_rows import assert_bad_rows_rejected_as_declared

from ingestors.ofsted_early_years import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.plugins.host import load_plugins

HEADER = [
    "Provider URN", "Provider type", "Provider name", "Local authority", "Registered places",
    "Registration date", "Early Years Register", "Compulsory Childcare Register",
    "Voluntary Childcare Register", "Latest full inspection date", "Overall effectiveness",
    "Safeguarding is effective?",
]  # fmt: skip
NURSERY = {
    "Provider URN": "EY999301",
    "Provider type": "Childcare on non-domestic premises",
    "Provider name": "Test Lane Nursery",
    "Early Years Register": "Yes",
    "Compulsory Childcare Register": "Yes",
    "Voluntary Childcare Register": "No",
}


def parse_one(
    tmp_path: Path, row: dict[str, str], title: str = "Providers as at 31 December 2025"
) -> list[ParsedRecord | Rejection]:
    path = tmp_path / "one.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([title])
        writer.writerow(HEADER)
        writer.writerow([row.get(column, "") for column in HEADER])
    return list(parse_file(SOURCE, path))


def test_bad_rows_are_rejected_naming_the_row_and_column() -> None:
    assert_bad_rows_rejected_as_declared(SOURCE)


def test_the_entry_point_registers_the_source_and_every_field_is_described() -> None:
    plugins = load_plugins(allow={"ofsted-early-years"}, third_party=False)
    assert plugins.failures == []
    assert plugins.get("ofsted-early-years").source is SOURCE
    for kind in SOURCE.kinds:
        assert all(field.description for field in kind.model.model_fields.values()), kind.name
    assert {k.name: k.mode for k in SOURCE.kinds} == {
        "provider": "snapshot",
        "inspection": "append",
    }


@pytest.mark.parametrize(
    ("published", "outcome"),
    [("Outstanding", "outstanding"), ("1", "outstanding"), ("Good", "good"), ("2", "good"),
     ("Requires improvement", "requires-improvement"), ("3", "requires-improvement"),
     ("Inadequate", "inadequate"), ("4", "inadequate"), ("Met", "met"),
     ("Not met (with actions)", "not-met-with-actions"),
     ("Not met with enforcement", "not-met-with-enforcement")],
)  # fmt: skip
def test_overall_effectiveness_mapping(tmp_path: Path, published: str, outcome: str) -> None:
    row = {**NURSERY, "Latest full inspection date": "2025-06-02", "Overall effectiveness": published,
           "Safeguarding is effective?": "Yes"}  # fmt: skip
    provider, inspection = parse_one(tmp_path, row)
    assert isinstance(provider, ParsedRecord) and isinstance(inspection, ParsedRecord), provider
    for record in (provider, inspection):
        assert record.attributes["overall_effectiveness"] == outcome
        assert record.attributes["overall_effectiveness_as_published"] == published
        assert record.attributes["framework"] == "eif-2019"
    assert provider.record_key == "EY999301"
    assert provider.valid_time.valid_from.isoformat() == "2025-12-31"
    assert inspection.record_key == "EY999301/2025-06-02"
    assert inspection.valid_time.valid_from.isoformat() == "2025-06-02"


def test_an_unknown_grade_word_is_rejected_naming_the_value_and_column(tmp_path: Path) -> None:
    row = {
        **NURSERY,
        "Latest full inspection date": "2025-06-02",
        "Overall effectiveness": "Very good",
    }
    (rejection,) = parse_one(tmp_path, row)
    assert isinstance(rejection, Rejection)
    assert "column 'Overall effectiveness': 'Very good' is not on" in rejection.reasons[0]


def test_a_report_card_inspection_gives_no_overall_effectiveness(tmp_path: Path) -> None:
    row = {
        **NURSERY,
        "Latest full inspection date": "2025-11-10",
        "Safeguarding is effective?": "Not met",
    }
    _, inspection = parse_one(tmp_path, row)
    assert isinstance(inspection, ParsedRecord), inspection
    assert inspection.attributes["framework"] == "report-card"
    assert inspection.attributes["overall_effectiveness"] is None
    assert inspection.attributes["safeguarding_effective"] is False
    (rejection,) = parse_one(tmp_path, {**row, "Overall effectiveness": "Good"})
    assert isinstance(rejection, Rejection)
    assert "column 'Overall effectiveness': 'Good': report-card inspections" in rejection.reasons[0]


def test_a_provider_not_yet_inspected_gives_only_a_provider_record(tmp_path: Path) -> None:
    (provider,) = parse_one(tmp_path, NURSERY)
    assert isinstance(provider, ParsedRecord) and provider.kind == "provider"
    assert provider.attributes["latest_full_inspection_date"] is None
    assert provider.attributes["provider_name"] == "Test Lane Nursery"


@pytest.mark.parametrize(
    "provider_type", ["Childminder", "Home childcarer", "Childcare on domestic premises"]
)
def test_an_individuals_name_never_enters_the_log(tmp_path: Path, provider_type: str) -> None:
    row = {**NURSERY, "Provider URN": "2999301", "Provider type": provider_type}
    (rejection,) = parse_one(tmp_path, row)
    assert isinstance(rejection, Rejection)
    assert "column 'Provider name'" in rejection.reasons[0]
    (provider,) = parse_one(tmp_path, {**row, "Provider name": "REDACTED"})
    assert isinstance(provider, ParsedRecord)
    assert provider.attributes["provider_name"] is None


@pytest.mark.parametrize(
    "title",
    ["Providers as at 31 December 2025", "Extract as at 31/12/2025 (invented)", "As at 2025-12-31"],
)
def test_the_snapshot_date_is_read_from_the_title_row(tmp_path: Path, title: str) -> None:
    (provider,) = parse_one(tmp_path, NURSERY, title=title)
    assert isinstance(provider, ParsedRecord), provider
    assert provider.valid_time.valid_from == date(2025, 12, 31)
    assert "as_at" not in provider.attributes  # the record's date, not its content
