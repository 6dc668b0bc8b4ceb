"""The inbox sensors: a file dropped in a source's inbox is ingested once."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.assets import OUTCOME_TAG
from dagster_project.defs.automation import FILE_TAG, MAX_ATTEMPTS
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


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """One Dagster instance across ticks, as the daemon has: the sensor reads its runs."""
    with dg.instance_for_test() as instance:
        yield instance


def _tick(
    definitions: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None
) -> dg.SensorResult:
    sensor = definitions.resolve_sensor_def("inbox_action_plans")
    return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


def _run(
    instance: dg.DagsterInstance,
    request: dg.RunRequest,
    status: dg.DagsterRunStatus,
    **tags: str,
) -> dg.DagsterRun:
    """What the daemon made of a request: a run with its tags, in ``status``."""
    run = dg.DagsterRun(
        job_name="ingest_action_plans", status=status, tags={**request.tags, **tags}
    )
    instance.add_run(run)
    return run


def _exports() -> list[Path]:
    return sample_inputs(load_plugins().get("action-plans").source)


def test_an_empty_inbox_requests_nothing(
    definitions: dg.Definitions, instance: dg.DagsterInstance, lif_home: Path
) -> None:
    tick = _tick(definitions, instance, None)
    assert tick.run_requests == []
    assert "no new files" in (tick.skip_message or "")
    assert (lif_home / "inbox" / "action-plans").is_dir()  # made for the user to drop into


def test_a_dropped_file_is_picked_up_once(
    definitions: dg.Definitions, instance: dg.DagsterInstance, lif_home: Path
) -> None:
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    dropped = inbox / _exports()[0].name
    shutil.copy(_exports()[0], dropped)
    (inbox / ".partial-upload.csv").write_text("half", encoding="utf-8")  # hidden: not yet
    (inbox / "notes.txt").write_text("not an input", encoding="utf-8")

    first = _tick(definitions, instance, None)
    (request,) = first.run_requests
    assert dropped.name in request.run_key
    assert request.tags[FILE_TAG] == request.run_key
    assert request.run_config == {
        "ops": {"sources__action_plans": {"config": {"files": [str(dropped)]}}}
    }
    assert request.job_name in (None, "ingest_action_plans")
    run = _run(instance, request, dg.DagsterRunStatus.STARTED)

    # Running (or queued, starting): the sensor waits for it.
    second = _tick(definitions, instance, first.cursor)
    assert second.run_requests == []
    assert f"waiting for runs of {dropped.name}" in (second.skip_message or "")
    # Its process died; run monitoring marks it failed, and Dagster's run retries will retry
    # it: the sensor leaves that to them...
    instance.report_run_failed(run)
    instance.add_run_tags(run.run_id, {"dagster/will_retry": "true"})
    assert _tick(definitions, instance, second.cursor).run_requests == []
    # ...unless the retry could not be launched (the code location was still loading): then
    # the file is asked for again, once.
    instance.add_run_tags(run.run_id, {"dagster/will_retry": "false"})
    third = _tick(definitions, instance, second.cursor)
    (retry,) = third.run_requests
    assert retry.run_key == f"{request.run_key}:2"
    _run(instance, retry, dg.DagsterRunStatus.SUCCESS)
    fourth = _tick(definitions, instance, third.cursor)
    assert fourth.run_requests == []
    assert dropped.name in json.loads(fourth.cursor or "{}")  # done: not looked at again


def test_a_changed_file_and_a_new_file_are_each_picked_up(
    definitions: dg.Definitions, instance: dg.DagsterInstance, lif_home: Path
) -> None:
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    first_export, second_export, _ = _exports()
    shutil.copy(first_export, inbox / first_export.name)
    tick = _tick(definitions, instance, None)
    _run(instance, tick.run_requests[0], dg.DagsterRunStatus.SUCCESS)
    cursor = _tick(definitions, instance, tick.cursor).cursor

    shutil.copy(second_export, inbox / second_export.name)
    with (inbox / first_export.name).open("a", encoding="utf-8") as handle:
        handle.write("\n")  # re-saved by someone
    tick = _tick(definitions, instance, cursor)
    assert sorted(
        r.run_config["ops"]["sources__action_plans"]["config"]["files"][0]
        for r in tick.run_requests
    ) == sorted([str(inbox / first_export.name), str(inbox / second_export.name)])
    assert len({r.run_key for r in tick.run_requests}) == 2
    for request in tick.run_requests:
        _run(instance, request, dg.DagsterRunStatus.SUCCESS)
    assert _tick(definitions, instance, tick.cursor).run_requests == []


def test_a_run_that_failed_before_ingesting_is_asked_for_again(
    definitions: dg.Definitions, instance: dg.DagsterInstance, lif_home: Path
) -> None:
    """As when the code location was killed: the run failed, the file was never ingested."""
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    shutil.copy(_exports()[0], inbox / _exports()[0].name)
    first = _tick(definitions, instance, None)
    (request,) = first.run_requests
    _run(instance, request, dg.DagsterRunStatus.FAILURE)

    again = _tick(definitions, instance, first.cursor)
    (retry,) = again.run_requests
    # A new run key (Dagster launches a key once), the same file and its tag.
    assert retry.run_key == f"{request.run_key}:2"
    assert retry.tags == request.tags and retry.run_config == request.run_config
    # Failed again, this time after recording the file's failure in the store: done.
    _run(instance, retry, dg.DagsterRunStatus.FAILURE, **{OUTCOME_TAG: "failed, recorded"})
    last = _tick(definitions, instance, again.cursor)
    assert last.run_requests == []
    assert _exports()[0].name in json.loads(last.cursor or "{}")


def test_the_sensor_gives_up_on_a_file_after_its_last_attempt(
    definitions: dg.Definitions, instance: dg.DagsterInstance, lif_home: Path
) -> None:
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    shutil.copy(_exports()[0], inbox / _exports()[0].name)
    cursor = None
    keys = []
    for _ in range(MAX_ATTEMPTS):
        tick = _tick(definitions, instance, cursor)
        (request,) = tick.run_requests
        keys.append(request.run_key)
        _run(instance, request, dg.DagsterRunStatus.FAILURE)
        cursor = tick.cursor
    assert len(set(keys)) == MAX_ATTEMPTS
    tick = _tick(definitions, instance, cursor)
    assert tick.run_requests == []
    assert _exports()[0].name in json.loads(tick.cursor or "{}")


def test_the_requested_run_ingests_the_file_once(
    definitions: dg.Definitions,
    instance: dg.DagsterInstance,
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
        tick = _tick(definitions, instance, cursor)
        cursor = tick.cursor or cursor
        for request in tick.run_requests:
            assert job.execute_in_process(
                run_config=request.run_config, instance=instance, tags=request.tags
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


def test_a_file_refused_as_bad_input_is_not_asked_for_again(
    definitions: dg.Definitions,
    instance: dg.DagsterInstance,
    lif_home: Path,
    store: Store,
    store_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIF_STORE", store_url)
    inbox = lif_home / "inbox" / "action-plans"
    inbox.mkdir(parents=True)
    (inbox / "garbage.csv").write_bytes(b"\x00\x01 not a tracker export\n")
    job = definitions.resolve_job_def("ingest_action_plans")
    cursor = None
    runs = []
    for _ in range(3):
        tick = _tick(definitions, instance, cursor)
        cursor = tick.cursor or cursor
        for request in tick.run_requests:
            runs.append(
                job.execute_in_process(
                    run_config=request.run_config,
                    instance=instance,
                    tags=request.tags,
                    raise_on_error=False,
                )
            )
    # One run, failed; its failure is in the store, so the sensor does not try again.
    assert [r.success for r in runs] == [False]
    assert instance.get_run_by_id(runs[0].run_id).tags[OUTCOME_TAG] == "failed, recorded"
    with store.read() as tx:
        assert tx.execute("SELECT COUNT(*) FROM lif_ingested").fetchone()[0] == 0
    assert "garbage.csv" in json.loads(cursor or "{}")


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


def test_a_refresh_that_failed_is_asked_for_again_under_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when the code location was killed under a queued refresh: the head was never reached."""
    from lif_core.ingestion import ingest_file

    url = f"sqlite:///{tmp_path / 'lif.db'}"
    monkeypatch.setenv("LIF_STORE", url)
    with dg.instance_for_test() as instance:
        with Store(url) as store:
            assert ingest_file(store, load_plugins().get("action-plans"), _exports()[0]).ok
            head = store.max_notification_id()
        (first,) = _follow(instance).run_requests
        instance.add_run(
            dg.DagsterRun(
                job_name="refresh_projections",
                status=dg.DagsterRunStatus.FAILURE,
                tags=dict(first.tags),
            )
        )
        (again,) = _follow(instance).run_requests
        assert (first.run_key, again.run_key) == (f"refresh:{head}", f"refresh:{head}:2")
        assert again.tags["lif/log_head"] == str(head)
