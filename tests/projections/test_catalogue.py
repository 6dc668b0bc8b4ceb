"""The catalogue tables: sources and their freshness, ingestion runs, rejected rows."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from read_tables import written

from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import bad_inputs, sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.privacy.vault import DataKeys
from projections import project

TODAY = date(2025, 10, 15)


def _table(store: Store, name: str) -> list[dict[str, Any]]:
    with store.read() as tx:
        query = tx.execute(f"SELECT * FROM {name}")
        cursor = getattr(query.cursor, "sqlite_cursor", query.cursor)
        names = [d[0] for d in cursor.description]
        return [written(name, names, r) for r in query.fetchall()]


def _catalogue(store: Store) -> dict[str, dict[str, Any]]:
    return {r["source"]: r for r in _table(store, "source_catalogue")}


def _ingest(store: Store, source: str, path: Path) -> Any:
    return ingest_file(store, load_plugins().get(source), path)


def _exports() -> list[Path]:
    return sample_inputs(load_plugins().get("action-plans").source)


def test_every_installed_source_has_a_row_even_before_its_first_ingestion(store: Store) -> None:
    project(store, reference_date=TODAY)
    plugins = load_plugins()
    catalogue = _catalogue(store)
    assert set(catalogue) == {p.name for p in plugins}
    for loaded in plugins:
        row = catalogue[loaded.name]
        assert (row["title"], row["provider"], row["cadence"]) == (
            loaded.source.title,
            loaded.source.provider,
            loaded.source.cadence,
        )
        assert (row["records"], row["events"], row["freshness"]) == (0, 0, "never ingested")


def test_records_withdrawals_and_the_newest_period_are_counted(store: Store) -> None:
    for path in _exports():
        assert _ingest(store, "action-plans", path).status == "completed"
    project(store, reference_date=TODAY)
    row = _catalogue(store)["action-plans"]
    # six actions, one absent from the last export; 6 recorded + 6 + 5 revised + 1 withdrawn
    assert (row["records"], row["withdrawn"], row["events"]) == (5, 1, 18)
    assert (row["newest_period_start"], row["newest_period_end"]) == ("2025-09-30", "2025-09-30")
    assert row["next_expected"] == "2026-01-01"  # P3M, a month counted as 31 days
    assert row["freshness"] == "fresh"
    assert row["last_ingested"] is not None


def test_a_withdrawn_record_that_comes_back_counts_as_held_again(
    store: Store, tmp_path: Path
) -> None:
    first, _, last = _exports()
    _ingest(store, "action-plans", first)
    _ingest(store, "action-plans", last)
    later = tmp_path / "AP-CSPR-2024-02-exported-2025-12-31.csv"
    later.write_text(
        first.read_text(encoding="utf-8").replace("Exported 31/03/2025", "Exported 31/12/2025"),
        encoding="utf-8",
    )
    project(store, reference_date=TODAY)
    assert _catalogue(store)["action-plans"]["withdrawn"] == 1
    assert _ingest(store, "action-plans", later).status == "completed"
    project(store, reference_date=TODAY)
    row = _catalogue(store)["action-plans"]
    assert (row["records"], row["withdrawn"]) == (6, 0)
    assert row["newest_period_end"] == "2025-12-31"


def test_freshness_is_judged_against_the_reference_date_with_90_days_grace(store: Store) -> None:
    for path in _exports():
        _ingest(store, "action-plans", path)
    project(store, reference_date=date(2026, 4, 1))  # next expected 1 January + 90 days
    assert _catalogue(store)["action-plans"]["freshness"] == "fresh"
    project(store, reference_date=date(2026, 4, 2))
    assert _catalogue(store)["action-plans"]["freshness"] == "stale"
    assert _catalogue(store)["action-plans"]["reference_date"] == "2026-04-02"


def test_each_run_is_listed_with_its_counts_and_how_it_ended(store: Store, tmp_path: Path) -> None:
    first, second, third = _exports()
    results = [_ingest(store, "action-plans", p) for p in (first, second, third)]
    assert _ingest(store, "action-plans", first).status == "skipped"  # writes nothing
    garbage = tmp_path / "pmf.csv"
    garbage.write_text("Foo,Bar\n1,2\n", encoding="utf-8")
    failed = _ingest(store, "performance", garbage)
    assert failed.status == "failed"
    project(store, reference_date=TODAY)
    runs = {r["run_id"]: r for r in _table(store, "ingestion_runs")}
    assert set(runs) == {r.run_id for r in (*results, failed)}
    last = runs[results[2].run_id]
    loaded = load_plugins().get("action-plans")
    assert (last["source"], last["status"], last["plugin_version"]) == (
        "action-plans",
        "completed",
        loaded.version,
    )
    assert (last["origin"], last["origin_sha256"]) == (results[2].origin, _sha256(third))
    counts = ("rows_read", "recorded", "revised", "unchanged", "withdrawn", "rejected")
    assert tuple(last[c] for c in counts) == (5, 0, 5, 0, 1, 0)
    assert runs[results[0].run_id]["recorded"] == 6
    bad = runs[failed.run_id]
    assert bad["status"] == "failed"
    assert bad["failure"].startswith("input: ")
    assert "no header row" in bad["failure"]
    assert bad["finished_at"] >= bad["started_at"]


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_rejected_rows_wait_for_review_until_a_later_run_of_that_file_completes(
    store: Store, tmp_path: Path
) -> None:
    (bad,) = bad_inputs(load_plugins().get("performance").source)
    expected = [
        json.loads(line)
        for line in (bad.parent / "expected-rejections.jsonl").read_text().splitlines()
        if line.strip()
    ]
    result = _ingest(store, "performance", bad)
    project(store, reference_date=TODAY)
    rows = sorted(_table(store, "rejections"), key=lambda r: r["event_version"])
    keys = DataKeys(store)
    assert len(rows) == len(expected) == result.counts["rejected"]
    for row, want in zip(rows, expected, strict=True):
        assert json.loads(row["locator"]) == want["locator"]
        reasons = keys.open(json.loads(row["reasons"]))
        assert any(want["reason_contains"] in reason for reason in reasons)
        assert (row["run_id"], row["source"], row["status"]) == (
            result.run_id,
            "performance",
            "awaiting review",
        )
        # The read table holds the raw row as the log does, sealed; it opens with its run's key.
        assert json.loads(row["raw"])["$sealed"] == f"run:{result.run_id}"
        assert keys.open(json.loads(row["raw"]))["Indicator code"]
    assert keys.open(json.loads(rows[0]["raw"]))["Value"] == "68.0"

    fixed = tmp_path / bad.name
    lines = bad.read_text(encoding="utf-8").splitlines()
    fixed.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")  # the good row only
    assert _ingest(store, "performance", fixed).status == "completed"
    project(store, reference_date=TODAY)
    statuses = {r["status"] for r in _table(store, "rejections")}
    assert statuses == {"superseded by a later run"}
