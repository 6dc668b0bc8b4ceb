#!/usr/bin/env bash
# `make dev`: the Dagster UI on 127.0.0.1:3000 over this project's definitions, telemetry off.
# Started with job control (set -m) so that Ctrl-C / SIGTERM reach dagster dev and its children.
set -euo pipefail
set -m
cd "$(dirname "$0")/.."
# LIF_HOME holds the default store (lif.db, unless LIF_STORE is set) and the key file (kek.key),
# as for `make demo` and every `lif` command run from this folder.
export LIF_HOME="${LIF_HOME:-$PWD/.lif}"
export DAGSTER_HOME="${DAGSTER_HOME:-$LIF_HOME/dagster}"
mkdir -p "$DAGSTER_HOME"
[ -f "$DAGSTER_HOME/dagster.yaml" ] || printf 'telemetry:\n  enabled: false\n' > "$DAGSTER_HOME/dagster.yaml"
.venv/bin/dagster dev -m dagster_project.definitions -h 127.0.0.1 -p "${DAGSTER_PORT:-3000}" &
pid=$!
stop() {
  # dagster dev shuts its children down on SIGINT; give it 15 s, then end the whole group.
  kill -INT -- "-$pid" 2>/dev/null || true
  for _ in $(seq 1 15); do kill -0 "$pid" 2>/dev/null || return 0; sleep 1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
}
trap stop INT TERM EXIT
wait "$pid"
