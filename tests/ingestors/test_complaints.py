"""Complaints and compliments by children and young people: samples, rejections, counts, periods."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
NAME = "complaints"
HEADER = "Agency,Period,Theme,Complaints,Compliments,Notes"


@pytest.fixture(scope="module")
def source() -> Source:
    plugins = load_plugins(allow={NAME}, third_party=False)
    assert not plugins.failures
    return plugins.get(NAME).source


def _parse(source: Source, folder: Path, *rows: str) -> list[ParsedRecord | Rejection]:
    path = folder / "complaints.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return list(parse_file(source, path))


def test_registered_with_provider_cadence_and_documented_fields(source: Source) -> None:
    assert source.provider.strip() and source.cadence == "P3M"
    model = source.kind("feedback-count").model
    assert [
        f for f, info in model.model_fields.items() if not (info.description or "").strip()
    ] == []


def test_a_zero_stays_zero_and_a_blank_stays_unreported(source: Source, tmp_path: Path) -> None:
    [item] = _parse(source, tmp_path, "West Yorkshire Police,2025-Q1,Staff attitude,0,,")
    assert isinstance(item, ParsedRecord)
    assert (item.attributes["complaints"], item.attributes["compliments"]) == (0, None)


def test_a_suppression_marker_is_refused_rather_than_read_as_zero(
    source: Source, tmp_path: Path
) -> None:
    [item] = _parse(source, tmp_path, "West Yorkshire Police,2025-Q1,Staff attitude,*,3,")
    assert isinstance(item, Rejection)
    assert item.reasons == ("column 'Complaints': '*' is not a whole number",)


@pytest.mark.parametrize(
    ("written", "label", "start", "end"),
    [
        ("2024-Q4", "2024-Q4", "2024-10-01", "2024-12-31"),
        ("2024-11", "2024-11", "2024-11-01", "2024-11-30"),
        ("2024/25", "2024-25", "2024-04-01", "2025-03-31"),
        ("2024", "2024", "2024-01-01", "2024-12-31"),
    ],
)
def test_periods_are_keyed_by_their_canonical_label(
    source: Source, tmp_path: Path, written: str, label: str, start: str, end: str
) -> None:
    [item] = _parse(
        source, tmp_path, f"Leeds Community Healthcare NHS Trust,{written},Appointments,3,21,"
    )
    assert isinstance(item, ParsedRecord)
    assert item.record_key == f"{label}|Leeds Community Healthcare NHS Trust|Appointments"
    assert item.scope == f"{label}|Leeds Community Healthcare NHS Trust"
    assert (item.valid_time.valid_from.isoformat(), str(item.valid_time.valid_to)) == (start, end)


def test_a_single_day_is_not_a_period_for_counts(source: Source, tmp_path: Path) -> None:
    [item] = _parse(source, tmp_path, "West Yorkshire Police,2024-11-05,Staff attitude,1,0,")
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith("column 'Period': '2024-11-05' is a day")


def test_the_docs_page_names_every_field_and_column(source: Source) -> None:
    page = (REPO / "docs" / "sources" / f"{source.name}.md").read_text(encoding="utf-8")
    assert source.inputs.columns is not None
    missing = [f for kind in source.kinds for f in kind.model.model_fields if f"`{f}`" not in page]
    missing += [s[0] for s in source.inputs.columns.variants.values() if s[0] not in page]
    assert missing == []


def test_conforms_to_the_plugin_kit_through_a_real_store() -> None:
    assert_conforms(NAME)
