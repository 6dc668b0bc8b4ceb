"""The Dagster code location: it loads, validates, and mirrors the installed plugins by itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.assets import POLICIES, source_key
from dagster_project.run import load_definitions, materialize_all
from lif_core.plugins.host import load_plugins
from projections import TABLES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster-home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("LIF_HOME", str(tmp_path / "lif-home"))
    return home


def _source_assets(definitions: dg.Definitions) -> set[dg.AssetKey]:
    return {k for k in definitions.resolve_all_asset_keys() if k.path[0] == "sources"}


def test_the_definitions_load_and_validate() -> None:
    definitions = load_definitions()
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    assert graph.get_all_asset_keys()


def test_dagster_validates_the_code_location_from_the_command_line(dagster_home: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            *("definitions", "validate", "-m", "dagster_project.definitions"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Validation successful" in done.stdout + done.stderr


def test_there_is_one_asset_per_installed_source_plugin() -> None:
    definitions = load_definitions()
    plugins = load_plugins()
    assert len(plugins) >= 30
    assert _source_assets(definitions) == {source_key(p.name) for p in plugins}
    for loaded in plugins:
        spec = definitions.resolve_assets_def(source_key(loaded.name)).specs_by_key[
            source_key(loaded.name)
        ]
        assert spec.metadata["source"] == loaded.name
        assert spec.metadata["version"] == loaded.version
        assert spec.group_name == "sources"


def test_policies_and_every_projection_table_are_assets_downstream_of_the_sources() -> None:
    definitions = load_definitions()
    graph = definitions.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert POLICIES in keys
    assert {dg.AssetKey([t]) for t in TABLES} <= keys
    assert graph.get(POLICIES).parent_keys == _source_assets(definitions)
    for table in TABLES:
        assert graph.get(dg.AssetKey([table])).parent_keys == {POLICIES}
        columns = (
            definitions.resolve_assets_def(dg.AssetKey([table]))
            .specs_by_key[dg.AssetKey([table])]
            .metadata["columns"]
        )
        assert [c.name for c in columns.columns] == [c.name for c in TABLES[table].columns]


def test_every_source_has_an_inbox_sensor_and_a_job_and_projections_refresh_hourly() -> None:
    definitions = load_definitions()
    names = [p.name.replace("-", "_") for p in load_plugins()]
    sensors = {s.name: s for s in definitions.sensors or []}
    assert set(sensors) == {f"inbox_{n}" for n in names} | {"projections_follow_log"}
    follow = sensors["projections_follow_log"]
    assert follow.job_name == "refresh_projections"
    assert follow.default_status == dg.DefaultSensorStatus.RUNNING
    for name in names:
        sensor = sensors[f"inbox_{name}"]
        assert sensor.job_name == f"ingest_{name}"
        assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    schedule = definitions.resolve_schedule_def("refresh_projections_hourly")
    assert schedule.cron_schedule == "0 * * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    refresh = definitions.resolve_job_def("refresh_projections")
    assert {dg.AssetKey([t]) for t in TABLES} | {POLICIES} == set(
        refresh.asset_layer.selected_asset_keys
    )


def test_every_table_has_a_rebuild_check_and_every_source_a_freshness_check() -> None:
    definitions = load_definitions()
    checks = {k.name for c in definitions.asset_checks or [] for k in c.check_keys}
    assert {f"{t}_equals_rebuild" for t in TABLES} <= checks
    assert {f"{p.name.replace('-', '_')}_fresh" for p in load_plugins()} <= checks
    assert {"event_log_verifies", "rejections_reviewed"} <= checks


TOY_MODULE = '''
"""A plugin nobody told the platform about: page visits of a toy website."""
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field

from lif_core.plugins import Emit, InputOptions, RecordKind, Source, ValidTime, hookimpl


class Visits(BaseModel):
    page: str = Field(description="The page.")
    day: date = Field(description="The day.")
    visits: int = Field(description="How many visits.")


SOURCE = Source(
    name="toy-visits",
    title="Toy visits",
    provider="The Dagster tests",
    kinds=(
        RecordKind(
            name="visits",
            model=Visits,
            key=lambda r: f"{r.page}/{r.day}",
            valid_time=lambda r: ValidTime(r.day),
            description="Visits of one page on one day.",
        ),
    ),
    inputs=InputOptions(formats=("csv",)),
    map_row=lambda row: [Emit("visits", dict(row.values))],
    samples=Path(__file__).parent / "toy-visits-samples",
    cadence="P1D",
)


@hookimpl
def register_sources(register):
    register(SOURCE)
'''


@pytest.fixture
def toy_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An installed distribution with one ``lif.ingestors`` entry point, as pip would leave it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "lif_toy_visits.py").write_text(textwrap.dedent(TOY_MODULE), encoding="utf-8")
    samples = site / "toy-visits-samples"
    samples.mkdir()
    (samples / "visits.csv").write_text(
        "page,day,visits\n/,2025-06-01,12\n/reviews,2025-06-01,3\n", encoding="utf-8"
    )
    info = site / "lif_toy_visits-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: lif-toy-visits\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[lif.ingestors]\ntoy-visits = lif_toy_visits\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("LIF_PLUGINS_THIRD_PARTY", "1")
    monkeypatch.setenv("LIF_PLUGINS_ALLOW", "toy-visits,action-plans")
    return "toy-visits"


def test_a_newly_installed_plugin_appears_without_code_changes(toy_plugin: str) -> None:
    definitions = load_definitions()
    assert _source_assets(definitions) == {source_key("toy-visits"), source_key("action-plans")}
    spec = definitions.resolve_assets_def(source_key("toy-visits")).specs_by_key[
        source_key("toy-visits")
    ]
    assert (spec.metadata["plugin"], spec.metadata["version"]) == ("toy-visits", "0.1.0")
    assert definitions.resolve_sensor_def("inbox_toy_visits").job_name == "ingest_toy_visits"
    checks = {k.name for c in definitions.asset_checks or [] for k in c.check_keys}
    assert "toy_visits_fresh" in checks


def test_a_newly_installed_plugin_materialises_with_the_rest(
    toy_plugin: str, store_url: str
) -> None:
    result = materialize_all(store_url, sources=["toy-visits"])
    assert result.success
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    assert source_key("toy-visits") in done
    from lif_core.eventlog.store import Store

    with Store(store_url) as store, store.read() as tx:
        row = tx.execute(
            "SELECT records, freshness FROM source_catalogue WHERE source = ?", ("toy-visits",)
        ).fetchone()
    assert row is not None and row[0] == 2


def test_rejected_rows_are_erased_by_a_daily_schedule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retention job, run by Dagster against a real store: with the period set to 0 days,
    the rejected rows of a run already made are past it and are erased."""
    from broken_plugins import good
    from eventsourcing.utils import get_topic

    from dagster_project.defs.resources import LifStore
    from dagster_project.defs.retention import rejected_rows_retention
    from lif_core.domain import IngestionRun
    from lif_core.eventlog.store import Store
    from lif_core.ingestion import ingest_file
    from lif_core.plugins.host import LoadedSource
    from lif_core.privacy.vault import ERASED, DataKeys

    definitions = load_definitions()
    schedule = definitions.resolve_schedule_def("rejected_rows_retention_daily")
    assert schedule.cron_schedule == "30 2 * * *"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.job_name == "rejected_rows_retention"

    url = f"sqlite:///{tmp_path}/lif.db"
    path = tmp_path / "in.csv"
    path.write_text("Year,Area,Referrals\n2024,Leeds,10\n2024,York,lots\n", encoding="utf-8")
    topic = get_topic(IngestionRun.RecordRejected)
    with Store(url) as store:
        ingest_file(store, LoadedSource(good.SOURCE, "toy", "lif-plugin-toy", "1.0"), path)
        [event] = [store.decode(n) for n in store.iter_notifications(topics=[topic])]
        assert DataKeys(store).open(event.raw) != ERASED
    monkeypatch.setenv("LIF_REJECTED_ROWS_RETENTION_DAYS", "0")
    result = rejected_rows_retention.execute_in_process(resources={"lif": LifStore(url=url)})
    assert result.success
    assert result.output_for_node("erase_expired_rejected_rows") == 1
    with Store(url) as store:
        [event] = [store.decode(n) for n in store.iter_notifications(topics=[topic])]
        assert DataKeys(store).open(event.raw) == ERASED


def test_the_store_resource_defaults_to_lif_home_as_the_cli_does_and_lif_store_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The definitions' own resource (no URL given), with only LIF_HOME set: its store is
    $LIF_HOME/lif.db, and the CLI run afterwards with the same setting opens it with the same KEK."""
    from typer.testing import CliRunner

    from lif_app.cli.app import app

    for name in ("LIF_STORE", "LIF_KEK", "LIF_KEK_FILE", "LIF_KMS"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "lif-home"  # the fixture's LIF_HOME
    definitions = load_definitions()
    resource = definitions.resources["lif"]
    assert resource.resolved_url() == f"sqlite:///{home}/lif.db"

    key = source_key("learning-log")
    assets = [a for a in definitions.assets or [] if isinstance(a, dg.AssetsDefinition)]
    result = dg.materialize(
        assets,
        selection=dg.AssetSelection.assets(key),
        resources=definitions.resources,
        run_config={"ops": {"__".join(key.path): {"config": {"samples": True}}}},
    )
    assert result.success
    assert (home / "lif.db").is_file() and (home / "kek.key").is_file()
    # The policies open the sealed statements Dagster wrote: only the same KEK unwraps them.
    policies = CliRunner().invoke(app, ["policies", "run", "--json"])
    assert policies.exit_code == 0, policies.output
    # The learning log's sample alone: 9 items identified + 9 citations + 14 disseminations
    # + 3 impact evidence (as in test_materialize.py's count for the same source); no actions.
    written = json.loads(policies.stdout)["events_written"]
    assert written == {"learning": 9 + 9 + 14 + 3, "actions": 0}

    monkeypatch.setenv("LIF_STORE", f"sqlite:///{tmp_path}/other.db")
    assert definitions.resources["lif"].resolved_url() == f"sqlite:///{tmp_path}/other.db"
