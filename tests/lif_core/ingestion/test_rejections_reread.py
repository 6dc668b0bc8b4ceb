"""A file read again because the partner register changed keeps only the rejections that are new.

Every test runs on SQLite and PostgreSQL (the ``store_url`` fixture) with the real section-11
plugin, the real partner decisions, the rejections read table and ``lif rejects``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_app.cli.ingest import rejected_runs, rejections_of
from lif_core.decisions import create, decide, declaration
from lif_core.decisions.erasure import erase
from lif_core.domain import IngestionRun
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.testing import load_installed
from projections import project

ACTOR = "cli:business.unit"
HEADER = "Agency,Return year,Standard,RAG,Evidence,Actions\n"
MISSPELT_LCH = "Leeds Comunity Healthcare NHS Trust"  # line 3 of the return below
MISSPELT_WYP = "West Yorks Polise"  # line 4


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        _partner(opened, "LCH", "Leeds Community Healthcare NHS Trust")
        _partner(opened, "WYP", "West Yorkshire Police", "Police")
        yield opened


@pytest.fixture
def section_11(tmp_path: Path) -> Path:
    """A Section 11 return, one row per agency: line 2 known, lines 3 and 4 misspelt."""
    path = tmp_path / "section-11-2024-25.csv"
    rows = "".join(
        f"{agency},2024-25,1. Senior commitment,Green,Board report each quarter.,\n"
        for agency in ("Police", MISSPELT_LCH, MISSPELT_WYP)
    )
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def _partner(store: Store, ref: str, name: str, *aliases: str) -> None:
    given = {"ref": ref, "name": name, "sector": "health", "alias": list(aliases)}
    create(store, declaration("partner", "add"), given, actor=ACTOR)


def _rejected_events(store: Store) -> int:
    """RecordRejected events in the whole log."""
    return sum(
        isinstance(store.decode(n), IngestionRun.RecordRejected) for n in store.iter_notifications()
    )


def _table(store: Store) -> list[tuple[str, int, str, str]]:
    """The rejections read table, brought up to date: (run id, line, status, the reason as
    ``lif rejects show`` opens it), by line then run order."""
    project(store)
    with store.read() as tx:
        rows = tx.execute("SELECT run_id, locator, status, rejected_at FROM rejections").fetchall()
    out = []
    for run_id, locator, status, _at in sorted(rows, key=lambda r: str(r[3])):
        where = locator if isinstance(locator, dict) else json.loads(locator)
        shown = rejections_of(store, str(run_id))["rejections"]
        [reasons] = [r["reasons"] for r in shown if r["locator"] == where]
        out.append((str(run_id), int(where["line"]), str(status), " ".join(reasons)))
    return sorted(out, key=lambda r: r[1])


def test_a_register_change_does_not_keep_the_same_rejections_again(
    store: Store, section_11: Path
) -> None:
    loaded = load_installed("section-11")
    first = ingest_file(store, loaded, section_11)
    assert (first.counts["recorded"], first.counts["rejected"]) == (1, 2)
    assert _rejected_events(store) == 2

    # An unrelated partner joins: the register changed, so the file is read again ...
    _partner(store, "LCC", "Leeds City Council")
    again = ingest_file(store, loaded, section_11)
    assert again.status == "completed"
    # ... and its two wrong rows are wrong in the same words as before. Worked by hand:
    # line 2 was recorded by the first run (unchanged now); lines 3 and 4 are refused with
    # the reasons the first run kept, so 0 new rejections and 2 already on record.
    assert (again.counts["recorded"], again.counts["unchanged"]) == (0, 1)
    assert (again.counts["rejected"], again.counts["rejected_before"]) == (0, 2)
    assert _rejected_events(store) == 2  # the first run's two events, no copies
    [completed] = [
        store.decode(n)
        for n in store.iter_notifications()
        if isinstance(store.decode(n), IngestionRun.Completed)
        and str(store.decode(n).correlation) == again.run_id
    ]
    assert sorted(r["event_version"] for r in completed.rejected_before) == [2, 3]
    assert {r["run_id"] for r in completed.rejected_before} == {first.run_id}

    # The read table shows each open rejection once, from the run that kept it.
    assert [(run, line, status) for run, line, status, _ in _table(store)] == [
        (first.run_id, 3, "awaiting review"),
        (first.run_id, 4, "awaiting review"),
    ]
    # Against the same register again: skipped, nothing written.
    assert ingest_file(store, loaded, section_11).status == "skipped"
    assert _rejected_events(store) == 2


def test_a_row_the_new_register_accepts_is_recorded_and_its_rejection_superseded(
    store: Store, section_11: Path
) -> None:
    loaded = load_installed("section-11")
    first = ingest_file(store, loaded, section_11)
    decide(store, declaration("partner", "alias"), "LCH", {"alias": MISSPELT_LCH}, actor=ACTOR)
    again = ingest_file(store, loaded, section_11)
    # Worked by hand: line 3 now names LCH by its new alias (recorded), line 2 is unchanged,
    # line 4 is still refused in the same words (on record already, not kept again).
    assert (again.counts["recorded"], again.counts["unchanged"]) == (1, 1)
    assert (again.counts["rejected"], again.counts["rejected_before"]) == (0, 1)
    assert _rejected_events(store) == 2
    assert [(run, line, status) for run, line, status, _ in _table(store)] == [
        (first.run_id, 3, "superseded by a later run"),
        (first.run_id, 4, "awaiting review"),
    ]
    # `lif rejects list` and `show` say the same: of the first run's 2 rejections, 1 is open.
    assert [(r["run_id"], r["rejected"], r["open"]) for r in rejected_runs(store)] == [
        (first.run_id, 2, 1)
    ]
    shown = rejections_of(store, first.run_id)["rejections"]
    assert [(r["locator"]["line"], r["status"]) for r in shown] == [
        (3, "superseded by a later run"),
        (4, "awaiting review"),
    ]
    # A third register: line 4 is still the one open rejection, kept once.
    _partner(store, "LCC", "Leeds City Council")
    third = ingest_file(store, loaded, section_11)
    assert (third.counts["rejected"], third.counts["rejected_before"]) == (0, 1)
    table = _table(store)
    assert [(line, status) for _, line, status, _ in table if status == "awaiting review"] == [
        (4, "awaiting review")
    ]
    assert len(table) == 2


def test_a_row_refused_in_other_words_now_keeps_the_new_rejection(
    store: Store, section_11: Path
) -> None:
    loaded = load_installed("section-11")
    first = ingest_file(store, loaded, section_11)
    # A partner whose name is close to line 3's misspelling: its close matches change.
    _partner(store, "LCHF", "Leeds Community Health Forum")
    again = ingest_file(store, loaded, section_11)
    # Worked by hand: line 3's reason now also suggests the new partner, so it is a new
    # rejection (kept); line 4's reason is word for word the first run's (not kept again).
    assert (again.counts["rejected"], again.counts["rejected_before"]) == (1, 1)
    assert _rejected_events(store) == 3
    table = _table(store)
    assert [(run, line, status) for run, line, status, _ in table] == [
        (first.run_id, 3, "superseded by a later run"),
        (again.run_id, 3, "awaiting review"),
        (first.run_id, 4, "awaiting review"),
    ]
    assert "Leeds Community Health Forum" not in table[0][3]
    assert (
        "Did you mean 'Leeds Community Healthcare NHS Trust', 'Leeds Community Health Forum'"
        in (table[1][3])
    )


def test_lif_ingest_and_lif_rejects_list_count_each_rejection_once(
    store_url: str, store: Store, section_11: Path
) -> None:
    runner = CliRunner()

    def lif(*args: str) -> Result:
        result = runner.invoke(app, ["--store", store_url, *args])
        assert result.exit_code == 0, result.output
        return result

    first = lif("ingest", "section-11", str(section_11))
    assert "1 recorded, 0 revised, 0 unchanged, 0 withdrawn, 2 rejected" in first.stdout
    lif("partner", "add", "--ref", "LCC", "--name", "Leeds City Council", "--sector", "other")
    again = lif("ingest", "section-11", str(section_11))
    # Worked by hand: nothing new (line 2 unchanged), the 2 wrong rows already on record.
    assert "0 recorded, 0 revised, 1 unchanged, 0 withdrawn, 0 rejected" in again.stdout
    assert "2 rejected as before (kept once, by an earlier run over this file" in again.stdout
    listed: list[dict[str, Any]] = json.loads(lif("rejects", "list", "--json").stdout)
    assert [(r["source"], r["rejected"], r["open"]) for r in listed] == [("section-11", 2, 2)]
    # The web view's and Dagster's count: rejections awaiting review.
    project(store)
    with store.read() as tx:
        row = tx.execute("SELECT COUNT(*) FROM rejections WHERE status = 'awaiting review'")
        assert row.fetchone() == (2,)
        runs = tx.execute(
            "SELECT rows_read, recorded, unchanged, rejected, rejected_before "
            "FROM ingestion_runs ORDER BY started_at"
        ).fetchall()
    # Worked by hand: the first run read 3 rows, recorded 1 and kept 2 rejections; the second
    # read the same 3, found 1 unchanged, kept none and met the 2 again.
    assert [tuple(r) for r in runs] == [(3, 1, 0, 2, 0), (3, 0, 1, 0, 2)]


def test_a_rerun_against_the_same_register_still_writes_nothing(
    store: Store, section_11: Path
) -> None:
    loaded = load_installed("section-11")
    ingest_file(store, loaded, section_11)
    before = store.max_notification_id()
    assert ingest_file(store, loaded, section_11).status == "skipped"
    assert store.max_notification_id() == before


def test_a_rejection_whose_row_was_erased_is_kept_again_when_the_row_is_still_refused(
    store: Store, section_11: Path
) -> None:
    """An erased rejection has no reasons left to compare with: the row still refused is new."""
    loaded = load_installed("section-11")
    first = ingest_file(store, loaded, section_11)
    erase(store, run=first.run_id, rationale="retention of rejected rows", actor="cli:dpo")
    _partner(store, "LCC", "Leeds City Council")
    again = ingest_file(store, loaded, section_11)
    # Worked by hand: lines 3 and 4 are refused as before, but the first run's copies are
    # erased, so both are kept again (2 new) and none counts as met again.
    assert (again.counts["rejected"], again.counts["rejected_before"]) == (2, 0)
    assert _rejected_events(store) == 4
    assert [(run, line, status) for run, line, status, _ in _table(store)] == [
        (first.run_id, 3, "superseded by a later run"),
        (again.run_id, 3, "awaiting review"),
        (first.run_id, 4, "superseded by a later run"),
        (again.run_id, 4, "awaiting review"),
    ]
