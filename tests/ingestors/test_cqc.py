"""The cqc plugin: both layouts, the real derived history with its case drift, samples, bad rows."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from ingestors import cqc
from ingestors.cqc import SOURCE, layout_of
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.readers import read_rows
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.testing import SourceConformance


@pytest.fixture(scope="module")
def history(real_data: Path) -> Path:
    return real_data / "cqc_derived" / "all_inspeections_non_care_homes.csv"


@pytest.fixture(scope="module")
def csv_rows(history: Path) -> list[dict[str, str]]:
    with history.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def parsed(history: Path) -> list[ParsedRecord | Rejection]:
    return list(parse_file(SOURCE, history))


def test_every_row_of_the_real_history_is_recorded(parsed: list, csv_rows: list) -> None:
    records = [i for i in parsed if isinstance(i, ParsedRecord)]
    assert len(records) == len(parsed) == len(csv_rows)
    assert {r.attributes["layout"] for r in records} == {"derived-overall-history"}


def test_keys_are_one_per_location_and_report_date(parsed: list, csv_rows: list) -> None:
    keys = {r.record_key for r in parsed}
    expected = {(row["locationid"], row["reportdate"]) for row in csv_rows}
    assert len(keys) == len(expected)
    assert keys == {f"{loc}/Overall/Overall/{day}" for loc, day in expected}


def test_identical_duplicate_rows_give_identical_records(parsed: list) -> None:
    by_key: dict[str, set[str]] = {}
    for r in parsed:
        by_key.setdefault(r.record_key, set()).add(r.content_hash)
    assert all(len(hashes) == 1 for hashes in by_key.values())


def test_case_drift_is_normalised_and_the_wording_kept(parsed: list, csv_rows: list) -> None:
    ratings = Counter(r.attributes["rating"] for r in parsed)
    expected = Counter(row["overall"].casefold().replace(" ", "-") for row in csv_rows)
    assert ratings == expected
    drift = [r for r in parsed if r.attributes["rating_wording"] == "Requires Improvement"]
    assert len(drift) == sum(1 for row in csv_rows if row["overall"] == "Requires Improvement") > 0
    assert {r.attributes["rating"] for r in drift} == {"requires-improvement"}


def test_ownership_and_dates_come_through(parsed: list, csv_rows: list) -> None:
    assert Counter(r.attributes["ownership"] for r in parsed) == Counter(
        row["ownership"] for row in csv_rows
    )
    assert all(
        r.valid_time.valid_from.isoformat() == r.attributes["publication_date"] for r in parsed
    )


def test_both_layouts_are_told_apart_by_the_header() -> None:
    layouts = {
        path.name: {layout_of(row) for row in read_rows(path, SOURCE.inputs)}
        for path in sample_inputs(SOURCE)
    }
    assert layouts == {
        "cqc_overall_history.csv": {"derived-overall-history"},
        "cqc_ratings_leeds_health.csv": {"national-ratings"},
    }


def test_the_national_layout_keeps_group_and_domain() -> None:
    records = [r for r in golden_lines(SOURCE) if r["attributes"]["layout"] == "national-ratings"]
    domains = {r["attributes"]["domain"] for r in records}
    assert domains == {"Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"}
    assert {r["attributes"]["provider_id"] for r in records} == {"RR8", "RGD", "RY6"}
    assert {r["attributes"]["rating"] for r in records} >= {"not-rated", "insufficient-evidence"}
    assert all("provider_name" not in r["attributes"] for r in records)


def test_the_plugin_registers_through_its_entry_point() -> None:
    plugins = load_plugins(allow={"cqc"}, third_party=False)
    assert plugins.get("cqc").source is SOURCE
    assert not plugins.failures
    assert SOURCE.provider == "CQC"


def test_samples_match_the_golden_file() -> None:
    expected = SOURCE.samples / "expected.jsonl"
    lines = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    assert golden_lines(SOURCE) == lines


class TestConformance(SourceConformance):
    """The plugin kit's checks: declaration, descriptions, samples through a real store, bad rows."""

    plugin = cqc
