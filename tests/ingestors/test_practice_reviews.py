"""The practice-reviews plugin: the register and learning-point layouts, stable references, bad rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ingestors import practice_reviews
from ingestors.practice_reviews import SOURCE, learning_point_reference
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins.host import load_plugins


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _parse(path: Path) -> list[ParsedRecord | Rejection]:
    return list(parse_file(SOURCE, path))


def test_the_plugin_registers_with_provider_cadence_and_described_fields() -> None:
    plugins = load_plugins(modules=[practice_reviews], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("practice-reviews").source
    assert source.provider == "Leeds Safeguarding Children Partnership business unit"
    assert source.cadence == "P1M"
    assert [k.name for k in source.kinds] == ["review", "learning-point"]
    for kind in source.kinds:
        assert all(f.description for f in kind.model.model_fields.values()), kind.name


def test_the_sample_parses_to_exactly_its_golden_file() -> None:
    assert [p.name for p in sample_inputs(SOURCE)] == ["learning-points.csv", "reviews.csv"]
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


def test_the_header_decides_the_kind_and_references_are_the_keys() -> None:
    kinds: dict[str, set[str]] = {}
    for line in golden_lines(SOURCE):
        kinds.setdefault(line["file"], set()).add(line["kind"])
        assert line["record_key"] == line["attributes"]["reference"]
    assert kinds == {"reviews.csv": {"review"}, "learning-points.csv": {"learning-point"}}


def test_a_learning_point_reference_is_its_review_and_number() -> None:
    assert learning_point_reference("CSPR-2024-02", 3) == "CSPR-2024-02/LP03"
    points = [line for line in golden_lines(SOURCE) if line["kind"] == "learning-point"]
    assert [p["record_key"] for p in points][:4] == [f"CSPR-2024-02/LP0{n}" for n in range(1, 5)]
    assert points[0]["attributes"]["themes"] == ["Neglect", "Was not brought"]
    assert points[0]["valid_from"] == "2025-01-15"


def test_a_review_is_about_the_day_it_was_commissioned(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        "Reference,Type,Title,Date commissioned,Date completed,Date published,Status,Published link\n"
        "llr-2025-01,LLR,Neglect of teenagers,2025-04-07,,,Commissioned,\n",
        encoding="utf-8",
    )
    [record] = _parse(path)
    assert isinstance(record, ParsedRecord)
    assert record.record_key == "LLR-2025-01"
    assert (record.valid_time.valid_from, record.valid_time.valid_to) == (date(2025, 4, 7), None)
    assert record.attributes["review_type"] == "llr"


def test_a_register_without_a_status_column_is_refused_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(
        "Reference,Type,Date commissioned\nCSPR-2025-03,CSPR,2025-04-07\n", encoding="utf-8"
    )
    [rejection] = _parse(path)
    assert isinstance(rejection, Rejection)
    assert rejection.reasons == (
        "column 'status': the review register layout needs this column, and the header has none",
    )
