"""Children and Families Trust Board annual report: progress ratings against the Board's challenges."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
NAME = "trust-board"
HEADER = "Year,Challenge,Lead,Progress,Commentary"


@pytest.fixture(scope="module")
def source() -> Source:
    plugins = load_plugins(allow={NAME}, third_party=False)
    assert not plugins.failures
    return plugins.get(NAME).source


def _parse(source: Source, folder: Path, *rows: str) -> list[ParsedRecord | Rejection]:
    path = folder / "board.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return list(parse_file(source, path))


def test_registered_with_provider_cadence_and_documented_fields(source: Source) -> None:
    assert source.provider == "Leeds Children and Families Trust Board" and source.cadence == "P1Y"
    model = source.kind("challenge-progress").model
    assert [
        f for f, info in model.model_fields.items() if not (info.description or "").strip()
    ] == []


@pytest.mark.parametrize("word", ["Off track", "Green", "Delayed"])
def test_an_unknown_progress_rating_is_rejected_naming_the_value_and_the_column(
    source: Source, tmp_path: Path, word: str
) -> None:
    [item] = _parse(source, tmp_path, f"2024-25,Improve school attendance,,{word},")
    assert isinstance(item, Rejection) and dict(item.locator) == {"line": 2}
    assert item.reasons == (
        f"column 'Progress': '{word}' is not a known progress rating; "
        "expected one of: Achieved, On track, Some progress, Not started",
    )


def test_progress_is_stored_in_the_boards_own_words(source: Source, tmp_path: Path) -> None:
    items = _parse(
        source,
        tmp_path,
        "2024-25,Improve school attendance,,ON TRACK,",
        "2024-25,Reduce exploitation,,completed,",
    )
    assert [item.attributes["progress"] for item in items if isinstance(item, ParsedRecord)] == [
        "On track",
        "Achieved",
    ]


def test_each_challenge_has_a_history_across_years(source: Source) -> None:
    history = [
        (r["attributes"]["year"], r["attributes"]["progress"])
        for r in golden_lines(source)
        if r["attributes"]["challenge"]
        == "Every child coming into care has a timely health assessment"
    ]
    assert history == [("2023-24", "On track"), ("2024-25", "Achieved")]
    assert source.kind("challenge-progress").mode == "snapshot"


def test_the_docs_page_names_every_field_and_column(source: Source) -> None:
    page = (REPO / "docs" / "sources" / f"{source.name}.md").read_text(encoding="utf-8")
    assert source.inputs.columns is not None
    missing = [f for kind in source.kinds for f in kind.model.model_fields if f"`{f}`" not in page]
    missing += [s[0] for s in source.inputs.columns.variants.values() if s[0] not in page]
    assert missing == []


def test_conforms_to_the_plugin_kit_through_a_real_store() -> None:
    assert_conforms(NAME)
