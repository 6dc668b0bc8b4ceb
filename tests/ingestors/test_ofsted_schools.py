"""The ofsted-schools source: its samples, both frameworks, and its grade mappings."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest
from source_rows import assert_bad_rows_rejected_as_declared, parse_row

from ingestors.ofsted_schools import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins

HEADER = [
    "URN", "LAESTAB", "School name", "Ofsted phase", "Local authority", "Inspection number",
    "Inspection type", "Inspection start date", "Publication date", "Overall effectiveness",
    "Quality of education", "Behaviour and attitudes", "Personal development",
    "Leadership and management", "Inclusion", "Curriculum and teaching", "Achievement",
    "Attendance and behaviour", "Personal development and well-being",
    "Leadership and governance", "Early years", "Sixth form", "Safeguarding",
]  # fmt: skip
SCHOOL = {
    "URN": "999201",
    "LAESTAB": "3832301",
    "School name": "Test Brook Primary School",
    "Inspection number": "99100301",
    "Inspection type": "Graded inspection",
}


def parse_one(
    tmp_path: Path, row: dict[str, str], header: list[str] = HEADER
) -> ParsedRecord | Rejection:
    return parse_row(SOURCE, header, tmp_path, row)


def test_bad_rows_are_rejected_naming_the_row_and_column() -> None:
    assert_bad_rows_rejected_as_declared(SOURCE)


def test_the_entry_point_registers_the_source() -> None:
    plugins = load_plugins(allow={"ofsted-schools"}, third_party=False)
    assert plugins.failures == []
    assert plugins.get("ofsted-schools").source is SOURCE
    assert SOURCE.provider == "Ofsted"


def test_every_field_is_described() -> None:
    model = SOURCE.kind("inspection").model
    assert all(field.description for field in model.model_fields.values())


@pytest.mark.parametrize(
    ("published", "grade"),
    [("1", "outstanding"), ("2", "good"), ("3", "requires-improvement"), ("4", "inadequate"),
     ("Outstanding", "outstanding"), ("Good", "good"), ("Requires Improvement", "requires-improvement"),
     ("Inadequate", "inadequate")],
)  # fmt: skip
def test_inspections_before_10_november_2025_are_graded_1_to_4(
    tmp_path: Path, published: str, grade: str
) -> None:
    row = {
        **SCHOOL,
        "Inspection start date": "09/11/2025",
        "Quality of education": published,
        "Safeguarding": "No",
    }
    record = parse_one(tmp_path, row)
    assert isinstance(record, ParsedRecord), record
    assert record.attributes["framework"] == "eif-2019"
    assert record.attributes["quality_of_education"] == grade
    assert record.attributes["quality_of_education_as_published"] == published
    assert record.attributes["safeguarding_effective"] is False


@pytest.mark.parametrize(
    ("published", "grade"),
    [("Exceptional", "exceptional"), ("Strong standard", "strong-standard"),
     ("Expected standard", "expected-standard"), ("Needs attention", "needs-attention"),
     ("Urgent improvement", "urgent-improvement")],
)  # fmt: skip
def test_inspections_from_10_november_2025_have_report_cards(
    tmp_path: Path, published: str, grade: str
) -> None:
    row = {
        **SCHOOL,
        "Inspection start date": "2025-11-10",
        "Inclusion": published,
        "Sixth form": published,
        "Safeguarding": "Met",
    }
    record = parse_one(tmp_path, row)
    assert isinstance(record, ParsedRecord), record
    assert record.attributes["framework"] == "report-card"
    assert record.attributes["inclusion"] == record.attributes["sixth_form"] == grade
    assert record.attributes["inclusion_as_published"] == published
    assert record.attributes["safeguarding_effective"] is True
    assert record.record_key == "999201/99100301"
    assert record.valid_time.valid_from.isoformat() == "2025-11-10"


@pytest.mark.parametrize(
    ("start", "answer", "effective"),
    [("2025-01-10", "Yes", True), ("2025-01-10", "No", False),
     ("2026-01-10", "Met", True), ("2026-01-10", "Not met", False)],
)  # fmt: skip
def test_safeguarding_is_read_on_its_frameworks_scale(
    tmp_path: Path, start: str, answer: str, effective: bool
) -> None:
    record = parse_one(tmp_path, {**SCHOOL, "Inspection start date": start, "Safeguarding": answer})
    assert isinstance(record, ParsedRecord), record
    assert record.attributes["safeguarding_effective"] is effective
    assert record.attributes["safeguarding_as_published"] == answer


def test_an_unknown_grade_word_is_rejected_naming_the_value_and_column(tmp_path: Path) -> None:
    row = {
        **SCHOOL,
        "Inspection start date": "2025-03-01",
        "Behaviour and attitudes": "Satisfactory",
    }
    rejection = parse_one(tmp_path, row)
    assert isinstance(rejection, Rejection)
    assert "column 'Behaviour and attitudes'" in rejection.reasons[0]
    assert "'Satisfactory'" in rejection.reasons[0]


def test_a_1_to_4_grade_on_a_report_card_inspection_is_rejected_not_dropped(tmp_path: Path) -> None:
    row = {**SCHOOL, "Inspection start date": "2025-12-01", "Quality of education": "Good"}
    rejection = parse_one(tmp_path, row)
    assert isinstance(rejection, Rejection)
    assert "column 'Quality of education': 'Good' is a 1-4 grade" in rejection.reasons[0]


def test_an_older_ofsted_export_without_report_card_columns_reads(tmp_path: Path) -> None:
    header = [
        "URN", "LAESTAB", "School name", "Inspection number", "Inspection type",
        "Inspection start date", "Effectiveness of leadership and management",
        "Early years provision (where applicable)", "Safeguarding is effective?",
    ]  # fmt: skip
    row = {**SCHOOL, "Inspection start date": "15/05/2023", "Effectiveness of leadership and management": "3",
           "Early years provision (where applicable)": "2", "Safeguarding is effective?": "Yes"}  # fmt: skip
    record = parse_one(tmp_path, row, header)
    assert isinstance(record, ParsedRecord), record
    assert record.attributes["leadership_and_management"] == "requires-improvement"
    assert record.attributes["early_years"] == "good"
    assert record.attributes["safeguarding_effective"] is True
    assert record.attributes["inclusion"] is None


def test_an_xlsx_copy_of_the_sample_reads_the_same_as_the_csv(tmp_path: Path) -> None:
    source_csv = sample_inputs(SOURCE)[-1]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    with source_csv.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            sheet.append([cell or None for cell in row])
    path = tmp_path / "copy.xlsx"
    workbook.save(path)
    from_csv = [r.attributes for r in parse_file(SOURCE, source_csv) if isinstance(r, ParsedRecord)]
    from_xlsx = [r.attributes for r in parse_file(SOURCE, path) if isinstance(r, ParsedRecord)]
    assert from_xlsx == from_csv
