"""Section 11 and Section 175 self-assessments: samples, rejections, RAG ratings, standards, years."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
NAMES = ["section-11", "section-175"]
HEADERS = {
    "section-11": (
        "Agency,Return year,Standard,RAG,Evidence,Actions",
        "West Yorkshire Police,2024-25",
    ),
    "section-175": (
        "School,URN,Academic year,Standard,RAG,Evidence,Actions",
        "Beckside Primary School,999101,2024/25",
    ),
}


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    plugins = load_plugins(allow=set(NAMES), third_party=False)
    assert not plugins.failures
    return {name: plugins.get(name).source for name in NAMES}


def _samples(source: Source) -> Path:
    assert source.samples is not None, f"{source.name} ships no samples"
    return source.samples


def _parse(source: Source, folder: Path, *ratings: str) -> list[ParsedRecord | Rejection]:
    header, who = HEADERS[source.name]
    path = folder / "return.csv"
    path.write_text(
        "\n".join((header, *(f"{who},{rating}" for rating in ratings))) + "\n", encoding="utf-8"
    )
    return list(parse_file(source, path))


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_provider_cadence_and_documented_fields(
    sources: dict[str, Source], name: str
) -> None:
    source = sources[name]
    assert source.provider.strip() and source.cadence in {"P1Y", "P2Y"}
    model = source.kind("standard-rating").model
    assert [
        f for f, info in model.model_fields.items() if not (info.description or "").strip()
    ] == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("word", ["Blue", "Purple", "Amber/Green", "Yes"])
def test_an_unknown_rag_word_is_rejected_naming_the_value_and_the_column(
    sources: dict[str, Source], name: str, word: str, tmp_path: Path
) -> None:
    [item] = _parse(sources[name], tmp_path, f"Training,{word},Evidence given.,Action agreed.")
    assert isinstance(item, Rejection) and dict(item.locator) == {"line": 2}
    assert item.reasons == (
        f"column 'RAG': '{word}' is not a known RAG rating; expected one of: Red, Amber, Green, Grey",
    )


@pytest.mark.parametrize("name", NAMES)
def test_rag_words_are_read_from_letters_and_not_applicable_is_grey(
    sources: dict[str, Source], name: str, tmp_path: Path
) -> None:
    items = _parse(
        sources[name],
        tmp_path,
        "Training,G,,",
        "Training,a,,Complete the training plan.",
        "Training,N/A,,",
        "Training,not applicable,,",
        "Training,GREY,,",
    )
    assert [item.attributes["rag"] for item in items if isinstance(item, ParsedRecord)] == [
        "Green", "Amber", "Grey", "Grey", "Grey",
    ]  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("rag", ["Red", "Amber"])
def test_a_standard_not_met_needs_its_actions(
    sources: dict[str, Source], name: str, rag: str, tmp_path: Path
) -> None:
    [item] = _parse(sources[name], tmp_path, f"Training,{rag},Compliance is low.,")
    assert isinstance(item, Rejection)
    assert item.reasons == (
        f"column 'Actions': a standard rated {rag} needs the actions that will meet it",
    )


def test_a_section_11_standard_is_read_from_its_number_or_its_name(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    spellings = ["6", "Standard 6", "6. Safer recruitment", "safer recruitment", "Safe recruitment"]
    items = _parse(sources["section-11"], tmp_path, *(f"{s},Green,," for s in spellings))
    parsed = [item for item in items if isinstance(item, ParsedRecord)]
    assert len(parsed) == len(spellings)
    assert {(r.attributes["standard_number"], r.attributes["standard"]) for r in parsed} == {
        (6, "Safer recruitment")
    }
    assert {r.record_key for r in parsed} == {"2024-25|West Yorkshire Police|6"}


def test_section_11_has_the_eight_standards(sources: dict[str, Source]) -> None:
    names = {r["attributes"]["standard"] for r in golden_lines(sources["section-11"])}
    assert names == {
        "Senior commitment", "Clear responsibilities", "Accountability", "Children's views",
        "Training", "Safer recruitment", "Inter-agency working", "Information sharing",
    }  # fmt: skip


def test_a_section_11_return_is_a_snapshot_of_one_agency_for_one_year(
    sources: dict[str, Source],
) -> None:
    source = sources["section-11"]
    parsed = [
        r
        for r in parse_file(source, _samples(source) / "section-11-2024-25.csv")
        if isinstance(r, ParsedRecord)
    ]
    assert source.kind("standard-rating").mode == "snapshot"
    assert {r.scope for r in parsed} == {
        "2024-25|Leeds Teaching Hospitals NHS Trust",
        "2024-25|West Yorkshire Police",
        "2024-25|National Probation Service",
        "2024-25|West Yorkshire ICB",
    }


@pytest.mark.parametrize("written", ["2024/25", "2024-25", "2024/2025"])
def test_a_section_175_return_covers_the_academic_year(
    sources: dict[str, Source], written: str, tmp_path: Path
) -> None:
    path = tmp_path / "return.csv"
    path.write_text(
        "School,URN,Academic year,Standard,RAG\n"
        f"Beckside Primary School,999101,{written},Online safety,Green\n",
        encoding="utf-8",
    )
    [item] = parse_file(sources["section-175"], path)
    assert isinstance(item, ParsedRecord)
    assert item.attributes["academic_year"] == "2024/25"
    assert item.valid_time.valid_from.isoformat() == "2024-09-01"
    assert str(item.valid_time.valid_to) == "2025-08-31"
    assert item.record_key == "2024/25|999101|8"


@pytest.mark.parametrize("name", NAMES)
def test_the_docs_page_names_every_field_and_column(sources: dict[str, Source], name: str) -> None:
    source = sources[name]
    page = (REPO / "docs" / "sources" / f"{name}.md").read_text(encoding="utf-8")
    assert source.inputs.columns is not None
    missing = [f for kind in source.kinds for f in kind.model.model_fields if f"`{f}`" not in page]
    missing += [s[0] for s in source.inputs.columns.variants.values() if s[0] not in page]
    assert missing == []


@pytest.mark.parametrize("name", NAMES)
def test_conforms_to_the_plugin_kit_through_a_real_store(name: str) -> None:
    assert_conforms(name)
