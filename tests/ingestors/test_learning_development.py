"""Learning and development: training delivered, its evaluations and the practice themes it raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines, sample_inputs
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
NAME = "learning-development"
HEADER = "Period,Course,Delivered by,Theme,Sessions,Places,Attendance,Evaluations returned,Evaluation score,Practice themes"


@pytest.fixture(scope="module")
def source() -> Source:
    plugins = load_plugins(allow={NAME}, third_party=False)
    assert not plugins.failures
    return plugins.get(NAME).source


def _parse(source: Source, folder: Path, *rows: str) -> list[ParsedRecord | Rejection]:
    path = folder / "training.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return list(parse_file(source, path))


def test_registered_with_provider_cadence_and_documented_fields(source: Source) -> None:
    assert source.provider.strip() and source.cadence == "P3M"
    model = source.kind("training-delivered").model
    assert [
        f for f, info in model.model_fields.items() if not (info.description or "").strip()
    ] == []


def test_the_sample_is_a_workbook_with_a_title_row_above_the_header(source: Source) -> None:
    [sample] = sample_inputs(source)
    assert sample.suffix == ".xlsx"
    first = next(r for r in parse_file(source, sample) if isinstance(r, ParsedRecord))
    assert dict(first.locator) == {"sheet": "Training delivered", "row": 4}


@pytest.mark.parametrize("score", ["0", "5.1", "8"])
def test_a_score_off_the_1_to_5_scale_is_rejected_naming_value_and_column(
    source: Source, tmp_path: Path, score: str
) -> None:
    [item] = _parse(source, tmp_path, f"2025-Q1,Neglect toolkit,,Neglect,2,60,40,30,{score},")
    assert isinstance(item, Rejection)
    assert item.reasons == (
        f"column 'Evaluation score': {score} is outside the 1 to 5 evaluation scale",
    )


@pytest.mark.parametrize("score", ["1", "3.75", "5"])
def test_scores_on_the_scale_are_kept(source: Source, tmp_path: Path, score: str) -> None:
    [item] = _parse(source, tmp_path, f"2025-Q1,Neglect toolkit,,Neglect,2,60,40,30,{score},")
    assert isinstance(item, ParsedRecord)
    assert item.attributes["evaluation_score"] == float(score)


def test_recurring_practice_themes_are_a_list(source: Source, tmp_path: Path) -> None:
    [item] = _parse(
        source,
        tmp_path,
        "2025-02,Neglect toolkit,,Neglect,1,30,28,,,Cumulative harm;  Drift ; ;Cumulative harm",
    )
    assert isinstance(item, ParsedRecord)
    assert item.attributes["practice_themes"] == ["Cumulative harm", "Drift"]
    assert item.record_key == "2025-02|Neglect toolkit"


def test_recurring_themes_can_be_counted_across_the_sample(source: Source) -> None:
    themes = [t for r in golden_lines(source) for t in r["attributes"]["practice_themes"]]
    assert themes.count("Voice of the child") == 2 and themes.count("Cumulative harm") == 2


def test_the_docs_page_names_every_field_and_column(source: Source) -> None:
    page = (REPO / "docs" / "sources" / f"{source.name}.md").read_text(encoding="utf-8")
    assert source.inputs.columns is not None
    missing = [f for kind in source.kinds for f in kind.model.model_fields if f"`{f}`" not in page]
    missing += [s[0] for s in source.inputs.columns.variants.values() if s[0] not in page]
    assert missing == []


def test_conforms_to_the_plugin_kit_through_a_real_store() -> None:
    assert_conforms(NAME)
