#!/usr/bin/env bash
# `make dev`: the Dagster UI on 127.0.0.1:3000 over this project's definitions, telemetry off.
# Started with job control (set -m) so that Ctrl-C / SIGTERM reach dagster dev and its children.
set -euo pipefail
set -m
cd "$(dirname "$0")/.."
export LIF_HOME="${LIF_HOME:-$PWD/.lif}"
export DAGSTER_HOME="${DAGSTER_HOME:-$LIF_HOME/dagster}"
mkdir -p "$DAGSTER_HOME"
[ -f "$DAGSTER_HOME/dagster.yaml" ] || printf 'telemetry:\n  enabled: false\n' > "$DAGSTER_HOME/dagster.yaml"
.venv/bin/dagster dev -m dagster_project.definitions -h 127.0.0.1 -p "${DAGSTER_PORT:-3000}" &
pid=$!
trap 'kill -TERM -- -$pid 2>/dev/null || true; wait $pid 2>/dev/null || true' INT TERM EXIT
wait $pid
