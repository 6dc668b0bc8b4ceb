"""Asset checks fail when they should: a tampered log, an altered table, rejections, staleness."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs import checks as checks_module
from dagster_project.defs.resources import LifStore
from dagster_project.run import load_definitions
from lif_core.eventlog.log import events_table, notification_column
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.ingestion.samples import bad_inputs, sample_inputs
from lif_core.plugins.host import load_plugins
from lif_core.policies import run_policies
from projections import project


@pytest.fixture(autouse=True)
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LIF_HOME", str(tmp_path / "lif-home"))
    return home


@pytest.fixture
def built(store: Store) -> Store:
    """What the assets do (test_materialize.py runs them): samples ingested, policies, tables."""
    plugins = load_plugins()
    for name in ("action-plans", "learning-log", "performance"):
        for path in sample_inputs(plugins.get(name).source):
            assert ingest_file(store, plugins.get(name), path).status == "completed"
    run_policies(store)
    project(store)
    return store


@functools.cache
def _definitions() -> dg.Definitions:
    return load_definitions()


def run_checks(store_url: str, *names: str) -> dict[str, dg.AssetCheckEvaluation]:
    """Run only the named checks, against the store as it is now (no asset is materialised)."""
    definitions = _definitions()
    assets = [a for a in definitions.assets or [] if isinstance(a, dg.AssetsDefinition)]
    checks = list(definitions.asset_checks or [])
    keys = [k for c in checks for k in c.check_keys if k.name in names]
    assert len(keys) == len(names)
    result = dg.materialize(
        [*assets, *checks],
        selection=dg.AssetSelection.checks(*keys),
        resources={"lif": LifStore(url=store_url)},
        raise_on_error=False,
    )
    assert not result.get_asset_materialization_events()
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def _meta(evaluation: dg.AssetCheckEvaluation, key: str) -> object:
    return evaluation.metadata[key].value


def test_a_tampered_event_fails_the_log_check(built: Store, store_url: str) -> None:
    with built.read() as tx:
        nid, state = tx.execute(
            f"SELECT {notification_column(built)}, state FROM {events_table(built)} WHERE topic LIKE ? ORDER BY {notification_column(built)} LIMIT 1",
            ("%Action.Raised",),
        ).fetchone()
    body = state.encode() if isinstance(state, str) else bytes(state)
    forged = (
        body.replace(b"LTHT", b"LCHT") if b"LTHT" in body else body.replace(b"2025", b"2026", 1)
    )
    assert forged != body
    with built.transaction() as tx:  # someone with direct SQL access
        tx.execute(
            f"UPDATE {events_table(built)} SET state = ? WHERE {notification_column(built)} = ?",
            (forged, nid),
        )
    evaluation = run_checks(store_url, "event_log_verifies")["event_log_verifies"]
    assert not evaluation.passed
    assert "altered" in str(_meta(evaluation, "first_problem"))
    assert f"notification {nid}" in str(_meta(evaluation, "first_problem"))


def test_the_untouched_log_passes_its_check(built: Store, store_url: str) -> None:
    assert run_checks(store_url, "event_log_verifies")["event_log_verifies"].passed


def test_an_altered_table_row_fails_that_tables_rebuild_check(built: Store, store_url: str) -> None:
    with built.transaction() as tx:
        tx.execute(
            "UPDATE action_status SET status = 'completed', rag = 'green' WHERE reference = ?",
            ("ACT-2025-035",),
        )
    result = run_checks(
        store_url, "action_status_equals_rebuild", "learning_register_equals_rebuild"
    )
    assert not result["action_status_equals_rebuild"].passed
    assert result["learning_register_equals_rebuild"].passed  # only the altered table fails


def test_an_altered_recorded_checksum_fails_the_rebuild_check(built: Store, store_url: str) -> None:
    with built.transaction() as tx:
        tx.execute(
            "UPDATE lif_projection_tables SET checksum = ? WHERE name = ?",
            ("0" * 64, "impact_monitoring"),
        )
    evaluation = run_checks(store_url, "impact_monitoring_equals_rebuild")[
        "impact_monitoring_equals_rebuild"
    ]
    assert not evaluation.passed
    assert _meta(evaluation, "recorded") == "0" * 64


def test_too_many_rejected_rows_fail_the_rejections_check(
    built: Store, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    performance = load_plugins().get("performance")
    for path in bad_inputs(performance.source):
        assert ingest_file(built, performance, path).counts["rejected"] == 10
    project(built)
    assert run_checks(store_url, "rejections_reviewed")["rejections_reviewed"].passed
    monkeypatch.setattr(checks_module, "REJECTIONS_THRESHOLD", 9)
    evaluation = run_checks(store_url, "rejections_reviewed")["rejections_reviewed"]
    assert not evaluation.passed
    assert _meta(evaluation, "awaiting_review") == 10


def test_freshness_warns_for_a_stale_source_and_passes_for_a_fresh_one(
    built: Store, store_url: str, tmp_path: Path
) -> None:
    stale = run_checks(store_url, "action_plans_fresh")["action_plans_fresh"]
    assert not stale.passed
    assert stale.severity == dg.AssetCheckSeverity.WARN
    assert _meta(stale, "freshness") == "stale"

    today = date.today()
    export = sample_inputs(load_plugins().get("action-plans").source)[-1]
    fresh = tmp_path / f"AP-CSPR-2024-02-exported-{today}.csv"
    fresh.write_text(
        export.read_text(encoding="utf-8").replace(
            "Exported 30/09/2025", f"Exported {today:%d/%m/%Y}"
        ),
        encoding="utf-8",
    )
    assert ingest_file(built, load_plugins().get("action-plans"), fresh).status == "completed"
    project(built)
    evaluation = run_checks(store_url, "action_plans_fresh")["action_plans_fresh"]
    assert evaluation.passed
    assert _meta(evaluation, "newest_period_end") == today.isoformat()
