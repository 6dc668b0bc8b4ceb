"""The inbox sensors: a file dropped in a source's inbox is ingested once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.run import load_definitions
from lif_core.eventlog.store import Store
from lif_core.ingestion.samples import sample_inputs
from lif_core.plugins.host import load_plugins


@pytest.fixture(autouse=True)
def lif_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dagster_home = tmp_path / "dagster-home"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    home = tmp_path / "lif-home"
    monkeypatch.setenv("LIF_HOME", str(home))
    return home


@pytest.fixture
def definitions() -> dg.Definitions:
    return load_definitions()


def _tick(definitions: dg.Definitions, cursor: str | None) -> dg.SensorResult:
    sensor = definitions.resolve_sensor_def("inbox_action_plans")
    with dg.instance_for_test() as instance:
        return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


def _exports() -> list[Path]:
    return sample_inputs(load_plugins().get("action-plans").source)


def test_an_empty_inbox_requests_nothing(definitions: dg.Definitions, lif_home: Path) -> None:
    tick = _tick(definitions, None)
    assert tick.run_requests == []
    assert "no new files" in (tick.skip_message or "")
    assert (lif_home / "inbox" / "action-plans").is_dir()  # made for the user to drop into


def test_a_dropped_file_is_picked_up_once(definitions: dg.Definitions, lif_home: Path) -> None:
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    dropped = inbox / _exports()[0].name
    shutil.copy(_exports()[0], dropped)
    (inbox / ".partial-upload.csv").write_text("half", encoding="utf-8")  # hidden: not yet
    (inbox / "notes.txt").write_text("not an input", encoding="utf-8")

    first = _tick(definitions, None)
    (request,) = first.run_requests
    assert dropped.name in request.run_key
    assert request.run_config == {
        "ops": {"sources__action_plans": {"config": {"files": [str(dropped)]}}}
    }
    assert request.job_name in (None, "ingest_action_plans")

    second = _tick(definitions, first.cursor)
    assert second.run_requests == []
    assert second.cursor in (None, first.cursor)


def test_a_changed_file_and_a_new_file_are_each_picked_up(
    definitions: dg.Definitions, lif_home: Path
) -> None:
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    first_export, second_export, _ = _exports()
    shutil.copy(first_export, inbox / first_export.name)
    cursor = _tick(definitions, None).cursor

    shutil.copy(second_export, inbox / second_export.name)
    with (inbox / first_export.name).open("a", encoding="utf-8") as handle:
        handle.write("\n")  # re-saved by someone
    tick = _tick(definitions, cursor)
    assert sorted(
        r.run_config["ops"]["sources__action_plans"]["config"]["files"][0]
        for r in tick.run_requests
    ) == sorted([str(inbox / first_export.name), str(inbox / second_export.name)])
    assert len({r.run_key for r in tick.run_requests}) == 2
    assert _tick(definitions, tick.cursor).run_requests == []


def test_the_requested_run_ingests_the_file_once(
    definitions: dg.Definitions,
    lif_home: Path,
    store: Store,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIF_STORE", store_url)  # the code location's resource reads it
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    dropped = inbox / _exports()[0].name
    shutil.copy(_exports()[0], dropped)

    job = definitions.resolve_job_def("ingest_action_plans")
    cursor = None
    runs = 0
    for _ in range(3):  # the daemon ticks again and again
        tick = _tick(definitions, cursor)
        cursor = tick.cursor or cursor
        for request in tick.run_requests:
            with dg.instance_for_test() as instance:
                assert job.execute_in_process(
                    run_config=request.run_config, instance=instance
                ).success
            runs += 1
    assert runs == 1
    with store.read() as tx:
        rows = tx.execute(
            "SELECT record_key FROM lif_source_index WHERE source = ? ORDER BY record_key",
            ("action-plans",),
        ).fetchall()
        origins = tx.execute("SELECT origin FROM lif_ingested").fetchall()
    assert [r[0] for r in rows] == [f"ACT-2025-0{n}" for n in range(31, 37)]
    assert origins == [(str(dropped.resolve()),)]
    assert os.path.exists(dropped)  # the inbox keeps what was dropped


def _follow(instance: dg.DagsterInstance) -> dg.SensorResult:
    sensor = load_definitions().resolve_sensor_def("projections_follow_log")
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance))


def test_the_projections_follow_the_log_one_refresh_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lif_core.ingestion import ingest_file
    from projections import project

    url = f"sqlite:///{tmp_path / 'lif.db'}"
    monkeypatch.setenv("LIF_STORE", url)
    with dg.instance_for_test() as instance:
        with Store(url) as store:
            tick = _follow(instance)
            assert tick.run_requests == [] and "head (0)" in (tick.skip_message or "")
            loaded = load_plugins().get("action-plans")
            assert ingest_file(store, loaded, _exports()[0]).ok
            head = store.max_notification_id()
        assert head > 0
        (request,) = _follow(instance).run_requests
        assert request.run_key == f"refresh:{head}"
        # A refresh already running: the sensor waits for it rather than queue a second.
        instance.add_run(
            dg.DagsterRun(job_name="refresh_projections", status=dg.DagsterRunStatus.STARTED)
        )
        busy = _follow(instance)
        assert busy.run_requests == [] and "already running" in (busy.skip_message or "")
        with Store(url) as store:
            project(store)
        # Caught up: nothing to ask for, whatever is running.
        caught_up = _follow(instance)
        assert caught_up.run_requests == [] and f"head ({head})" in (caught_up.skip_message or "")
