"""Ingested agency names resolve to a partner: an unknown one rejects its row, with close matches."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from lif_app.cli.ingest import rejections_of
from lif_core.decisions import create, decide, declaration
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.agencies import names_at
from lif_core.plugins import RecordKind, ValidTime
from lif_core.plugins.host import check_source, load_plugins
from lif_core.testing import load_installed
from projections import project

ACTOR = "cli:business.unit"
HEADER = "Agency,Return year,Standard,RAG,Evidence,Actions\n"


def _partners(store: Store) -> None:
    for given in (
        {
            "ref": "LCH",
            "name": "Leeds Community Healthcare NHS Trust",
            "sector": "health",
            "alias": ["Leeds Community Healthcare"],
        },
        {"ref": "WYP", "name": "West Yorkshire Police", "sector": "police", "alias": ["Police"]},
    ):
        create(store, declaration("partner", "add"), given, actor=ACTOR)


def _return(tmp_path: Path, *agencies: str) -> Path:
    """A Section 11 return: the first standard, once for each agency named."""
    path = tmp_path / "section-11-2024-25.csv"
    rows = "".join(
        f"{agency},2024-25,1. Senior commitment,Green,Board report each quarter.,\n"
        for agency in agencies
    )
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_with_no_partner_register_agency_names_are_taken_as_written(
    store: Store, tmp_path: Path
) -> None:
    result = ingest_file(store, load_installed("section-11"), _return(tmp_path, "Anyone At All"))
    assert (result.status, result.counts["recorded"], result.counts["rejected"]) == (
        "completed",
        1,
        0,
    )


def test_names_ingested_before_the_register_are_listed_in_agency_names(
    store: Store, tmp_path: Path
) -> None:
    ingest_file(
        store,
        load_installed("section-11"),
        _return(tmp_path, "Police", "Leeds Comunity Healthcare"),
    )
    _partners(store)  # after the file: its names were taken as written, and stay so
    project(store)
    with store.read() as tx:
        rows = tx.execute(
            "SELECT name, used_as, partner, resolved, close_matches, items FROM agency_names "
            "ORDER BY name"
        ).fetchall()
    assert [tuple(r) for r in rows] == [
        (
            "Leeds Comunity Healthcare",
            "section-11 agency",
            None,
            0,
            "Leeds Community Healthcare NHS Trust",
            "2024-25|Leeds Comunity Healthcare|1",
        ),
        ("Police", "section-11 agency", "WYP", 1, None, "2024-25|Police|1"),
    ]


@pytest.mark.parametrize("fork", ["never", "always"])
def test_an_unknown_agency_rejects_its_row_listing_the_close_matches(
    store: Store, tmp_path: Path, fork: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIF_INGEST_FORK", fork)  # read here, or in forked readers
    _partners(store)
    path = _return(
        tmp_path,
        "LCH",  # the short name
        "leeds community healthcare",  # an alias, spelt otherwise: case and spacing ignored
        "Leeds Comunity Healthcare NHS Trust",  # a misspelling: rejected
    )
    result = ingest_file(store, load_installed("section-11"), path)
    assert (result.status, result.counts["recorded"], result.counts["rejected"]) == (
        "completed",
        2,
        1,
    )
    [rejection] = rejections_of(store, result.run_id)["rejections"]
    assert rejection["locator"] == {"line": 4}
    [reason] = rejection["reasons"]
    assert reason.startswith("unknown agency in field 'agency':")
    assert "'Leeds Comunity Healthcare NHS Trust' is not a partner in the register" in reason
    assert "Did you mean 'Leeds Community Healthcare NHS Trust'?" in reason
    assert rejection["raw"]["Agency"] == "Leeds Comunity Healthcare NHS Trust"  # nothing lost


def test_the_same_file_against_the_same_register_is_skipped_and_after_an_alias_it_is_not(
    store: Store, tmp_path: Path
) -> None:
    _partners(store)
    loaded = load_installed("section-11")
    path = _return(tmp_path, "Police", "Leeds Comunity Healthcare NHS Trust")
    first = ingest_file(store, loaded, path)
    assert (first.counts["recorded"], first.counts["rejected"]) == (1, 1)
    assert ingest_file(store, loaded, path).status == "skipped"  # reruns are idempotent
    decide(
        store,
        declaration("partner", "alias"),
        "LCH",
        {"alias": "Leeds Comunity Healthcare NHS Trust"},
        actor=ACTOR,
    )
    again = ingest_file(store, loaded, path)
    # The rejected row is recorded now; the row recorded the first time writes nothing new.
    assert (again.status, again.counts["recorded"], again.counts["rejected"]) == (
        "completed",
        1,
        0,
    )
    assert ingest_file(store, loaded, path).status == "skipped"


def test_a_list_of_agencies_is_checked_name_by_name(store: Store, tmp_path: Path) -> None:
    _partners(store)
    loaded = load_installed("multi-agency-audits")
    sample = next(p for p in sorted(loaded.source.samples.glob("*.csv")))  # type: ignore[union-attr]
    header, first, *_ = sample.read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    cells = first.split(",")
    assert "Agencies involved" in columns or "Agencies" in columns
    at = columns.index("Agencies involved" if "Agencies involved" in columns else "Agencies")
    good, bad = list(cells), list(cells)
    good[at] = "LCH; Police"
    bad[at] = "LCH; West Yorkshire Polise"
    bad[columns.index("Area")] = "Another area" if "Area" in columns else bad[1]
    path = tmp_path / "audits.csv"
    path.write_text("\n".join([header, ",".join(good), ",".join(bad)]) + "\n", encoding="utf-8")
    result = ingest_file(store, loaded, path)
    assert (result.counts["recorded"], result.counts["rejected"]) == (1, 1)
    [rejection] = rejections_of(store, result.run_id)["rejections"]
    assert "'West Yorkshire Polise' is not a partner" in rejection["reasons"][0]
    assert "Did you mean 'West Yorkshire Police'?" in rejection["reasons"][0]
    assert "'LCH'" not in rejection["reasons"][0]  # the partner it knows is not blamed


def test_a_total_a_measure_declares_is_not_an_agency(store: Store) -> None:
    """The practitioner survey's 'All agencies' rows are the whole workforce, not an agency."""
    _partners(store)
    loaded = load_installed("practitioner-survey")
    assert loaded.source.samples is not None
    results = [
        ingest_file(store, loaded, path) for path in sorted(loaded.source.samples.glob("*.csv"))
    ]
    rejected = [
        reason
        for result in results
        for rejection in rejections_of(store, result.run_id)["rejections"]
        for reason in rejection["reasons"]
    ]
    # The sample names LTHT, LYJS, Schools and LCC too, which this register lacks; never 'All agencies'.
    assert rejected
    assert not [r for r in rejected if "'All agencies'" in r]


def test_names_are_read_from_strings_lists_semicolons_and_nested_records() -> None:
    record = {
        "owner": "LCH; Police",
        "agencies": ["WYP", "LTHT;LYPFT", ""],
        "participants": [{"agency": "Schools"}, {"agency": None}, {"agency": ["A", "B"]}],
    }
    assert list(names_at(record, "owner")) == ["LCH", "Police"]
    assert list(names_at(record, "agencies")) == ["WYP", "LTHT", "LYPFT"]
    assert list(names_at(record, "participants.agency")) == ["Schools", "A", "B"]
    assert list(names_at(record, "missing")) == []


class _Return(BaseModel):
    agency: str = Field(description="The agency.")


def test_a_declared_agency_field_the_model_lacks_is_a_declaration_problem() -> None:
    source = load_installed("section-11").source
    kind = RecordKind(
        name="standard-rating",
        model=_Return,
        key=lambda r: r.agency,
        valid_time=lambda r: ValidTime(None),  # never called
        agency_fields=("agnecy", "agency.name"),
    )
    problems = check_source(dataclasses.replace(source, kinds=(kind,)))
    assert any(
        "agency_fields names 'agnecy'" in p and "has no field 'agnecy'" in p for p in problems
    )
    assert any("agency_fields names 'agency.name'" in p for p in problems)
    assert not check_source(source)


def _naming_agencies() -> list[str]:
    """The built-in sources with a kind that declares agency fields."""
    return sorted(s.name for s in load_plugins() if any(k.agency_fields for k in s.source.kinds))


def test_the_partnership_kept_sources_declare_their_agency_fields() -> None:
    assert {
        "action-plans",
        "multi-agency-audits",
        "single-agency-audits",
        "section-11",
        "section-175",
        "appreciative-inquiry",
        "deep-dive",
        "practice-reviews",
        "learning-log",
        "cdop",
    } <= set(_naming_agencies())


@pytest.mark.parametrize("name", _naming_agencies())
def test_every_agency_name_in_a_builtin_sample_resolves_in_the_demo_register(
    name: str, tmp_path: Path
) -> None:
    """The demo records its register before it ingests: no sample row may be lost to it."""
    from lif_app.demo_partnership import record_partners

    with Store(f"sqlite:///{tmp_path / 'lif.db'}") as store:
        record_partners(store, ACTOR)
        loaded = load_installed(name)
        assert loaded.source.samples is not None
        for path in sorted(p for p in loaded.source.samples.iterdir() if p.is_file()):
            if path.suffix.lower() not in (".csv", ".xlsx"):
                continue
            result = ingest_file(store, loaded, path)
            assert result.counts["rejected"] == 0, rejections_of(store, result.run_id)
