"""The learning-log plugin: the whole log as a snapshot, dated by the day each item was identified."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ingestors import learning_log
from ingestors.learning_log import SOURCE
from lif_core.ingestion.parse import ParsedRecord, parse_file
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins.host import load_plugins

HEADER = (
    "Reference,Source,Source reference,Date identified,Themes,Learning statement,Agencies,"
    "Dissemination channel,Date disseminated,Audience,Linked actions,Evidence of impact\n"
)


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_the_plugin_registers_as_a_snapshot_of_the_whole_log() -> None:
    plugins = load_plugins(modules=[learning_log], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("learning-log").source
    assert source.provider == "Leeds Safeguarding Children Partnership business unit"
    assert source.cadence == "P1M"
    [kind] = source.kinds
    assert (kind.mode, kind.snapshot_scope) == ("snapshot", None)
    assert all(f.description for f in kind.model.model_fields.values())


def test_the_xlsx_sample_parses_to_exactly_its_golden_file() -> None:
    assert [p.suffix for p in sample_inputs(SOURCE)] == [".xlsx"]
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


def test_each_item_is_keyed_by_reference_and_dated_by_the_day_identified() -> None:
    [path] = sample_inputs(SOURCE)
    records = [r for r in parse_file(SOURCE, path) if isinstance(r, ParsedRecord)]
    assert len(records) == 9
    by_key = {r.record_key: r for r in records}
    item = by_key["LRN-2025-014"]
    assert (item.valid_time.valid_from, item.valid_time.valid_to) == (date(2025, 1, 15), None)
    assert item.scope is None
    assert item.attributes["source"] == "review"
    assert item.attributes["linked_actions"] == [
        "ACT-2025-031",
        "ACT-2025-032",
        "ACT-2025-033",
        "ACT-2025-036",
    ]
    assert item.attributes["dissemination_channels"] == [
        "published-review",
        "7-minute-briefing",
        "practitioner-briefing",
    ]
    assert dict(item.locator) == {"sheet": "Learning log", "row": 7}


def test_learning_not_yet_shared_has_no_channel_and_no_date(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        HEADER + "lrn-2025-040,Section 11,,01/08/2025,Training; Supervision,Learn.,LCH,,,,,\n",
        encoding="utf-8",
    )
    [record] = parse_file(SOURCE, path)
    assert isinstance(record, ParsedRecord)
    assert record.record_key == "LRN-2025-040"
    assert record.attributes["source"] == "self-assessment"
    assert (
        record.attributes["dissemination_channels"],
        record.attributes["date_disseminated"],
    ) == ([], None)
