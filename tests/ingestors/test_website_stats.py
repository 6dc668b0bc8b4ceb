"""The website-stats plugin: page views per page per day, analytics spellings, a lean map_row."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

from ingestors import website_stats
from ingestors.website_stats import SOURCE, generate_sample
from lif_core.ingestion.parse import ParsedRecord, parse_file
from lif_core.ingestion.readers import read_rows
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins.host import load_plugins


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_the_plugin_registers_with_provider_cadence_and_described_fields() -> None:
    plugins = load_plugins(modules=[website_stats], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("website-stats").source
    assert source.provider == "Leeds Safeguarding Children Partnership business unit"
    assert source.cadence == "P1M"
    [kind] = source.kinds
    assert kind.mode == "append"
    assert all(f.description for f in kind.model.model_fields.values())


def test_the_sample_parses_to_exactly_its_golden_file() -> None:
    assert len(sample_inputs(SOURCE)) == 1
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


def test_the_sample_shows_a_review_read_from_the_day_it_was_published() -> None:
    lines = [
        line for line in golden_lines(SOURCE) if line["attributes"]["page_path"].endswith("child-h")
    ]
    assert lines[0]["valid_from"] == "2025-03-05"
    assert lines[0]["record_key"] == "2025-03-05/practice-reviews/cspr-2024-02-child-h"
    assert lines[0]["attributes"]["views"] == max(line["attributes"]["views"] for line in lines)


def test_an_analytics_export_with_its_own_headers_and_compact_dates_reads_the_same(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ga4.csv"
    path.write_text(
        "# Pages and screens\n"
        "Date,Page path and screen class,Page title and screen class,Views,Total users\n"
        '20250131,/procedures/bruising-protocol,Bruising protocol,"1,204",987\n',
        encoding="utf-8",
    )
    [record] = parse_file(SOURCE, path)
    assert isinstance(record, ParsedRecord)
    assert record.valid_time.valid_from == date(2025, 1, 31)
    assert (record.attributes["views"], record.attributes["unique_visitors"]) == (1204, 987)


def test_a_generated_year_has_one_row_per_page_per_day_and_parses_cleanly(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    assert generate_sample(path, pages=40, days=365) == 40 * 365
    items = list(parse_file(SOURCE, path))
    assert len(items) == 40 * 365
    assert all(isinstance(item, ParsedRecord) for item in items)
    assert len({item.record_key for item in items if isinstance(item, ParsedRecord)}) == 40 * 365
    again = tmp_path / "again.csv"
    generate_sample(again, pages=40, days=365)
    assert again.read_bytes() == path.read_bytes()


def test_map_row_stays_lean_on_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    generate_sample(path, pages=1000, days=30)
    rows = list(read_rows(path, SOURCE.inputs))
    started = time.perf_counter()
    for row in rows:
        SOURCE.map_row(row)
    per_row = (time.perf_counter() - started) / len(rows)
    # About 2 microseconds a row here; 50 leaves room for a loaded machine but not for regex
    # compilation, model building or date parsing per row.
    assert per_row < 50e-6, f"map_row takes {per_row * 1e6:.1f} µs a row"
