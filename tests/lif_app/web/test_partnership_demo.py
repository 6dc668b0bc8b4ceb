"""Issue 15 on the demo: partners counted once, reviews judged in working days, cascade, narratives,
good practice beside areas for improvement — in the read tables, the web view and the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from lif_app.web.app import create_app
from lif_core.domain import SourceRecord
from lif_core.eventlog.store import Store


@pytest.fixture(scope="module")
def store(demo_store) -> Iterator[Store]:
    with Store(demo_store.url) as s:
        yield s


def _rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    with store.read() as tx:
        return tx.execute(sql).fetchall()


def test_actions_by_agency_count_each_partner_once_whatever_the_spelling(store: Store) -> None:
    spelled = dict(_rows(store, "SELECT reference, owner_agency FROM action_status"))
    resolved = dict(_rows(store, "SELECT reference, owner_partner FROM action_status"))
    assert None not in resolved.values()  # every demo agency resolves to a partner
    # The trackers write "LCH" and "Leeds City Council Children and Families"; the register
    # knows them as LCH and LCC (an alias).
    assert spelled["ACT-2025-032"] == "LCH" and resolved["ACT-2025-032"] == "LCH"
    assert resolved["ACT-2025-031"] == "LCC"
    totals = dict(_rows(store, "SELECT reference, actions_total FROM partner_register"))
    # A shared action ("A; B; C") counts once for each partner that shares it.
    for partner, total in totals.items():
        assert total == sum(partner in owners.split("; ") for owners in resolved.values())
    assert resolved["ACT-2025-101"] == "LCC"
    assert not _rows(store, "SELECT name FROM agency_names WHERE resolved = 0")


def test_the_demo_summary_counts_a_shared_action_once_for_each_partner(
    demo_store, store: Store
) -> None:
    lines = demo_store.demo_output.split("Action status by RAG and agency", 1)[1].splitlines()
    printed: dict[str, int] = {}
    for line in lines[4:]:
        if not line.startswith("│"):
            break
        cells = [c.strip() for c in line.strip("│").split("│")]
        printed[cells[0]] = sum(int(c) for c in cells[1:])
    assert printed and not [agency for agency in printed if ";" in agency]
    rows = _rows(
        store,
        "SELECT owner_partner_name FROM action_status WHERE rag IN ('red', 'amber', 'green', 'blue')",
    )
    for partner, total in printed.items():
        assert total == sum(partner in (names or "").split("; ") for (names,) in rows), partner


def test_every_demo_review_is_in_the_review_register_with_its_timeliness(store: Store) -> None:
    rows = {
        r[0]: r[1:]
        for r in _rows(store, "SELECT reference, review_type, timeliness FROM review_register")
    }
    assert {"RR-2024-03", "RR-2025-02", "CSPR-2024-02", "CSPR-2025-01", "LLR-2024-01"} <= set(rows)
    # Reviews from the appreciative-inquiry and deep-dive plugins, by their declarations.
    types = {kind for kind, _ in rows.values()}
    assert {"appreciative-inquiry", "deep-dive", "cspr", "llr", "rapid-review"} <= types
    # RR-2025-02: notified 7 working days after 23 Dec 2024 (Christmas, Boxing Day and New
    # Year's Day between), against 5: late (tests/projections/test_review_register.py counts it).
    assert rows["RR-2025-02"] == ("rapid-review", "late")
    assert rows["RR-2024-03"] == ("rapid-review", "on-time")


def test_the_register_shows_which_partners_confirmed_cascade(store: Store) -> None:
    rows = dict(_rows(store, "SELECT reference, cascade_confirmed FROM learning_register"))
    assert rows["LRN-2025-014"] == "LCH; LTHT"
    assert (
        rows["LRN-2024-031"] == "WYP; LCC"
    )  # confirmed as "Leeds City Council Children and Families"
    assert any(not v for v in rows.values())  # and some items no partner has confirmed yet


def test_the_report_cards_and_the_measure_page_show_a_narrative(demo_store, store: Store) -> None:
    cards = (demo_store.report / "report-cards.html").read_text(encoding="utf-8")
    assert "Timeliness fell from 87.3% to 86.5%" in cards
    assert "Partners with a role to play: LCC; WYP; LCH." in cards
    with TestClient(create_app(demo_store.url)) as client:
        page = client.get("/measures/MEA-ICPC-15WD")
    assert page.status_code == 200
    assert "Timeliness fell from 87.3% to 86.5%" in page.text
    assert 'href="/actions/ACT-2025-101"' in page.text


def test_good_practice_appears_beside_areas_for_improvement(demo_store, store: Store) -> None:
    data = json.loads((demo_store.report / "data.json").read_text(encoding="utf-8"))
    strengths = [i["reference"] for i in data["strengths"]["strengths"]]
    improving = [i["reference"] for i in data["strengths"]["areas_for_improvement"]]
    assert strengths == ["LRN-2024-031"]
    assert "LRN-2025-014" in improving and "LLR-2024-01/LP02" not in improving  # declined
    learning = (demo_store.report / "learning.html").read_text(encoding="utf-8")
    assert "Strengths: good practice to spread" in learning
    with TestClient(create_app(demo_store.url)) as client:
        register = client.get("/register?limit=100")
    assert register.status_code == 200
    assert "Good practice to spread" in register.text and "Area for improvement" in register.text


def test_the_demo_rejects_a_misspelt_agency_listing_the_close_match(
    demo_store, store: Store
) -> None:
    """The demo ingests a Section 11 return whose agency is misspelt, after its register."""
    from lif_app.cli.ingest import rejected_runs, rejections_of

    assert "Rejected: an agency the partner register does not know" in demo_store.demo_output
    [run] = [
        r
        for r in rejected_runs(store, "section-11")
        if r["origin"].endswith("demo_section_11_late_return.csv")
    ]
    rejections = rejections_of(store, run["run_id"])["rejections"]
    assert [r["locator"] for r in rejections] == [{"line": 2}, {"line": 3}]  # both rows kept
    for rejection in rejections:
        [reason] = rejection["reasons"]
        assert "'Leeds Comunity Health Care Trust' is not a partner in the register" in reason
        assert "Did you mean 'Leeds Community Healthcare NHS Trust'?" in reason
    # Nothing of the return reached the log as a record: no silent new agency.
    key = "2024-25|Leeds Comunity Health Care Trust|1"
    assert not store.exists(SourceRecord.record_id("section-11", "standard-rating", key))
    assert store.exists(
        SourceRecord.record_id("section-11", "standard-rating", "2024-25|West Yorkshire Police|1")
    )  # as the sample's rows did


def _printed(output: str, title: str) -> dict[str, list[str]]:
    """The first line of each row of a table the demo printed, by its first cell."""
    lines = output.split(title, 1)[1].split("└", 1)[0].splitlines()
    rows = [[c.strip() for c in line.strip().strip("│").split("│")] for line in lines]
    return {cells[0]: cells[1:] for cells in rows if len(cells) > 1 and cells[0]}


def test_the_demo_prints_who_cascaded_strengths_beside_improvement_and_a_narrative(
    demo_store,
) -> None:
    out = demo_store.demo_output
    cascade = _printed(out, "Cascade inside each partner")
    # The demo register holds 13 partners (lif_app/demo_partnership.py): LRN-2025-014 was
    # confirmed by LCH and LTHT, so 13 - 2 = 11 are awaited; LRN-2024-031 by WYP and LCC
    # (as "Leeds City Council Children and Families"), 11 awaited; LRN-2025-016 by none, 13.
    assert cascade["LRN-2025-014"] == ["LCH; LTHT", "11 partners"]
    assert cascade["LRN-2024-031"] == ["WYP; LCC", "11 partners"]
    assert cascade["LRN-2025-016"] == ["(none yet)", "13 partners"]
    strengths = _printed(out, "Priorities: strengths beside areas for improvement")
    [voice] = [cells for first, cells in strengths.items() if first.startswith("PRI-2025-02")]
    assert voice == ["LRN-2024-031", "LRN-2024-032"]  # good practice | still to improve
    stories = _printed(out, "Turn-the-curve narratives")
    assert stories["MEA-ICPC-15WD"][0] == "2024-25"
    assert stories["MEA-ICPC-15WD"][1].startswith("Timeliness fell from")


def test_the_demo_shows_actions_from_inspections_reviews_and_trackers(demo_store) -> None:
    printed = _printed(demo_store.demo_output, "Actions by the source they rest on")
    # Actions per source, counted by hand in the sample files (the same counts as
    # tests/lif_core/test_actions_from_every_source.py), deep-dive/actions.csv's 5 rows, and
    # ACT-2025-101, which the demo raises itself.
    assert {source: cells[1] for source, cells in printed.items()} == {
        "(raised in the platform)": "1",
        "action-plans": "6",  # trackers
        "cdop": "5",
        "deep-dive": "5",  # reviews
        "hmicfrs": "6",  # inspections
        "jtai": "4",
        "multi-agency-audits": "4",  # audits
        "other-inspections": "7",
        "section-11": "7",  # self-assessments
        "section-175": "5",
        "single-agency-audits": "6",
    }


def test_the_register_holds_each_learning_once(store: Store) -> None:
    statements = [s for (s,) in _rows(store, "SELECT statement FROM learning_register")]
    assert len(statements) == len(set(statements))
    # The learning log's LRN-2025-017 names the review's LLR-2024-01/LP01 as its learning
    # point (ingestors/samples/learning-log): one item citing both records, not two rows.
    [(aka,)] = _rows(
        store, "SELECT also_known_as FROM learning_register WHERE reference = 'LRN-2025-017'"
    )
    assert "LLR-2024-01/LP01" in str(aka)
    assert not _rows(
        store, "SELECT reference FROM learning_register WHERE reference = 'LLR-2024-01/LP01'"
    )


def test_the_report_card_figures_are_the_samples_figures(demo_store, store: Store) -> None:
    # Written from the sample files, latest period of each measure the demo defines:
    #   performance/pmf-indicators-2025-06.csv, 2024-25, Leeds: ICPC-15WD 86.5, CPP-REPEAT 19.9
    #   school-health-survey/survey-2024-25.csv, Year 10, SAF01 "Do you feel safe at school?",
    #   Yes: 73.1 (3001 of 4105)
    expected = {"MEA-ICPC-15WD": 86.5, "MEA-CPP-REPEAT": 19.9, "MEA-SAFE-AT-SCHOOL": 73.1}
    for measure, figure in expected.items():
        [(value,)] = _rows(
            store,
            "SELECT value FROM impact_monitoring WHERE measure = '"
            + measure
            + "' ORDER BY period_start DESC LIMIT 1",
        )
        assert float(value) == figure, measure
        card = demo_store.demo_output.split("OBA report card summary", 1)[1].split("└", 1)[0]
        [line] = [line for line in card.splitlines() if f" {measure} " in line]
        assert f" {figure}% " in line, line


def test_the_demo_says_dagster_is_running_before_each_quiet_run(demo_store) -> None:
    """Dagster's log is kept back while its runs succeed, so the demo says what it is waiting on
    (a new user otherwise sees nothing for half a minute, twice)."""
    from lif_app.demo_dagster import RUNNING

    printed = " ".join(demo_store.demo_output.split())  # the console wraps long lines
    assert printed.count(" ".join(RUNNING.split())) == 2
    assert "dagster - DEBUG" not in demo_store.demo_output
