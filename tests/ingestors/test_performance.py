"""The performance plugin: the tidy indicator table, periods as valid time, ratios that add up."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from ingestors import performance
from ingestors.performance import SOURCE, period
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins import RecordError
from lif_core.plugins.host import load_plugins

HEADER = "Period,Area,Indicator code,Indicator,Value,Numerator,Denominator,Unit,Polarity\n"


def _jsonl(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_the_plugin_registers_with_provider_cadence_and_described_fields() -> None:
    plugins = load_plugins(modules=[performance], entry_point_list=[])
    assert plugins.failures == []
    source = plugins.get("performance").source
    assert source.provider
    assert source.cadence == "P3M"
    [kind] = source.kinds
    assert kind.mode == "append"
    assert all(f.description for f in kind.model.model_fields.values())


def test_the_sample_parses_to_exactly_its_golden_file() -> None:
    assert len(sample_inputs(SOURCE)) == 1
    assert golden_lines(SOURCE) == _jsonl(SOURCE.samples / "expected.jsonl")


@pytest.mark.parametrize(
    ("written", "label", "start", "end"),
    [
        ("2024-25", "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        ("2024/2025", "2024-25", date(2024, 4, 1), date(2025, 3, 31)),
        ("2024-Q3", "2024-Q3", date(2024, 7, 1), date(2024, 9, 30)),
        ("2024 Q4", "2024-Q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-06", "2024-06", date(2024, 6, 1), date(2024, 6, 30)),
        ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2024-12", "2024-12", date(2024, 12, 1), date(2024, 12, 31)),
        ("2024", "2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("31/03/2025", "2025-03-31", date(2025, 3, 31), date(2025, 3, 31)),
    ],
)
def test_periods_map_to_their_valid_time(written: str, label: str, start: date, end: date) -> None:
    canonical, valid = period(written)
    assert canonical == label
    assert (valid.valid_from, valid.valid_to) == (start, end)


def test_a_month_that_does_not_exist_is_refused() -> None:
    with pytest.raises(RecordError):
        period("2024-13")


def test_icpc_15wd_is_keyed_by_indicator_area_and_period_over_several_periods() -> None:
    lines = [
        line for line in golden_lines(SOURCE) if line["attributes"]["indicator_code"] == "ICPC-15WD"
    ]
    keys = {line["record_key"]: (line["valid_from"], line["valid_to"]) for line in lines}
    assert keys["ICPC-15WD/leeds/2024-25"] == ("2024-04-01", "2025-03-31")
    assert keys["ICPC-15WD/statistical-neighbours/2024-25"] == ("2024-04-01", "2025-03-31")
    assert keys["ICPC-15WD/leeds/2024-Q3"] == ("2024-07-01", "2024-09-30")
    assert keys["ICPC-15WD/leeds/2025-06"] == ("2025-06-01", "2025-06-30")
    assert {line["attributes"]["area"] for line in lines} == {
        "Leeds",
        "England",
        "Statistical neighbours",
    }
    assert len(keys) == len(lines) == 15
    assert all(line["attributes"]["polarity"] == "higher-is-better" for line in lines)


def test_a_percentage_must_agree_with_its_numerator_and_denominator_to_its_rounding(
    tmp_path: Path,
) -> None:
    path = tmp_path / "pmf.csv"
    path.write_text(
        HEADER
        + "2025-Q2,Leeds,X-1,X,85.7,6,7,%,higher\n"
        + "2025-Q2,Leeds,X-2,X,85.6,6,7,%,higher\n",
        encoding="utf-8",
    )
    accepted, refused = parse_file(SOURCE, path)
    assert isinstance(accepted, ParsedRecord)
    assert (accepted.attributes["value"], accepted.attributes["polarity"]) == (
        85.7,
        "higher-is-better",
    )
    assert isinstance(refused, Rejection)
    assert "column 'value'" in refused.reasons[0]
