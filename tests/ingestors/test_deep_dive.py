"""Deep dives: the scope and cohort (kept suppressed when small), findings, and actions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ingestors.deep_dive import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection
from lif_core.ingestion.samples import golden_lines
from tests.support.source_rows import (
    assert_docs_page_names_fields_and_columns,
    assert_registered_and_described,
    parse_row,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "sources"
ACTIONS = [
    "Reference", "Action no", "Action", "Owner agency", "Findings", "Date agreed", "Due date",
    "Status", "Date completed",
]  # fmt: skip
ACTION = {
    "Reference": "DD-2025-01",
    "Action no": "3",
    "Action": "Brief designated safeguarding leads on the missing pathway.",
    "Owner agency": "Schools",
    "Date agreed": "28/03/2025",
    "Due date": "30/06/2025",
    "Status": "In progress",
}


def test_registered_by_the_business_unit_with_every_field_described() -> None:
    assert_registered_and_described(SOURCE, "Leeds Safeguarding Children Partnership business unit")
    assert [k.name for k in SOURCE.kinds] == ["deep-dive", "finding", "action"]


def test_the_docs_page_names_every_field_and_column() -> None:
    assert_docs_page_names_fields_and_columns(SOURCE, DOCS)


def test_the_sample_holds_three_deep_dives_six_findings_and_five_actions() -> None:
    lines = golden_lines(SOURCE)
    assert Counter(line["kind"] for line in lines) == {"deep-dive": 3, "finding": 6, "action": 5}
    findings = [line["attributes"] for line in lines if line["kind"] == "finding"]
    # findings.csv: DD-2024-03 has 2 areas for improvement and 1 strength; DD-2025-01 the same.
    assert Counter(f["finding_type"] for f in findings) == {
        "area-for-improvement": 4,
        "strength": 2,
    }


def test_a_small_cohort_is_kept_suppressed_never_as_zero() -> None:
    dives = {
        line["record_key"]: line["attributes"]
        for line in golden_lines(SOURCE)
        if line["kind"] == "deep-dive"
    }
    assert (dives["DD-2025-02"]["cohort_size"], dives["DD-2025-02"]["cohort_size_suppressed"]) == (
        None,
        True,
    )
    assert (dives["DD-2025-01"]["cohort_size"], dives["DD-2025-01"]["cohort_size_suppressed"]) == (
        38,
        False,
    )
    assert dives["DD-2025-01"]["review_type"] == "deep-dive"


def test_an_action_names_the_findings_it_answers_by_their_references(tmp_path: Path) -> None:
    item = parse_row(SOURCE, ACTIONS, tmp_path, {**ACTION, "Findings": "F1; 3; DD-2025-01/F02"})
    assert isinstance(item, ParsedRecord)
    assert item.record_key == "DD-2025-01/A03"
    assert item.attributes["findings"] == ["DD-2025-01/F01", "DD-2025-01/F03", "DD-2025-01/F02"]
    assert (item.attributes["status"], item.attributes["date_completed"]) == ("in-progress", None)


def test_a_completed_action_states_when_and_an_open_one_does_not(tmp_path: Path) -> None:
    done = parse_row(
        SOURCE, ACTIONS, tmp_path, {**ACTION, "Status": "Completed", "Date completed": "2025-06-02"}
    )
    assert isinstance(done, ParsedRecord)
    assert (done.attributes["status"], done.attributes["date_completed"]) == (
        "complete",
        "2025-06-02",
    )
    undated = parse_row(SOURCE, ACTIONS, tmp_path, {**ACTION, "Status": "Embedded"})
    assert isinstance(undated, Rejection)
    assert undated.reasons == (
        "column 'date_completed': an action that is embedded needs its date completed",
    )
