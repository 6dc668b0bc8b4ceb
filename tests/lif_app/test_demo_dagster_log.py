"""`make demo` drives Dagster as its own process: its log is kept back while the run succeeds
(it used to bury the demo's tables under some 900 DEBUG lines) and shown whole when it fails."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from lif_app.demo_dagster import materialize


@pytest.fixture
def dagster_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


def test_a_run_that_succeeds_prints_none_of_dagsters_log(
    tmp_path: Path, dagster_home: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lif.db"
    assert materialize(f"sqlite:///{db}", sources=["cdop"]) is True
    out, err = capfd.readouterr()
    assert "dagster - DEBUG" not in out + err
    assert "STEP_SUCCESS" not in out + err
    # The run did happen: the cdop samples' runs are in the store's read table.
    with sqlite3.connect(db) as connection:
        (runs,) = connection.execute(
            "SELECT count(*) FROM ingestion_runs WHERE source = 'cdop'"
        ).fetchone()
    assert runs > 0


def test_a_run_that_fails_shows_the_failed_step_and_dagsters_whole_log(
    tmp_path: Path, dagster_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A store under a regular file cannot be opened: the source's step fails.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="lif_app.demo_dagster"):
        assert materialize(f"sqlite:///{blocker}/lif.db", sources=["cdop"]) is False
    (message,) = [r.getMessage() for r in caplog.records if r.name == "lif_app.demo_dagster"]
    assert message.startswith("Dagster steps failed: sources__cdop (exit code 1).")
    assert 'STEP_FAILURE - Execution of step "sources__cdop" failed.' in message
    assert "cannot open the store" in message
