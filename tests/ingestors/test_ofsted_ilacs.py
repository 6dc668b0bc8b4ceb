"""The ofsted-ilacs plugin on the real scraped history: each dirty value ends as documented."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from ingestors import ofsted_ilacs
from ingestors.ofsted_ilacs import JUDGEMENTS, MISSING_REASONS, SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins.host import load_plugins
from lif_core.testing import SourceConformance

GRADES = {"outstanding", "good", "requires improvement", "inadequate"}
# The scraper's codes kept as a missing judgement with their reason (blank cells: "blank").
KEPT_AS_MISSING = {"data_unreadable", "inspection_pre_dates_judgement", "not_reported_post_reform"}
REJECTED = {"to requires improvement"}


@pytest.fixture(scope="module")
def history(real_data: Path) -> Path:
    return real_data / "ofsted_ilacs" / "ofsted_csc_ilacs_history.csv"


@pytest.fixture(scope="module")
def csv_rows(history: Path) -> dict[int, dict[str, str]]:
    """Line number -> row, read with the csv module alone."""
    with history.open(encoding="utf-8-sig", newline="") as handle:
        return {line: row for line, row in enumerate(csv.DictReader(handle), start=2)}


@pytest.fixture(scope="module")
def parsed(history: Path) -> tuple[dict[int, ParsedRecord], dict[int, Rejection]]:
    records: dict[int, ParsedRecord] = {}
    rejections: dict[int, Rejection] = {}
    for item in parse_file(SOURCE, history):
        if isinstance(item, ParsedRecord):
            records[item.locator["line"]] = item
        else:
            rejections[item.locator["line"]] = item
    return records, rejections


def test_every_row_is_recorded_or_rejected(parsed: tuple, csv_rows: dict) -> None:
    records, rejections = parsed
    assert len(records) + len(rejections) == len(csv_rows) == 497
    assert not set(records) & set(rejections)


def test_every_value_in_the_file_is_a_grade_a_known_code_or_a_rejected_fragment(
    csv_rows: dict,
) -> None:
    values = {row[c].strip() for row in csv_rows.values() for c in JUDGEMENTS.values()}
    assert values - {""} <= GRADES | KEPT_AS_MISSING | REJECTED
    assert values >= KEPT_AS_MISSING | REJECTED, "the real file still holds every artefact"
    assert set(MISSING_REASONS) == KEPT_AS_MISSING | {"blank"}


def test_each_artefact_ends_as_documented(parsed: tuple, csv_rows: dict) -> None:
    records, rejections = parsed
    seen: dict[str, int] = {}
    for line, row in csv_rows.items():
        cells = {name: row[column].strip() for name, column in JUDGEMENTS.items()}
        fragments = [(n, v) for n, v in cells.items() if v in REJECTED]
        if fragments:
            (name, value), *_ = fragments
            reason = rejections[line].reasons[0]
            assert f"column {JUDGEMENTS[name]!r}" in reason and repr(value) in reason
            seen[value] = seen.get(value, 0) + 1
            continue
        attributes = records[line].attributes
        for name, value in cells.items():
            if value in GRADES:
                assert attributes[name] == value.replace(" ", "-")
                assert attributes[f"{name}_missing_reason"] is None
            else:
                assert attributes[name] is None
                assert attributes[f"{name}_missing_reason"] == (value or "blank")
                seen[value or "blank"] = seen.get(value or "blank", 0) + 1
    assert set(seen) == KEPT_AS_MISSING | REJECTED | {"blank"}


def test_post_reform_and_care_leavers_codes_fit_their_dates(parsed: tuple) -> None:
    records, _ = parsed
    for r in records.values():
        a = r.attributes
        started = a["inspection_start_date"] or a["publication_date"]
        if a["overall_effectiveness_missing_reason"] == "not_reported_post_reform":
            assert started >= "2026-04-01"
        if a["care_leavers_missing_reason"] == "inspection_pre_dates_judgement":
            assert started < "2023-01-01"


def test_keys_are_unique_and_fall_back_from_end_to_publication_date(
    parsed: tuple, csv_rows: dict
) -> None:
    records, _ = parsed
    keys = [r.record_key for r in records.values()]
    assert len(keys) == len(set(keys))
    for line, r in records.items():
        row = csv_rows[line]
        if row["inspection_end_date"]:
            end = datetime.strptime(row["inspection_end_date"], "%d/%m/%Y").date()
            assert r.record_key == f"{row['urn']}/end/{end.isoformat()}"
            assert r.valid_time.valid_to == end
        else:
            published = datetime.strptime(row["publication_date"], "%d/%m/%y").date()
            assert r.record_key == f"{row['urn']}/published/{published.isoformat()}"
            assert r.valid_time.valid_from == published


def test_the_unrecognised_framework_phrase_is_kept_not_guessed(
    parsed: tuple, csv_rows: dict
) -> None:
    records, _ = parsed
    for line, row in csv_rows.items():
        if line not in records:
            continue
        a = records[line].attributes
        if row["inspection_framework"] in ("standard", "short"):
            assert (a["framework"], a["framework_wording"]) == (row["inspection_framework"], None)
        else:
            assert a["framework"] is None
            assert a["framework_wording"] == (row["inspection_framework"] or None)


def test_no_inspector_names_are_kept(parsed: tuple, csv_rows: dict) -> None:
    records, _ = parsed
    names = {row["inspector_name"] for row in csv_rows.values() if row["inspector_name"]}
    assert names
    text = json.dumps([r.attributes for r in records.values()])
    assert not [n for n in names if n in text]
    assert all("inspector_name" not in r.attributes for r in records.values())


def test_leeds_has_its_four_inspections(parsed: tuple) -> None:
    records, _ = parsed
    leeds = sorted(
        r.attributes["publication_date"]
        for r in records.values()
        if r.attributes["la_urn"] == "80481"
    )
    assert [d[:4] for d in leeds] == ["2015", "2018", "2022", "2025"]


def test_the_plugin_registers_through_its_entry_point() -> None:
    plugins = load_plugins(allow={"ofsted-ilacs"}, third_party=False)
    assert plugins.get("ofsted-ilacs").source is SOURCE
    assert not plugins.failures
    assert SOURCE.cadence == "P3Y" and SOURCE.provider == "Ofsted"


def test_samples_match_the_golden_file() -> None:
    expected = SOURCE.samples / "expected.jsonl"
    lines = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    assert golden_lines(SOURCE) == lines


class TestConformance(SourceConformance):
    """The plugin kit's checks: declaration, descriptions, samples through a real store, bad rows."""

    plugin = ofsted_ilacs
