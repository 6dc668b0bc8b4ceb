"""Multi-agency and single-agency audits: samples, rejections, grades, keys and scopes."""

from __future__ import annotations

from pathlib import Path

import pytest

from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
NAMES = ["multi-agency-audits", "single-agency-audits"]
HEADER = "Agency,Audit reference,Theme,Audit date,Cases audited,Area,Grade,Actions"


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    plugins = load_plugins(allow=set(NAMES), third_party=False)
    assert not plugins.failures
    return {name: plugins.get(name).source for name in NAMES}


def _parse(source: Source, folder: Path, *rows: str) -> list[ParsedRecord | Rejection]:
    path = folder / "audit.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return list(parse_file(source, path))


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_provider_cadence_and_documented_fields(
    sources: dict[str, Source], name: str
) -> None:
    source = sources[name]
    assert source.provider.strip() and source.cadence == "P3M"
    model = source.kind("audit-area").model
    assert [
        f for f, info in model.model_fields.items() if not (info.description or "").strip()
    ] == []


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "grade", ["Excellent", "Adequate", "Requires improvement to be outstanding"]
)
def test_an_unknown_grade_is_rejected_naming_the_value_and_the_column(
    sources: dict[str, Source], name: str, grade: str, tmp_path: Path
) -> None:
    [item] = _parse(
        sources[name],
        tmp_path,
        f"West Yorkshire Police,AUD-1,Neglect,2025-01-15,6,Overall,{grade},",
    )
    assert isinstance(item, Rejection) and dict(item.locator) == {"line": 2}
    assert item.reasons == (
        f"column 'Grade': '{grade}' is not on the audit grade scale (expected one of: "
        "Outstanding, Good, Requires improvement, Inadequate)",
    )


@pytest.mark.parametrize("name", NAMES)
def test_grades_are_read_in_any_case_and_from_their_short_forms(
    sources: dict[str, Source], name: str, tmp_path: Path
) -> None:
    items = _parse(
        sources[name],
        tmp_path,
        "West Yorkshire Police,AUD-1,Neglect,2025-01-15,6,Voice of the child,GOOD,",
        "West Yorkshire Police,AUD-1,Neglect,2025-01-15,6,Overall,RI,Re-audit in six months",
    )
    assert [item.attributes["grade"] for item in items if isinstance(item, ParsedRecord)] == [
        "good",
        "requires-improvement",
    ]


def test_an_area_graded_below_good_needs_its_actions(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    [item] = _parse(
        sources["multi-agency-audits"],
        tmp_path,
        ",AUD-1,Neglect,2025-01-15,6,Overall,Requires improvement,",
    )
    assert isinstance(item, Rejection)
    assert item.reasons == (
        "column 'Actions': an area graded Requires improvement needs the actions agreed for it",
    )


def test_single_agency_audits_are_keyed_and_scoped_by_agency(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    items = _parse(
        sources["single-agency-audits"],
        tmp_path,
        "Leeds Teaching Hospitals NHS Trust,AUD-1,Neglect,2025-01-15,6,Overall,Good,",
        "Leeds Community Healthcare NHS Trust,AUD-1,Neglect,2025-02-11,9,Overall,Good,",
    )
    parsed = [item for item in items if isinstance(item, ParsedRecord)]
    assert [item.record_key for item in parsed] == [
        "Leeds Teaching Hospitals NHS Trust|AUD-1|Overall",
        "Leeds Community Healthcare NHS Trust|AUD-1|Overall",
    ]
    assert [item.scope for item in parsed] == [
        "Leeds Teaching Hospitals NHS Trust|AUD-1",
        "Leeds Community Healthcare NHS Trust|AUD-1",
    ]


def test_a_multi_agency_audit_is_a_snapshot_of_its_graded_areas(sources: dict[str, Source]) -> None:
    records = golden_lines(sources["multi-agency-audits"])
    kind = sources["multi-agency-audits"].kind("audit-area")
    assert kind.mode == "snapshot"
    areas = [
        r["attributes"]["area"]
        for r in records
        if r["attributes"]["audit_reference"] == "MACA-2024-01"
    ]
    assert areas == [
        "Voice of the child",
        "Quality of assessment",
        "Multi-agency working",
        "Management oversight",
        "Overall",
    ]
    first = records[0]
    assert (first["valid_from"], first["valid_to"]) == ("2024-06-19", None)
    assert first["attributes"]["agencies"][0] == "Leeds City Council Children and Families"


def test_the_re_audit_shows_the_difference_the_actions_made(sources: dict[str, Source]) -> None:
    grades = {
        r["record_key"]: r["attributes"]["grade"]
        for r in golden_lines(sources["multi-agency-audits"])
    }
    assert grades["MACA-2024-01|Quality of assessment"] == "requires-improvement"
    assert grades["MACA-2025-01|Quality of assessment"] == "good"


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
