"""The action-plans plugin: three exports of one tracker, snapshot scope, export date, bad rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from ingestors import action_plans
from ingestors.action_plans import SOURCE, export_date
from lif_core.ingestion.parse import ParsedRecord, parse_file
from lif_core.ingestion.samples import bad_inputs, golden_lines, sample_inputs
from lif_core.plugins.host import load_plugins

HEADER = [
    "Plan reference",
    "Action reference",
    "Recommendation",
    "Action",
    "Owner agency",
    "Due date",
    "Progress update",
    "RAG",
    "Status",
    "Evidence",
    "Linked learning",
]
ROW = [
    "AP-AUDIT-2025-02",
    "ACT-2025-060",
    "R1",
    "Do it.",
    "LTHT",
    "31/07/2025",
    "",
    "Red",
    "In progress",
    "",
    "",
]

# The history the three shipped exports were designed to show: action -> (due date, status, RAG).
DESIGNED = {
    "2025-03-31": {
        "ACT-2025-031": ("2025-05-31", "in-progress", "amber"),
        "ACT-2025-032": ("2025-04-30", "in-progress", "amber"),
        "ACT-2025-033": ("2025-05-31", "not-started", "amber"),
        "ACT-2025-034": ("2025-03-31", "complete", "green"),
        "ACT-2025-035": ("2025-09-30", "not-started", "amber"),
        "ACT-2025-036": ("2025-04-30", "in-progress", "amber"),
    },
    "2025-06-30": {
        "ACT-2025-031": ("2025-09-30", "in-progress", "amber"),  # rescheduled at the May subgroup
        "ACT-2025-032": ("2025-04-30", "complete", "green"),
        "ACT-2025-033": ("2025-05-31", "in-progress", "red"),  # overdue
        "ACT-2025-034": ("2025-03-31", "complete", "blue"),  # re-audit shows impact
        "ACT-2025-035": ("2025-09-30", "in-progress", "amber"),
        "ACT-2025-036": ("2025-04-30", "complete", "green"),
    },
    "2025-09-30": {  # ACT-2025-034 is no longer on the tracker
        "ACT-2025-031": ("2025-09-30", "complete", "green"),
        "ACT-2025-032": ("2025-04-30", "complete", "blue"),
        "ACT-2025-033": ("2025-05-31", "complete", "green"),
        "ACT-2025-035": ("2025-09-30", "in-progress", "amber"),
        "ACT-2025-036": ("2025-04-30", "complete", "blue"),
    },
}


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _records(path: Path) -> list[ParsedRecord]:
    items = list(parse_file(SOURCE, path))
    assert all(isinstance(item, ParsedRecord) for item in items), items
    return items  # type: ignore[return-value]


def _csv(path: Path, lines: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(cells) for cells in lines) + "\n", encoding="utf-8")
    return path


def test_the_plugin_registers_as_a_snapshot_scoped_by_tracker() -> None:
    plugins = load_plugins(modules=[action_plans], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("action-plans").source
    assert source.provider == "Leeds Safeguarding Children Partnership business unit"
    assert source.cadence == "P3M"
    [kind] = source.kinds
    assert kind.mode == "snapshot"
    assert kind.snapshot_scope is not None
    assert all(f.description for f in kind.model.model_fields.values())


def test_the_sample_parses_to_exactly_its_golden_file() -> None:
    assert len(sample_inputs(SOURCE)) == 3
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


def test_three_exports_show_the_designed_history_of_each_action() -> None:
    history = {}
    for path in sample_inputs(SOURCE):
        records = _records(path)
        [exported] = {r.valid_time.valid_from.isoformat() for r in records}
        history[exported] = {
            r.record_key: (r.attributes["due_date"], r.attributes["status"], r.attributes["rag"])
            for r in records
        }
    assert history == DESIGNED


def test_every_record_of_an_export_is_scoped_to_its_tracker_and_dated_by_the_export() -> None:
    for path in sample_inputs(SOURCE):
        for record in _records(path):
            assert record.scope == "AP-CSPR-2024-02"
            assert record.valid_time.valid_to is None
            assert record.valid_time.valid_from.isoformat() == record.attributes["exported_on"]
            assert path.stem.endswith(record.attributes["exported_on"])
    other = [
        i for p in bad_inputs(SOURCE) for i in parse_file(SOURCE, p) if isinstance(i, ParsedRecord)
    ]
    assert {r.scope for r in other} == {"AP-MAA-2025-01"}


def test_the_completion_date_is_the_day_the_tracker_states_or_none() -> None:
    # Written from the sample CSVs' 'Date completed' column: the 31/03 export is the older
    # layout without it; 034 ("completed in March") and 036 ("delivered in April") give no day.
    stated = {
        (line["valid_from"], line["record_key"]): line["attributes"]["completed_on"]
        for line in golden_lines(SOURCE)
    }
    assert {k: v for k, v in stated.items() if v is not None} == {
        ("2025-06-30", "ACT-2025-032"): "2025-04-15",
        ("2025-09-30", "ACT-2025-031"): "2025-09-19",
        ("2025-09-30", "ACT-2025-032"): "2025-04-15",
        ("2025-09-30", "ACT-2025-033"): "2025-08-04",
    }
    assert len(stated) == 17
    first = sample_inputs(SOURCE)[0]
    assert "Date completed" not in first.read_text(encoding="utf-8")
    assert {r.attributes["completed_on"] for r in _records(first)} == {None}


@pytest.mark.parametrize(
    ("status", "completed", "says"),
    [
        ("Complete", "2025-07-20", None),
        ("In progress", "2025-07-20", "a date completed (2025-07-20) on an action whose status"),
        ("Complete", "2025-10-01", "completed on 2025-10-01, after the export of 2025-09-30"),
        ("Complete", "soon", "'soon' is not a date"),
    ],
)
def test_a_date_completed_belongs_to_a_complete_action_and_is_not_after_the_export(
    tmp_path: Path, status: str, completed: str, says: str | None
) -> None:
    row = [*ROW[:7], "Green" if status == "Complete" else "Amber", status, completed, *ROW[9:]]
    path = _csv(
        tmp_path / "t.csv",
        [["Exported 2025-09-30"], [*HEADER[:9], "Date completed", *HEADER[9:]], row],
    )
    [item] = list(parse_file(SOURCE, path))
    if says is None:
        assert isinstance(item, ParsedRecord)
        assert item.attributes["completed_on"] == completed
    else:
        assert not isinstance(item, ParsedRecord)
        assert says in item.reasons[0]
        assert item.reasons[0].startswith("column 'completed_on'")


def test_an_open_action_past_its_due_date_is_overdue_on_the_export_day() -> None:
    lines = golden_lines(SOURCE)
    overdue = {
        (line["valid_from"], line["record_key"]) for line in lines if line["attributes"]["overdue"]
    }
    assert overdue == {("2025-06-30", "ACT-2025-033")}


@pytest.mark.parametrize(
    ("title", "day"),
    [
        ("Exported 2025-06-30", date(2025, 6, 30)),
        ("Action plan tracker | Exported on: 30/06/2025", date(2025, 6, 30)),
        ("exported 1 July 2025 by the business unit", date(2025, 7, 1)),
        ("Action plan tracker", None),
    ],
)
def test_the_export_date_is_read_from_the_title_rows(title: str, day: date | None) -> None:
    assert export_date(title) == day


def test_an_exported_column_wins_over_the_title_row(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "t.csv", [["Exported 2025-06-30"], [*HEADER, "Exported"], [*ROW, "2025-07-15"]]
    )
    [record] = _records(path)
    assert record.valid_time.valid_from == date(2025, 7, 15)
    assert record.attributes["overdue"] is False


def test_an_xlsx_export_reads_its_title_row(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Action plan tracker: AP-AUDIT-2025-02"])
    sheet.append(["Exported 30/09/2025"])
    sheet.append(HEADER)
    sheet.append([*ROW[:5], date(2025, 7, 31), *ROW[6:]])
    book.save(tmp_path / "tracker.xlsx")
    [record] = _records(tmp_path / "tracker.xlsx")
    assert (record.record_key, record.scope) == ("ACT-2025-060", "AP-AUDIT-2025-02")
    assert record.valid_time.valid_from == date(2025, 9, 30)
    assert (record.attributes["due_date"], record.attributes["overdue"]) == ("2025-07-31", True)
    assert dict(record.locator) == {"sheet": "Sheet", "row": 4}


def test_ingesting_the_exports_withdraws_only_the_removed_action_of_that_tracker(
    tmp_path: Path,
) -> None:
    from lif_core.eventlog.store import Store
    from lif_core.ingestion.pipeline import ingest_file
    from lif_core.plugins.host import LoadedSource

    store = Store(f"sqlite:///{tmp_path}/lif.db")
    loaded = LoadedSource(SOURCE, "action-plans", "lif-platform", "0")
    first, second, third = sample_inputs(SOURCE)
    [other_tracker] = [p for p in bad_inputs(SOURCE) if p.name.startswith("AP-MAA-2025-01")]
    try:
        counts = [
            ingest_file(store, loaded, path).counts
            for path in (first, other_tracker, second, third)
        ]
    finally:
        store.close()
    assert [(c["recorded"], c["revised"], c["withdrawn"]) for c in counts] == [
        (6, 0, 0),
        (1, 0, 0),  # ACT-2025-040; the other rows of that export are bad on purpose
        (0, 6, 0),
        (
            0,
            5,
            1,
        ),  # ACT-2025-034 left tracker AP-CSPR-2024-02; ACT-2025-040 of AP-MAA-2025-01 stays
    ]
