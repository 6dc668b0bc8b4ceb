"""The CDOP plugin: its sample, its bad rows, the ten categories, suppression kept as suppression."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from ingestors import cdop
from ingestors.cdop import CATEGORIES, SOURCE
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins.host import load_plugins

HEADER = "Reporting year,Table,Item,Deaths reviewed,Detail,Lead agency\n"


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _parse(path: Path) -> list[ParsedRecord | Rejection]:
    return list(parse_file(SOURCE, path))


def _one(tmp_path: Path, line: str) -> ParsedRecord | Rejection:
    path = tmp_path / "cdop.csv"
    path.write_text(HEADER + line + "\n", encoding="utf-8")
    [item] = _parse(path)
    return item


def test_the_plugin_registers_with_provider_cadence_and_described_fields() -> None:
    plugins = load_plugins(modules=[cdop], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("cdop").source
    assert source.provider == "Leeds Child Death Overview Panel"
    assert source.cadence == "P1Y"
    assert [k.name for k in source.kinds] == [
        "deaths-by-category",
        "modifiable-factors",
        "modifiable-factors-by-category",
        "theme",
        "recommendation",
    ]
    for kind in source.kinds:
        assert all(f.description for f in kind.model.model_fields.values()), kind.name


def test_the_sample_parses_to_exactly_its_golden_file() -> None:
    assert len(sample_inputs(SOURCE)) == 2
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


def test_each_year_of_the_sample_covers_all_ten_categories_once() -> None:
    lines = [line for line in golden_lines(SOURCE) if line["kind"] == "deaths-by-category"]
    per_year = Counter(line["attributes"]["reporting_year"] for line in lines)
    assert per_year == {"2023-24": 10, "2024-25": 10}
    assert {line["attributes"]["category"] for line in lines} == set(CATEGORIES)


def test_suppressed_counts_are_kept_as_suppressed_never_as_zero() -> None:
    lines = golden_lines(SOURCE)
    suppressed = [line for line in lines if line["attributes"].get("suppressed")]
    assert {line["record_key"] for line in suppressed} >= {
        "2024-25/abuse-or-neglect",
        "2024-25/infection",
    }
    assert all(line["attributes"]["deaths_reviewed"] is None for line in suppressed)
    zeros = [line for line in lines if line["attributes"].get("deaths_reviewed") == 0]
    assert zeros and all(line["attributes"]["suppressed"] is False for line in zeros)


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("Perinatal/neonatal event", "perinatal-neonatal"),
        ("8", "perinatal-neonatal"),
        ("Category 2", "suicide-or-self-harm"),
        ("abuse or neglect", "abuse-or-neglect"),
        ("SUDDEN UNEXPECTED, UNEXPLAINED DEATH", "sudden-unexpected"),
    ],
)
def test_category_spellings_map_to_one_code(tmp_path: Path, spelling: str, code: str) -> None:
    item = _one(tmp_path, f'2024-25,Deaths by category,"{spelling}",12,,')
    assert isinstance(item, ParsedRecord)
    assert item.attributes["category"] == code
    assert item.record_key == f"2024-25/{code}"


def test_a_calendar_reporting_year_is_the_calendar_year(tmp_path: Path) -> None:
    item = _one(tmp_path, "2024,Modifiable factors,Insufficient information,<5,,")
    assert isinstance(item, ParsedRecord)
    assert (item.valid_time.valid_from, item.valid_time.valid_to) == (
        date(2024, 1, 1),
        date(2024, 12, 31),
    )
    assert item.attributes == {
        "reporting_year": "2024",
        "finding": "insufficient-information",
        "deaths_reviewed": None,
        "suppressed": True,
    }


def test_a_theme_may_be_published_without_a_count(tmp_path: Path) -> None:
    item = _one(tmp_path, "2024-25,Theme,Water safety,,Open water near homes.,")
    assert isinstance(item, ParsedRecord)
    assert (item.attributes["deaths_reviewed"], item.attributes["suppressed"]) == (None, False)


def _by_category(year: str) -> dict[tuple[str, str], int | None]:
    return {
        (line["attributes"]["category"], line["attributes"]["finding"]): line["attributes"][
            "deaths_reviewed"
        ]
        for line in golden_lines(SOURCE)
        if line["kind"] == "modifiable-factors-by-category"
        and line["attributes"]["reporting_year"] == year
    }


def test_modifiable_factors_by_category_cover_each_category_and_finding_once() -> None:
    table = _by_category("2024-25")
    assert len(table) == 30  # 10 categories x 3 findings
    assert {category for category, _ in table} == set(CATEGORIES)
    # From cdop-annual-figures-2024-25.csv, sudden unexpected deaths: 5 with modifiable
    # factors, 0 without, insufficient information suppressed ('*').
    assert table["sudden-unexpected", "yes"] == 5
    assert table["sudden-unexpected", "no"] == 0
    assert table["sudden-unexpected", "insufficient-information"] is None


def test_published_categories_add_up_to_their_deaths_reviewed() -> None:
    table = _by_category("2024-25")
    deaths = {
        line["attributes"]["category"]: line["attributes"]["deaths_reviewed"]
        for line in golden_lines(SOURCE)
        if line["kind"] == "deaths-by-category"
        and line["attributes"]["reporting_year"] == "2024-25"
    }
    # Hand-checked in the sample: malignancy 0 + 7 + 0 = 7; chromosomal 0 + 14 + 0 = 14;
    # trauma 6 + 0 + 0 = 6; suicide 5 + 0 + 0 = 5.
    for category, total in [
        ("malignancy", 7),
        ("chromosomal-congenital", 14),
        ("trauma", 6),
        ("suicide-or-self-harm", 5),
    ]:
        assert deaths[category] == total
        assert (
            sum(table[category, f] or 0 for f in ("yes", "no", "insufficient-information")) == total
        )


def test_a_modifiable_factors_row_with_a_category_is_by_category(tmp_path: Path) -> None:
    path = tmp_path / "cdop.csv"
    path.write_text(
        HEADER.rstrip("\n") + ",Category\n2024-25,Modifiable factors,Yes,6,,,Category 3\n",
        encoding="utf-8",
    )
    [item] = _parse(path)
    assert isinstance(item, ParsedRecord)
    assert (item.kind, item.record_key) == ("modifiable-factors-by-category", "2024-25/trauma/yes")
    assert item.attributes == {
        "reporting_year": "2024-25",
        "finding": "yes",
        "deaths_reviewed": 6,
        "suppressed": False,
        "category": "trauma",
    }
