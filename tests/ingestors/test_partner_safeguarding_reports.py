"""Partner annual safeguarding reports: headline metrics and key messages from one layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
NAME = "partner-safeguarding-reports"
HEADER = "Agency,Reporting year,Type,Headline,Value,Unit,Key message"


@pytest.fixture(scope="module")
def source() -> Source:
    plugins = load_plugins(allow={NAME}, third_party=False)
    assert not plugins.failures
    return plugins.get(NAME).source


def _parse(source: Source, folder: Path, *rows: str) -> list[ParsedRecord | Rejection]:
    path = folder / "report.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return list(parse_file(source, path))


def test_registered_with_provider_cadence_and_documented_fields(source: Source) -> None:
    assert source.provider.strip() and source.cadence == "P1Y"
    assert [kind.name for kind in source.kinds] == ["headline-metric", "key-message"]
    for kind in source.kinds:
        assert [
            f for f, info in kind.model.model_fields.items() if not (info.description or "").strip()
        ] == []


def test_one_layout_holds_both_kinds_of_record(source: Source) -> None:
    records = golden_lines(source)
    kinds = {r["kind"] for r in records}
    assert kinds == {"headline-metric", "key-message"}
    types = {r["attributes"]["message_type"] for r in records if r["kind"] == "key-message"}
    assert types == {"Achievement", "Challenge", "Priority", "Learning"}


def test_a_withheld_headline_figure_is_suppressed_never_zero(
    source: Source, tmp_path: Path
) -> None:
    [item] = _parse(
        source,
        tmp_path,
        "West Yorkshire ICB,2024-25,Metric,Children's safeguarding referrals,*,count,",
    )
    assert isinstance(item, ParsedRecord)
    assert (item.attributes["value"], item.attributes["value_suppressed"]) == (None, True)
    [sample] = [
        r
        for r in golden_lines(source)
        if r["kind"] == "headline-metric" and r["attributes"]["value_suppressed"]
    ]
    assert sample["attributes"]["value"] is None


def test_an_unknown_row_type_is_rejected_naming_the_value_and_the_column(
    source: Source, tmp_path: Path
) -> None:
    [item] = _parse(
        source, tmp_path, "West Yorkshire ICB,2024-25,Risk,Capacity,,,Not enough designated nurses."
    )
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith("column 'Type': 'Risk' is not a known row type")


def test_metrics_and_messages_are_keyed_by_agency_year_and_headline(
    source: Source, tmp_path: Path
) -> None:
    items = _parse(
        source,
        tmp_path,
        "West Yorkshire ICB,2024/25,Metric,GP practices with a safeguarding lead,98.5,%,",
        "West Yorkshire ICB,2024-25,priority,GP practices with a safeguarding lead,,,Reach every practice.",
    )
    parsed = [item for item in items if isinstance(item, ParsedRecord)]
    assert [(r.kind, r.record_key, r.scope) for r in parsed] == [
        (
            "headline-metric",
            "2024-25|West Yorkshire ICB|GP practices with a safeguarding lead",
            "2024-25|West Yorkshire ICB",
        ),
        (
            "key-message",
            "2024-25|West Yorkshire ICB|Priority|GP practices with a safeguarding lead",
            "2024-25|West Yorkshire ICB",
        ),
    ]
    assert parsed[0].attributes["unit"] == "percent" and parsed[0].attributes["value"] == 98.5


def test_the_docs_page_names_every_field_and_column(source: Source) -> None:
    page = (REPO / "docs" / "sources" / f"{source.name}.md").read_text(encoding="utf-8")
    assert source.inputs.columns is not None
    missing = [f for kind in source.kinds for f in kind.model.model_fields if f"`{f}`" not in page]
    missing += [s[0] for s in source.inputs.columns.variants.values() if s[0] not in page]
    assert missing == []


def test_conforms_to_the_plugin_kit_through_a_real_store() -> None:
    assert_conforms(NAME)
