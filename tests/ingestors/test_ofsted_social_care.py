"""The ofsted-social-care plugin on all twelve real provider-level files, its samples and bad rows."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from ingestors import ofsted_social_care
from ingestors.ofsted_social_care import COLUMNS, DROPPED_COLUMNS, SOURCE, snapshot_date
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import Row
from lif_core.plugins.host import load_plugins
from lif_core.testing import SourceConformance

YEARS = [str(y) for y in range(2015, 2026)] + ["2018_part2"]
SEED = 20250331

# Written from _headers.txt, independently of the plugin's Columns.
EVENT_HEADERS = {
    "inspection date": ("event number", "inspection id"),
    "latest full inspection date": ("latest full inspection event number",),
    "previous full inspection event date": ("previous full inspection event number",),
}


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as handle:
        for raw in handle:
            try:
                yield raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                yield raw.decode("cp1252", errors="replace")


def _table(path: Path) -> tuple[list[str], list[list[str]]]:
    """(folded header, non-blank data rows), header = the first row with a 'URN' cell."""
    rows = list(csv.reader(_lines(path)))
    at = next(i for i, r in enumerate(rows) if "URN" in [c.strip() for c in r])
    header = [_fold(c) for c in rows[at]]
    return header, [r for r in rows[at + 1 :] if any(c.strip() for c in r)]


def _expected(path: Path) -> dict[str, Any]:
    header, rows = _table(path)
    urn = header.index("urn")
    keys: set[str] = set()
    for row in rows:
        for date_header, event_headers in EVENT_HEADERS.items():
            if date_header not in header or not row[header.index(date_header)].strip():
                continue
            event = next(row[header.index(e)].strip() for e in event_headers if e in header)
            day = datetime.strptime(row[header.index(date_header)].strip(), "%d/%m/%Y").date()
            keys.add(
                f"{row[urn].strip()}/event/{event}" if event else f"{row[urn].strip()}/date/{day}"
            )
    la = header.index("local authority")
    return {
        "rows": len(rows),
        "providers": {r[urn].strip() for r in rows},
        "inspection_keys": keys,
        "leeds": sum(1 for r in rows if r[la].strip() == "Leeds"),
    }


@pytest.fixture(scope="module")
def files(real_data: Path) -> dict[str, Path]:
    folder = real_data / "ofsted_csc_provider_level"
    return {year: folder / f"provider_at_march_{year}.csv" for year in YEARS}


@pytest.fixture(scope="module")
def parsed(files: dict[str, Path]) -> dict[str, list[ParsedRecord | Rejection]]:
    """Every file parsed once, in a shuffled order (kept in insertion order of the dict)."""
    order = list(files)
    random.Random(SEED).shuffle(order)
    return {year: list(parse_file(SOURCE, files[year])) for year in order}


def _records(items: list[ParsedRecord | Rejection], kind: str) -> list[ParsedRecord]:
    return [i for i in items if isinstance(i, ParsedRecord) and i.kind == kind]


@pytest.mark.parametrize("year", YEARS)
def test_every_data_row_is_recorded_or_rejected(parsed: dict, files: dict, year: str) -> None:
    expected = _expected(files[year])
    items = parsed[year]
    rejected = {json.dumps(dict(i.locator)) for i in items if isinstance(i, Rejection)}
    providers = _records(items, "provider")
    assert len(providers) + len(rejected) == expected["rows"]
    assert not rejected, [i.reasons for i in items if isinstance(i, Rejection)][:3]


@pytest.mark.parametrize("year", YEARS)
def test_distinct_providers_and_inspections_match_the_file(
    parsed: dict, files: dict, year: str
) -> None:
    expected = _expected(files[year])
    providers = {r.record_key for r in _records(parsed[year], "provider")}
    inspections = [r.record_key for r in _records(parsed[year], "inspection")]
    assert providers == expected["providers"]
    assert len(inspections) == len(set(inspections))
    assert set(inspections) == expected["inspection_keys"]


def test_inspection_keys_use_the_event_number_and_fall_back_to_the_date(parsed: dict) -> None:
    inspections = [r for items in parsed.values() for r in _records(items, "inspection")]
    by_date = [r for r in inspections if "/date/" in r.record_key]
    assert by_date, "the 2015 and 2016 files have inspections without an event number"
    assert all(r.attributes["event_number"] is None for r in by_date)
    assert all(r.record_key.endswith(r.attributes["inspection_date"]) for r in by_date)
    assert all(
        r.record_key == f"{r.attributes['urn']}/event/{r.attributes['event_number']}"
        for r in inspections
        if r.attributes["event_number"]
    )


@pytest.mark.parametrize("year", YEARS)
def test_snapshot_date_is_31_march_from_the_title_or_the_file_name(parsed: dict, year: str) -> None:
    snapshot = date(int(year[:4]), 3, 31)
    providers = _records(parsed[year], "provider")
    assert {r.valid_time.valid_from for r in providers} == {snapshot}
    assert all(r.as_of == snapshot for r in providers)
    # The snapshot dates the record; it is not content, so an unchanged provider is not revised.
    assert all("snapshot_date" not in r.attributes for r in providers)
    assert all(r.as_of == snapshot for r in _records(parsed[year], "inspection"))


def test_the_title_wins_over_the_file_name() -> None:
    row = Row(values={}, raw={}, locator={"line": 5}, origin="provider_at_march_2020.csv",
              origin_meta={"title": "Children's social care data in England 2022 - Provider level as at March 2022"})  # fmt: skip
    assert snapshot_date(row) == date(2022, 3, 31)


def test_inspections_are_valid_on_their_inspection_date(parsed: dict) -> None:
    for items in parsed.values():
        for r in _records(items, "inspection"):
            assert r.valid_time.valid_from.isoformat() == r.attributes["inspection_date"]
            assert r.valid_time.valid_to is None


def test_the_2018_part2_sheet_holds_providers_only(parsed: dict) -> None:
    assert _records(parsed["2018_part2"], "inspection") == []
    assert len(_records(parsed["2018_part2"], "provider")) > 0


def test_the_2024_file_also_yields_the_previous_full_inspection(parsed: dict, files: dict) -> None:
    header, rows = _table(files["2024"])
    previous = sum(
        1 for r in rows if r[header.index("previous full inspection event date")].strip()
    )
    latest = sum(1 for r in rows if r[header.index("latest full inspection date")].strip())
    assert len(_records(parsed["2024"], "inspection")) == latest + previous
    assert previous > 3000


def test_leeds_has_50_providers_in_2025(parsed: dict, files: dict) -> None:
    leeds = [
        r
        for r in _records(parsed["2025"], "provider")
        if r.attributes["local_authority"] == "Leeds"
    ]
    assert len(leeds) == _expected(files["2025"])["leeds"] == 50


def test_arrival_order_does_not_change_the_inspection_records(parsed: dict) -> None:
    """The host keeps the newest statement of a key (when it was stated, then its valid time);
    so must any order."""

    def newest(r: ParsedRecord) -> tuple[date, date]:
        return r.stated_on, r.valid_time.valid_from

    def fold(years: list[str], rule: str) -> dict[str, dict[str, Any]]:
        kept: dict[str, ParsedRecord] = {}
        for year in years:
            for r in _records(parsed[year], "inspection"):
                old = kept.get(r.record_key)
                if old is None or rule == "last-arrival" or newest(r) >= newest(old):
                    kept[r.record_key] = r
        return {k: r.attributes for k, r in kept.items()}

    shuffled = list(parsed)
    assert shuffled != YEARS
    assert fold(shuffled, "newest-statement") == fold(sorted(YEARS), "newest-statement")
    # Not vacuous: snapshots disagree about some inspections (dates, regrades, columns dropped).
    assert fold(shuffled, "last-arrival") != fold(sorted(YEARS), "last-arrival")


def test_no_setting_names_or_addresses_are_kept(parsed: dict, files: dict) -> None:
    for year, path in files.items():
        header, _ = _table(path)
        unknown = [h for h in header if h not in DROPPED_COLUMNS and not COLUMNS.resolve([h])]
        assert not unknown, f"{year}: columns neither mapped nor deliberately dropped: {unknown}"
    for items in parsed.values():
        for r in items:
            assert isinstance(r, ParsedRecord)
            assert "REDACTED" not in json.dumps(r.attributes)
            assert not {"name", "address_1", "postcode", "town"} & set(r.attributes)


def test_the_plugin_registers_through_its_entry_point() -> None:
    plugins = load_plugins(allow={"ofsted-social-care"}, third_party=False)
    assert plugins.get("ofsted-social-care").source is SOURCE
    assert not plugins.failures
    assert (SOURCE.provider, SOURCE.cadence) == ("Ofsted", "P1Y")


def test_samples_match_the_golden_file() -> None:
    expected = SOURCE.samples / "expected.jsonl"
    lines = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    assert golden_lines(SOURCE) == lines


class TestConformance(SourceConformance):
    """The plugin kit's checks: declaration, descriptions, samples through a real store, bad rows."""

    plugin = ofsted_social_care
