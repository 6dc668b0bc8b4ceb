"""The schools health survey plugin: its sample, its bad rows, and suppression kept as suppression."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestors import school_health_survey
from ingestors.school_health_survey import SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins import Row
from lif_core.plugins.host import load_plugins

HEADER = "Survey year,Phase,Year group,Question code,Question,Response,Percentage,Number,Base\n"


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _records(path: Path) -> list[ParsedRecord | Rejection]:
    return list(parse_file(SOURCE, path))


def test_the_plugin_registers_with_provider_cadence_and_described_fields() -> None:
    plugins = load_plugins(modules=[school_health_survey], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("school-health-survey").source
    assert source.provider == "Leeds City Council Health and Wellbeing Service"
    assert source.cadence == "P1Y"
    for kind in source.kinds:
        assert kind.mode == "append"
        assert all(f.description for f in kind.model.model_fields.values())


def test_the_sample_parses_to_exactly_its_golden_file() -> None:
    assert len(sample_inputs(SOURCE)) == 2
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


def test_suppressed_cells_are_kept_as_suppressed_never_as_zero() -> None:
    records = [r for p in sample_inputs(SOURCE) for r in _records(p)]
    suppressed = [r for r in records if isinstance(r, ParsedRecord) and r.attributes["suppressed"]]
    assert {r.record_key for r in suppressed} == {
        "2023-24/post-16/Y12/SAF01/no",
        "2023-24/post-16/Y12/SAF01/not-sure",
        "2024-25/post-16/Y12/SAF01/no",
        "2024-25/post-16/Y12/SAF01/not-sure",
    }
    for record in suppressed:
        assert record.attributes["n"] is None
        assert record.attributes["percentage"] is None


@pytest.mark.parametrize("marker", ["*", "<10", "c", "[x]", "< 5"])
def test_every_suppression_marker_reads_as_suppressed(tmp_path: Path, marker: str) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(
        HEADER + f"2024-25,Secondary,Year 10,ONL02,Q,Yes,*,{marker},4011\n", encoding="utf-8"
    )
    [record] = _records(path)
    assert isinstance(record, ParsedRecord)
    assert record.attributes["suppressed"] is True
    assert record.attributes["n"] is None


def test_a_zero_is_a_published_zero_not_a_suppression(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(HEADER + "2024-25,Primary,Year 6,SAF01,Q,Never,0.0,0,5180\n", encoding="utf-8")
    [record] = _records(path)
    assert isinstance(record, ParsedRecord)
    assert (record.attributes["n"], record.attributes["suppressed"]) == (0, False)


def test_the_valid_time_is_the_academic_year_september_to_august(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(HEADER + "2024/2025,All,,SAF01,Q,Yes,80.0,80,100\n", encoding="utf-8")
    [record] = _records(path)
    assert isinstance(record, ParsedRecord)
    assert record.attributes["survey_year"] == "2024-25"
    assert (record.valid_time.valid_from, record.valid_time.valid_to) == (
        date(2024, 9, 1),
        date(2025, 8, 31),
    )


def test_year_group_spellings_read_the_same() -> None:
    base = {"survey_year": "2024-25", "phase": "Primary", "question_code": "saf01", "question": "Q"}
    for spelling in ("Year 6", "Y6", "6"):
        values = {**base, "year_group": spelling, "response": "Yes", "percentage": "50", "n": "20"}
        row = Row(values=values, raw=values, locator={"line": 2}, origin="t.csv")
        [emit] = SOURCE.map_row(row)
        assert emit.fields["year_group"] == 6
        assert emit.fields["question_code"] == "SAF01"
