"""The production shape running for real: docker-compose.yml's services as processes.

``scripts/prod-local.sh`` (the script a person uses) starts, from compose's own files and
environment, on this machine's PostgreSQL (two databases of the test's own) and the Kafka-protocol
test broker: ``dagster code-server``, ``dagster-webserver``, ``dagster-daemon`` on dagster-postgres
storage with the queued run coordinator, and ``lif kafka publish --follow``. Nobody clicks: files
dropped in inboxes are picked up by the daemon's sensors, runs are queued and launched, the
projections follow, the relay publishes, and a consumer outside the platform reads the topic.
Followers run side by side; the daemon, the code server and the relay are each killed with
SIGKILL mid-flow and restarted, and the flow completes with nothing lost and nothing duplicated;
and mistakes in copies of deploy/ must stop the start. The tests of the flow share one started
topology (module-scoped): each checks the whole log, the whole topic and every run, whatever the
tests before it left there.

A part that cannot start fails the test (the script exits non-zero and says which); never a skip.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.request import Request, urlopen

import pytest
from kafka_broker import GROUP_TIMEOUTS, read_topic

from lif_core.eventlog.store import Store
from lif_core.ingestion.samples import sample_inputs
from lif_core.kafka.envelope import encode_envelopes
from lif_core.plugins.host import load_plugins
from projections import ALL, TABLES, context_for, projected_position, table_checksums
from projections.engine import checksum, run_projections

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "prod-local.sh"
LIF = str(REPO / ".venv" / "bin" / "lif")
TOPIC = "lif.events"
IN_FLIGHT = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED"}
T = TypeVar("T")


def wait_for(what: str, condition: Callable[[], T | None], timeout: float = 240.0) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"waited {timeout:.0f} s for {what}; last seen: {last!r}")


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (killed, not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Topology:
    """One prod-local state folder: run the script, read its pids, ask Dagster and the store."""

    def __init__(self, root: Path, **extra: str) -> None:
        self.state = root / "state"
        self.prefix = f"lif_sys_{uuid.uuid4().hex[:10]}"
        self.env = {
            **os.environ,
            "LIF_PROD_LOCAL_DIR": str(self.state),
            "LIF_PROD_LOCAL_PREFIX": self.prefix,
            "LIF_PROD_LOCAL_TIMEOUT": "240",
            # Sensors every 2 s instead of 30, so the flow takes seconds, not minutes.
            "LIF_SENSOR_INTERVAL": "2",
            "LIF_PLUGINS_THIRD_PARTY": "0",
            **extra,
        }

    def script(self, *args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(SCRIPT), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, *services: str) -> None:
        done = self.script("start", *services)
        if done.returncode != 0:
            pytest.fail(
                f"prod-local.sh start {' '.join(services)} failed:\n{done.stdout}\n{done.stderr}"
            )

    @property
    def info(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.state / "prod-local.json").read_text())
        return data

    @property
    def service_env(self) -> dict[str, str]:
        return {**self.env, **self.info["env"]}

    @property
    def inbox(self) -> Path:
        return Path(self.info["env"]["LIF_HOME"]) / "inbox"

    def pid(self, service: str) -> int:
        return int((self.state / "pids" / f"{service}.pid").read_text())

    def kill(self, service: str) -> None:
        """SIGKILL the service's process, as a crash would, and wait until it is gone."""
        pid = self.pid(service)
        os.kill(pid, signal.SIGKILL)
        wait_for(f"{service} ({pid}) to die", lambda: not alive(pid), 30)

    def drop(self, source: str, path: Path) -> Path:
        folder = self.inbox / source
        folder.mkdir(parents=True, exist_ok=True)
        # Written under a hidden name, then renamed: the sensor never sees half a file.
        hidden = folder / f".{path.name}.part"
        shutil.copy(path, hidden)
        target = folder / path.name
        hidden.rename(target)
        return target

    def graphql(self, query: str) -> dict[str, Any]:
        port = self.info["ports"]["webserver"]
        request = Request(
            f"http://127.0.0.1:{port}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urlopen(request, timeout=30) as response:
            data: dict[str, Any] = json.load(response)["data"]
        return data

    def runs(self) -> list[dict[str, Any]]:
        """Every run Dagster knows, from the webserver's GraphQL API (newest first)."""
        data = self.graphql(
            "{ runsOrError { ... on Runs { results { runId status jobName "
            "tags { key value } } } } }"
        )
        out = []
        for run in data["runsOrError"]["results"]:
            run["tags"] = {t["key"]: t["value"] for t in run["tags"]}
            out.append(run)
        return out

    def lif(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [LIF, *args],
            env=self.service_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def store(self) -> Store:
        return Store(self.info["env"]["LIF_STORE"])

    @property
    def bootstrap(self) -> str:
        return str(self.info["env"]["LIF_KAFKA_BOOTSTRAP"])

    def log_tail(self, service: str, lines: int = 30) -> str:
        text = (self.state / "logs" / f"{service}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    root = Path(tempfile.mkdtemp(prefix="lif-prod-local-"))
    top = Topology(root)
    try:
        top.start()
        yield top
    finally:
        top.script("purge", timeout=120)
        shutil.rmtree(root, ignore_errors=True)


# --- what the checks read ------------------------------------------------------------------


def log_event_ids(store: Store) -> list[str]:
    """Every event id in the log, in notification order (what the relay must publish)."""
    ids: list[str] = []
    after = 0
    while page := store.notifications(after + 1, 1000):
        ids += [json.loads(v)["event_id"] for v in encode_envelopes(store, page)]
        after = int(page[-1].id)
    return ids


def topic_event_ids(bootstrap: str, topic: str) -> list[str]:
    return [json.loads(r.value)["event_id"] for r in read_topic(bootstrap, topic)]


def file_of(run: dict[str, Any]) -> str:
    """The file an inbox sensor's run was for (its tag lif/inbox_file is SOURCE:FILE:SIZE:MTIME)."""
    key = run["tags"].get("lif/inbox_file", "")
    return key.split(":")[1] if key else ""


def at_rest(top: Topology, names: set[str]) -> list[dict[str, Any]] | None:
    """The runs, once each named file has a successful run and no run is in flight."""
    runs = top.runs()
    if any(r["status"] in IN_FLIGHT for r in runs):
        return None
    done = {file_of(r) for r in runs if r["status"] == "SUCCESS"}
    return runs if names <= done else None


def followers_caught_up(top: Topology, topics: list[str]) -> bool:
    with top.store() as store:
        head = store.max_notification_id()
        projected = projected_position(store)
    status = json.loads(top.lif("kafka", "status", "--json").stdout)
    positions = {row["topic"]: row["position"] for row in status}
    return projected == head and all(positions.get(t) == head for t in topics)


# --- the tests -----------------------------------------------------------------------------


def test_a_file_in_an_inbox_reaches_a_consumer_outside_the_platform(topology: Topology) -> None:
    from kafka import KafkaConsumer

    plans = sample_inputs(load_plugins().get("action-plans").source)
    topology.drop("action-plans", plans[0])

    def ingested() -> list[dict[str, Any]] | None:
        runs = topology.runs()
        mine = [r for r in runs if plans[0].name in r["tags"].get("dagster/run_key", "")]
        return mine if mine and all(r["status"] == "SUCCESS" for r in mine) else None

    # The daemon's sensor saw the file and queued one run, which the coordinator launched.
    [run] = wait_for("the inbox sensor's run to succeed", ingested)
    assert run["jobName"] == "ingest_action_plans"
    assert run["tags"]["dagster/sensor_name"] == "inbox_action_plans"
    # The projections follow the log by themselves (the follow sensor), and so does the relay.
    wait_for(
        "the refresh to succeed and the projections and the relay to reach the log's head",
        lambda: at_rest(topology, {plans[0].name}) and followers_caught_up(topology, [TOPIC]),
    )
    runs = topology.runs()
    refreshes = [r for r in runs if r["jobName"] == "refresh_projections"]
    assert refreshes and all(r["status"] == "SUCCESS" for r in refreshes), refreshes
    assert all(r["tags"]["dagster/sensor_name"] == "projections_follow_log" for r in refreshes)
    with topology.store() as store:
        expected = log_event_ids(store)
        tables = table_checksums(store)
    # One file: its ingestion run, its six records, what the policies made of them.
    assert len(expected) > 7
    assert tables["action_status"]["rows"] > 0
    # A consumer outside the platform, in a group of its own, reads every event once.
    consumer = KafkaConsumer(
        TOPIC,
        bootstrap_servers=topology.bootstrap,
        group_id=f"outside-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **GROUP_TIMEOUTS,
    )
    received: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while len(received) < len(expected) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                received += [json.loads(r.value)["event_id"] for r in batch]
    finally:
        consumer.close()
    assert sorted(received) == sorted(expected)


def test_two_relays_and_two_projection_runners_side_by_side_equal_a_rebuild(
    topology: Topology, tmp_path: Path
) -> None:
    env = topology.service_env
    second_topic = "lif.partner-copy"
    relay = subprocess.Popen(
        [LIF, "kafka", "publish", "--topic", second_topic, "--follow"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "relay2.log").open("wb"),
        start_new_session=True,
    )
    stop = tmp_path / "stop"
    # Each runner projects over and over until told to stop, then once more.
    loop = f'until [ -e "{stop}" ]; do "{LIF}" project --json > /dev/null || exit 1; done; "{LIF}" project --json > /dev/null'
    runners = [
        subprocess.Popen(
            ["bash", "-c", loop],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / f"runner{i}.log").open("wb"),
            start_new_session=True,
        )
        for i in (1, 2)
    ]
    try:
        plugins = load_plugins()
        # Ingestion meanwhile, file by file (each its own transaction), from the CLI.
        for source in ("complaints", "trust-board", "learning-development", "cqc"):
            for path in sample_inputs(plugins.get(source).source):
                done = topology.lif("ingest", source, str(path))
                assert done.returncode == 0, done.stdout + done.stderr
        stop.touch()
        for i, runner in enumerate(runners, 1):
            assert runner.wait(timeout=240) == 0, (tmp_path / f"runner{i}.log").read_text()
        wait_for(
            "both relays and the projections to reach the log's head",
            lambda: followers_caught_up(topology, [TOPIC, second_topic]),
        )
    finally:
        for process in (relay, *runners):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
    with topology.store() as store:
        expected = set(log_event_ids(store))
        stored = table_checksums(store)
        positions = {s["position"] for s in stored.values()}
        assert positions == {store.max_notification_id()}
        reference = date.fromisoformat(next(iter(stored.values()))["reference_date"])
        with Store(f"sqlite:///{tmp_path / 'rebuild.db'}") as target:
            rebuilt = run_projections(store, ALL, context_for(reference), target=target).tables
        for table, spec in TABLES.items():
            names = [c.name for c in spec.columns]
            with store.read() as tx:
                rows = tx.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
            actual = checksum([dict(zip(names, r, strict=True)) for r in rows], spec)
            assert actual == stored[table]["checksum"] == rebuilt[table]["checksum"], table
    for topic in (TOPIC, second_topic):
        assert set(topic_event_ids(topology.bootstrap, topic)) == expected, topic


def in_flight_for(top: Topology, names: set[str]) -> list[dict[str, Any]]:
    return [r for r in top.runs() if file_of(r) in names and r["status"] in IN_FLIGHT]


def completed_ingestions(store: Store) -> Counter[str]:
    """sha256 of each file -> how many ingestion runs of it completed, read from the log."""
    sha_of: dict[str, str] = {}
    completed: list[str] = []
    after = 0
    while page := store.notifications(after + 1, 1000):
        for value in encode_envelopes(store, page):
            envelope = json.loads(value)
            if envelope["type"] == "IngestionRun.Started":
                sha_of[envelope["stream_id"]] = envelope["data"]["origin_sha256"]
            elif envelope["type"] == "IngestionRun.Completed":
                completed.append(envelope["stream_id"])
        after = int(page[-1].id)
    return Counter(sha_of[stream] for stream in completed)


def test_the_flow_survives_sigkill_of_the_daemon_the_code_server_and_the_relay(
    topology: Topology,
) -> None:
    plugins = load_plugins()

    def samples(source: str) -> list[Path]:
        return sample_inputs(plugins.get(source).source)

    dropped: dict[str, Path] = {}

    def drop(source: str, path: Path) -> None:
        dropped[path.name] = topology.drop(source, path)

    # 1. The daemon, once its sensor has queued or launched a run for a new file.
    for path in samples("practitioner-survey"):
        drop("practitioner-survey", path)
    wait_for(
        "a run for the practitioner surveys",
        lambda: in_flight_for(topology, {p.name for p in samples("practitioner-survey")}),
    )
    topology.kill("daemon")
    topology.start("daemon")

    # 2. The code server, while runs are queued, starting or running in it.
    batch = {
        "ofsted-schools": samples("ofsted-schools"),
        "ofsted-early-years": samples("ofsted-early-years"),
        "school-health-survey": samples("school-health-survey"),
    }
    for source, paths in batch.items():
        for path in paths:
            drop(source, path)
    wait_for(
        "runs for the second batch",
        lambda: in_flight_for(topology, {p.name for ps in batch.values() for p in ps}),
    )
    topology.kill("code")
    topology.start("code")

    # 3. The relay, while runs for new files are in flight (its own kill mid-round, between
    # the broker's acknowledgement and its position commit, is tests/lif_core/kafka's).
    third = {source: samples(source) for source in ("section-11", "section-175", "website-stats")}
    for source, paths in third.items():
        for path in paths:
            drop(source, path)
    wait_for(
        "runs for the third batch",
        lambda: in_flight_for(topology, {p.name for ps in third.values() for p in ps}),
    )
    topology.kill("relay")
    topology.start("relay")

    # Everything completes by itself: every file has a successful run, nothing is in flight,
    # and the projections and the relay are at the log's head.
    names = set(dropped)
    try:
        wait_for(
            "every dropped file ingested and the followers at the log's head",
            lambda: at_rest(topology, names) and followers_caught_up(topology, [TOPIC]),
            timeout=420,
        )
    except pytest.fail.Exception as exc:
        runs = [(r["jobName"], r["status"], file_of(r)) for r in topology.runs()]
        logs = "\n".join(f"--- {s}:\n{topology.log_tail(s)}" for s in ("daemon", "code"))
        pytest.fail(f"{exc}\nruns: {runs}\n{logs}")

    # Nothing duplicated, by run in Dagster: one successful run per file.
    runs = topology.runs()
    successes = Counter(file_of(r) for r in runs if r["status"] == "SUCCESS" and file_of(r))
    assert {name: successes[name] for name in names} == dict.fromkeys(names, 1)
    # By record in the store: each file's ingestion completed once, and the store knows each.
    digests = {
        name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in dropped.items()
    }
    with topology.store() as store:
        completed = completed_ingestions(store)
        expected = log_event_ids(store)
        with store.read() as tx:
            ingested = {
                row[0] for row in tx.execute("SELECT origin_sha256 FROM lif_ingested").fetchall()
            }
    assert {name: completed[d] for name, d in digests.items()} == dict.fromkeys(names, 1)
    assert set(digests.values()) <= ingested
    # By event id on the topic: every event of the log exactly once.
    on_topic = topic_event_ids(topology.bootstrap, TOPIC)
    assert len(on_topic) == len(set(on_topic)), "an event was published twice"
    assert set(on_topic) == set(expected)
    # The hash chains and the Merkle tree hold.
    verified = topology.lif("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


# --- a mistake in deploy/ must stop the start ------------------------------------------------


def _wrong_storage_key(deploy: Path, compose: Path) -> None:
    path = deploy / "dagster.yaml"
    text = path.read_text()
    assert "    postgres_db:" in text
    path.write_text(text.replace("    postgres_db:", "    postgres_database:"))


def _wrong_workspace_host(deploy: Path, compose: Path) -> None:
    path = deploy / "workspace.yaml"
    text = path.read_text()
    assert "host: dagster-code" in text
    path.write_text(text.replace("host: dagster-code", "host: dagster-code-server"))


def _wrong_code_module(deploy: Path, compose: Path) -> None:
    text = compose.read_text()
    assert '"-m", "dagster_project.definitions"' in text
    compose.write_text(
        text.replace('"dagster_project.definitions"', '"dagster_project.defintions"')
    )


@pytest.mark.parametrize(
    ("mistake", "says"),
    [
        (_wrong_storage_key, "dagster instance migrate failed"),
        (_wrong_workspace_host, "cannot load the code location"),
        (_wrong_code_module, "No module named 'dagster_project.defintions'"),
    ],
    ids=["storage-key", "workspace-host", "code-module"],
)
def test_a_mistake_in_the_deploy_files_stops_the_start(
    tmp_path: Path, mistake: Callable[[Path, Path], None], says: str
) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(REPO / "deploy", deploy)
    compose = tmp_path / "docker-compose.yml"
    shutil.copy(REPO / "docker-compose.yml", compose)
    mistake(deploy, compose)
    top = Topology(tmp_path, LIF_DEPLOY_DIR=str(deploy), LIF_COMPOSE_FILE=str(compose))
    try:
        done = top.script("start")
        assert done.returncode != 0, done.stdout
        assert says in done.stderr, done.stderr
        # Nothing is left running after a failed start.
        assert not list((top.state / "pids").glob("*.pid"))
    finally:
        top.script("purge", timeout=120)
