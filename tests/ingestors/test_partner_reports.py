"""The eight partner annual reports: samples, rejections, metric codes, dimensions, suppression, docs."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import openpyxl
import pytest

from ingestors.partner_reports import reports
from ingestors.partner_reports._docs import render_page
from lif_core.ingestion.parse import ParsedRecord, Rejection, parse_file
from lif_core.ingestion.samples import golden_lines
from lif_core.plugins import Source
from lif_core.plugins.host import load_plugins
from lif_core.testing import assert_conforms

REPO = Path(__file__).resolve().parents[2]
REPORTS = {report.name: report for report in reports()}
NAMES = list(REPORTS)
HEADER = ["Reporting year", "Metric code", "Value", "Numerator", "Denominator"]


@pytest.fixture(scope="module")
def sources() -> dict[str, Source]:
    plugins = load_plugins(allow=set(NAMES), third_party=False)
    assert not plugins.failures
    return {name: plugins.get(name).source for name in NAMES}


def _samples(source: Source) -> Path:
    assert source.samples is not None, f"{source.name} ships no samples"
    return source.samples


def _write_csv(folder: Path, header: list[str], *rows: list[str]) -> Path:
    path = folder / "report.csv"
    path.write_text(
        "\n".join(",".join(cells) for cells in (header, *rows)) + "\n", encoding="utf-8"
    )
    return path


def _parse(source: Source, path: Path) -> list[ParsedRecord | Rejection]:
    return list(parse_file(source, path))


def test_all_eight_reports_are_registered_by_their_entry_points(sources: dict[str, Source]) -> None:
    assert set(sources) == {
        "lado", "iro", "cp-conference", "csws", "mappa", "secure-settings", "private-fostering", "malap",
    }  # fmt: skip
    for source in sources.values():
        assert source.provider.strip() and source.title.strip() and source.description.strip()
        assert re.fullmatch(r"P\d+[YMWD]", source.cadence)
        assert [kind.name for kind in source.kinds] == ["metric"]


@pytest.mark.parametrize("name", NAMES)
def test_every_field_of_the_record_has_a_description(sources: dict[str, Source], name: str) -> None:
    model = sources[name].kind("metric").model
    undocumented = [
        field for field, info in model.model_fields.items() if not (info.description or "").strip()
    ]
    assert undocumented == []


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_metric_code_is_rejected_naming_the_value_and_the_column(
    sources: dict[str, Source], name: str, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path, HEADER, ["2024-25", "XYZ-999", "12", "", ""])
    [item] = _parse(sources[name], path)
    assert isinstance(item, Rejection)
    assert dict(item.locator) == {"line": 2}
    assert item.reasons[0].startswith(
        f"column 'Metric code': 'XYZ-999' is not a known {name} metric code"
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_report_refuses_the_metric_codes_of_the_others(
    sources: dict[str, Source], name: str, tmp_path: Path
) -> None:
    own = {metric.code for metric in REPORTS[name].metrics}
    foreign = [
        m.code
        for other in REPORTS.values()
        if other.name != name
        for m in other.metrics
        if m.code not in own
    ]
    path = _write_csv(tmp_path, HEADER, *(["2024-25", code, "12", "", ""] for code in foreign))
    items = _parse(sources[name], path)
    assert len(items) == len(foreign)
    assert all(
        isinstance(item, Rejection) and "column 'Metric code'" in item.reasons[0] for item in items
    )


@pytest.mark.parametrize("name", NAMES)
def test_metric_codes_are_read_in_any_case(
    sources: dict[str, Source], name: str, tmp_path: Path
) -> None:
    metric = next(m for m in REPORTS[name].metrics if m.unit.name == "count")
    path = _write_csv(tmp_path, HEADER, ["2024/2025", metric.code.lower(), "7", "", ""])
    [item] = _parse(sources[name], path)
    assert isinstance(item, ParsedRecord)
    assert item.attributes["metric_code"] == metric.code
    assert item.record_key == f"2024-25|{metric.code}"


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_dimension_value_is_rejected_naming_the_value_and_the_column(
    sources: dict[str, Source], name: str, tmp_path: Path
) -> None:
    report = REPORTS[name]
    dimension = report.dimensions[0]
    metric = next(m for m in report.metrics if dimension.field in m.dimensions)
    path = _write_csv(
        tmp_path, [*HEADER, dimension.header], ["2024-25", metric.code, "12", "", "", "Elsewhere"]
    )
    [item] = _parse(sources[name], path)
    assert isinstance(item, Rejection)
    assert item.reasons[0].startswith(f"column '{dimension.header}': 'Elsewhere' is not a known")


@pytest.mark.parametrize("name", NAMES)
def test_suppressed_figures_in_the_sample_are_kept_suppressed_never_zero(
    sources: dict[str, Source], name: str
) -> None:
    records = golden_lines(sources[name])
    suppressed = [r["attributes"] for r in records if r["attributes"]["value_suppressed"]]
    assert suppressed, "every sample shows at least one withheld small number"
    for attributes in (r["attributes"] for r in records):
        for figure in ("value", "numerator", "denominator"):
            if attributes[f"{figure}_suppressed"]:
                assert attributes[figure] is None


@pytest.mark.parametrize("marker", ["*", "c", "[c]", "<5", "< 10"])
def test_every_suppression_marker_becomes_the_flag_and_never_zero(
    sources: dict[str, Source], marker: str, tmp_path: Path
) -> None:
    path = _write_csv(
        tmp_path,
        HEADER,
        ["2024-25", "LADO-DBS", marker, "", ""],
        ["2024-25", "LADO-RES-1M", marker, marker, "389"],
    )
    count, ratio = _parse(sources["lado"], path)
    assert isinstance(count, ParsedRecord) and isinstance(ratio, ParsedRecord)
    assert (count.attributes["value"], count.attributes["value_suppressed"]) == (None, True)
    assert ratio.attributes["value"] is None and ratio.attributes["value_suppressed"]
    assert ratio.attributes["numerator"] is None and ratio.attributes["numerator_suppressed"]
    assert (ratio.attributes["denominator"], ratio.attributes["denominator_suppressed"]) == (
        389,
        False,
    )


def test_a_published_zero_stays_zero_and_is_not_suppressed(sources: dict[str, Source]) -> None:
    [sfo_level_3] = [
        r
        for r in golden_lines(sources["mappa"])
        if r["record_key"] == "2024-25|MAPPA-SFO|level=Level 3"
    ]
    assert (sfo_level_3["attributes"]["value"], sfo_level_3["attributes"]["value_suppressed"]) == (
        0,
        False,
    )


def test_a_dimension_written_as_all_is_the_total_row(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    header = [*HEADER, "Outcome"]
    path = _write_csv(tmp_path, header, ["2024-25", "LADO-OUTCOME", "389", "", "", "All"])
    [item] = _parse(sources["lado"], path)
    assert isinstance(item, ParsedRecord)
    assert item.record_key == "2024-25|LADO-OUTCOME" and item.attributes["outcome"] is None


def test_dimension_aliases_are_stored_in_their_canonical_spelling(
    sources: dict[str, Source], tmp_path: Path
) -> None:
    header = [*HEADER, "Category", "Level"]
    path = _write_csv(tmp_path, header, ["2024-25", "MAPPA-OFF", "21", "", "", "1", "level 2"])
    [item] = _parse(sources["mappa"], path)
    assert isinstance(item, ParsedRecord)
    assert item.record_key == "2024-25|MAPPA-OFF|category=Category 1|level=Level 2"


def test_the_conference_timeliness_measure_keeps_numerator_and_denominator(
    sources: dict[str, Source],
) -> None:
    [icpc] = [
        r for r in golden_lines(sources["cp-conference"]) if r["record_key"] == "2024-25|ICPC-15WD"
    ]
    assert (icpc["attributes"]["numerator"], icpc["attributes"]["denominator"]) == (578, 702)
    assert icpc["attributes"]["value"] == 82.3 and icpc["attributes"]["unit"] == "percent"
    assert (icpc["valid_from"], icpc["valid_to"]) == ("2024-04-01", "2025-03-31")


def test_a_workbook_reads_exactly_like_the_csv(sources: dict[str, Source], tmp_path: Path) -> None:
    source = sources["lado"]
    csv_path = _samples(source) / "lado-annual-report.csv"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["LADO annual report 2024-25: figures for the Safeguarding Children Partnership"])
    with csv_path.open(encoding="utf-8", newline="") as handle:
        for cells in csv.reader(handle):
            sheet.append([_as_excel(cell) for cell in cells])
    xlsx_path = tmp_path / "lado-annual-report.xlsx"
    book.save(xlsx_path)
    from_csv = [
        r.attributes if isinstance(r, ParsedRecord) else r for r in _parse(source, csv_path)
    ]
    from_xlsx = [
        r.attributes if isinstance(r, ParsedRecord) else r for r in _parse(source, xlsx_path)
    ]
    assert from_xlsx == from_csv


def _as_excel(cell: str) -> object:
    """A cell as Excel would hold it: numbers as numbers, blanks as nothing."""
    if cell == "":
        return None
    if re.fullmatch(r"\d+", cell):
        return int(cell)
    if re.fullmatch(r"\d+\.\d+", cell):
        return float(cell)
    return cell


def test_a_snapshot_covers_the_reporting_years_in_the_file(sources: dict[str, Source]) -> None:
    kind = sources["iro"].kind("metric")
    assert kind.mode == "snapshot"
    parsed = _parse(sources["iro"], _samples(sources["iro"]) / "iro-annual-report.csv")
    years = {r.scope for r in parsed if isinstance(r, ParsedRecord)}
    assert years == {"2023-24", "2024-25"}


@pytest.mark.parametrize("name", NAMES)
def test_the_docs_page_is_the_one_generated_from_the_catalogue(name: str) -> None:
    page = REPO / "docs" / "sources" / f"{name}.md"
    assert page.read_text(encoding="utf-8") == render_page(REPORTS[name]), (
        "regenerate with `python -m ingestors.partner_reports`"
    )


@pytest.mark.parametrize("name", NAMES)
def test_conforms_to_the_plugin_kit_through_a_real_store(name: str) -> None:
    assert_conforms(name)
