"""SQLite: projections, policies, seals and exports beside a long ingest wait for the writer and
never fail with "database is locked"."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lif_app.cli.app import app
from lif_core.eventlog.store import Store
from lif_core.policies import run_policies

REPO = Path(__file__).resolve().parents[3]

# A long ingest in its own process: batches of 100 new records, one transaction each (as an
# ingest of many files), back to back, until the test asks it to stop (at most 2000 batches).
# It writes "started" once its first batch is committed, and prints how many it committed.
INGEST = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import toy_source
    from lif_core.eventlog.store import Store
    from lif_core.ingestion import Origin, ingest_rows
    from lif_core.plugins.host import load_plugins

    url, flag, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    toy = load_plugins(modules=[toy_source]).get("toy-readings")
    batch = 0
    with Store(url) as store:
        while not stop.exists() and batch < 2000:
            rows = toy_source.rows(100, batch, day="2024-01-01")
            for row in rows:
                row.values["key"] = row.raw["key"] = f"b{batch}-{row.values['key']}"
            result = ingest_rows(store, toy, rows, Origin(f"toy:{batch}", f"{batch:064x}"))
            assert result.status == "completed", result.message
            flag.write_text("started")
            batch += 1
    print(f"batches={batch}")
    """
)


@pytest.mark.slow
def test_ten_projections_and_the_other_writers_beside_a_long_ingest_all_succeed(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'lif.db'}"
    with Store(url):
        pass
    flag, stop = tmp_path / "started", tmp_path / "stop"
    script = tmp_path / "ingest.py"
    script.write_text(INGEST, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests" / "support")]),
        "LIF_PLUGINS_THIRD_PARTY": "0",
    }
    ingest = subprocess.Popen(
        [sys.executable, str(script), url, str(flag), str(stop)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    runner = CliRunner()
    outcomes: list[tuple[str, int, str]] = []
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():  # wait for the ingest to be under way (a condition, not a nap)
            assert ingest.poll() is None, ingest.communicate()[0]
            assert time.monotonic() < deadline, "the ingest never started"
            time.sleep(0.05)
        during = 0
        for attempt in range(10):
            result = runner.invoke(app, ["--store", url, "project"])
            outcomes.append((f"project {attempt}", result.exit_code, result.output))
            during += ingest.poll() is None
        with Store(url) as store:
            policies = run_policies(store)  # reads the log, then writes its decisions
        outcomes.append(("policies", 0, str(policies)))
        during += ingest.poll() is None
        for command in (
            ["audit", "seal", "--out", str(tmp_path / "seal.json")],
            ["export", "source_catalogue", "--out", str(tmp_path / "catalogue.csv")],
        ):
            result = runner.invoke(app, ["--store", url, *command])
            outcomes.append((" ".join(command[:2]), result.exit_code, result.output))
            during += ingest.poll() is None
    finally:
        stop.write_text("stop")
        output, _ = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, output
    for name, code, text in outcomes:
        assert code == 0 and "locked" not in text, f"{name}: {text}"
    # Every one of them ran while the ingest was still writing (else the test proves nothing).
    assert during == len(outcomes) == 13, during
    batches = int(output.strip().rsplit("batches=", 1)[1])
    with Store(url) as store, store.read() as tx:
        count = tx.execute("SELECT COUNT(*) FROM lif_source_index").fetchone()[0]
    assert count == batches * 100  # every batch the ingest committed is there, once
