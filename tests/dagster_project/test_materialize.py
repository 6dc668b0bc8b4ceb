"""Materialising in process: sources -> policies -> projection tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.assets import POLICIES, source_key
from dagster_project.run import materialize_all
from lif_core.eventlog.log import events_table
from lif_core.eventlog.store import Store
from lif_core.plugins.host import load_plugins
from projections import TABLES, table_checksums

SUBSET = ["action-plans", "learning-log", "practice-reviews", "performance"]


@pytest.fixture(autouse=True)
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LIF_HOME", str(tmp_path / "lif-home"))
    return home


def _materialised(result: dg.ExecuteInProcessResult) -> dict[dg.AssetKey, dict[str, object]]:
    return {
        e.asset_key: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def test_a_subset_of_sources_materialises_through_policies_to_every_table_and_checks_pass(
    store: Store, store_url: str
) -> None:
    result = materialize_all(store_url, sources=SUBSET)
    assert result.success
    done = _materialised(result)
    assert {k for k in done if k.path[0] == "sources"} == {source_key(s) for s in SUBSET}
    assert done[source_key("action-plans")]["files"] == 3
    # actions: 31 from the tracker rows (tests/lif_core/test_policies.py HISTORY: 036's two
    #   LearningAdded included) + 17 citations
    #   + 5 links of Blue rows to their learning (032 -> 014; 034 -> 015; 036 -> 014, 015, 016);
    # learning log: 9 identified + 9 citations + 14 disseminations + 3 impact evidence;
    # practice reviews: 7 learning points cited, 3 of them identified (LP01..LP03 of
    # CSPR-2024-02 are the log's LRN-2025-014..016, LLR-2024-01/LP01 its LRN-2025-017: one
    # item each).
    assert done[POLICIES]["events_written"] == (31 + 17 + 5) + (9 + 9 + 14 + 3) + (3 + 7)
    sums = table_checksums(store)
    for table in TABLES:
        meta = done[dg.AssetKey([table])]
        assert (meta["rows"], meta["checksum"]) == (sums[table]["rows"], sums[table]["checksum"])
    with store.read() as tx:
        (actions,) = tx.execute("SELECT COUNT(*) FROM action_status").fetchone()
    assert actions == 6

    checks = _checks(result)
    assert checks["event_log_verifies"].passed
    assert checks["rejections_reviewed"].passed
    for table in TABLES:
        assert checks[f"{table}_equals_rebuild"].passed, table
    fresh = [c for name, c in checks.items() if name.endswith("_fresh")]
    assert len(fresh) == len(load_plugins())
    assert {c.severity for c in fresh} == {dg.AssetCheckSeverity.WARN}  # stale warns, never fails


def test_materialising_again_adds_nothing(store: Store, store_url: str) -> None:
    first = materialize_all(store_url, sources=["action-plans"])
    top = store.max_notification_id()
    sums = table_checksums(store)
    again = materialize_all(store_url, sources=["action-plans"])
    assert first.success and again.success
    assert store.max_notification_id() == top
    done = _materialised(again)
    assert done[POLICIES]["events_written"] == 0
    assert done[source_key("action-plans")]["recorded"] == 0
    assert {t: s["checksum"] for t, s in table_checksums(store).items()} == {
        t: s["checksum"] for t, s in sums.items()
    }


@pytest.mark.slow
def test_every_installed_source_materialises_its_shipped_samples(
    store: Store, store_url: str
) -> None:
    result = materialize_all(store_url)
    assert result.success
    done = _materialised(result)
    plugins = load_plugins()
    assert {k for k in done if k.path[0] == "sources"} == {source_key(p.name) for p in plugins}
    for loaded in plugins:
        assert done[source_key(loaded.name)]["files"] >= 1, loaded.name
    checks = _checks(result)
    assert checks["event_log_verifies"].passed
    assert all(checks[f"{t}_equals_rebuild"].passed for t in TABLES)
    with store.read() as tx:
        never = tx.execute(
            "SELECT source FROM source_catalogue WHERE freshness = 'never ingested'"
        ).fetchall()
    assert never == []


def test_a_file_that_cannot_be_read_fails_its_source_asset(store: Store, tmp_path: Path) -> None:
    from dagster_project.defs.resources import LifStore
    from dagster_project.run import load_definitions

    garbage = tmp_path / "pmf.csv"
    garbage.write_text("Foo,Bar\n1,2\n", encoding="utf-8")
    (performance,) = [
        a
        for a in load_definitions().assets or []
        if isinstance(a, dg.AssetsDefinition) and source_key("performance") in a.keys
    ]
    result = dg.materialize(
        [performance],
        resources={"lif": LifStore(url=store.url.url)},
        run_config={"ops": {"sources__performance": {"config": {"files": [str(garbage)]}}}},
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "1 file(s) failed" in str(failure.event_specific_data)
    with store.read() as tx:
        (failed,) = tx.execute(
            "SELECT COUNT(*) FROM " + events_table(store) + " WHERE topic LIKE ?",
            ("%IngestionRun.Failed",),
        ).fetchone()
    assert failed == 1  # the failed run is recorded, none of its rows
