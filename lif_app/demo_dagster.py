"""The demo's Dagster runs: the flow driven from outside, as a deployment drives it, its log kept
back unless a step fails."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from lif_core.config import lif_home

__all__ = ["RUNNING", "materialize", "prepare_dagster_home"]

log = logging.getLogger(__name__)


def prepare_dagster_home() -> None:
    """``$LIF_HOME/dagster`` as DAGSTER_HOME (unless one is set), with telemetry off."""
    home = lif_home() / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    os.environ.setdefault("DAGSTER_HOME", str(home))


RUNNING = (
    "Dagster's asset job is running (half a minute or so on a laptop; its own log is shown only "
    "if a step fails)..."
)


def materialize(url: str, sources: Sequence[str] = ()) -> bool:
    """Run the Dagster flow (every sample, or only ``sources``' -> policies -> projections) as
    its own process.

    The demo drives Dagster the way a deployment does, from outside: the apps never import the
    Dagster definitions (docs/design.md, the layers). Dagster's own log of the run (some 450
    DEBUG lines a run) is kept back while the run succeeds, so the demo's tables are not buried
    under it (the demo prints what the run did); when the run fails it is shown whole, after the
    failed steps' names.
    """
    done = subprocess.run(
        [sys.executable, "-m", "dagster_project.run", "--store", url]
        + [f"--source={name}" for name in sources],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    try:
        outcome: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        outcome = {}
    ok = bool(outcome.get("success")) and done.returncode == 0
    if not ok:
        failed = outcome.get("failed_steps") or ["the run did not report"]
        log.error(
            "Dagster steps failed: %s (exit code %s). Dagster's log of the run:\n%s",
            ", ".join(map(str, failed)),
            done.returncode,
            done.stderr.rstrip(),
        )
    return ok
