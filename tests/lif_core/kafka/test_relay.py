"""The relay: every event of the log reaches the topic, in order per stream, at least once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import toy_source
from jsonschema import Draft202012Validator
from kafka_broker import TestBroker, read_topic
from typer.testing import CliRunner

from lif_core.eventlog.store import Store
from lif_core.kafka import ENVELOPE_SCHEMA, Relay, RelaySettings, relay_status

pytestmark = pytest.mark.kafka
LIF = str(Path(sys.executable).with_name("lif"))


def ids_in_store(store: Store, after: int = 0) -> list[int]:
    return [n.id for n in store.iter_notifications(after + 1)]


def delivered(records: list[Any]) -> dict[int, bytes]:
    """notification id -> envelope; a redelivered event must be byte-for-byte the same one."""
    out: dict[int, bytes] = {}
    for record in records:
        nid = json.loads(record.value)["notification_id"]
        assert out.setdefault(nid, record.value) == record.value, (
            f"event {nid} arrived twice with different content"
        )
    return out


def assert_order_per_stream(records: list[Any]) -> None:
    """Each stream lives in one partition, keyed by its id; its versions arrive in order
    (a redelivery repeats a version already seen, never skips ahead)."""
    partition_of: dict[str, int] = {}
    highest: dict[str, int] = {}
    for record in records:
        env = json.loads(record.value)
        stream = env["stream_id"]
        assert record.key == stream.encode()
        assert partition_of.setdefault(stream, record.partition) == record.partition
        version = env["version"]
        if stream in highest and version > highest[stream]:
            assert version == highest[stream] + 1, f"{stream}: v{version} after v{highest[stream]}"
        highest[stream] = max(version, highest.get(stream, 0))


def settings(broker: TestBroker, topic: str, **overrides: Any) -> RelaySettings:
    return RelaySettings(topic=topic, bootstrap=broker.bootstrap, **overrides)


def test_ten_thousand_events_arrive_in_order_per_stream(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    head = toy_source.fill(store, toy, keys=2000, rounds=5)
    assert head >= 10_000

    report = Relay(store, settings(kafka_broker, topic, partitions=4)).run()

    assert report.published == head and report.position == head
    records = read_topic(kafka_broker.bootstrap, topic)
    assert len(records) == head  # no failure happened, so no duplicate either
    assert sorted(delivered(records)) == ids_in_store(store)
    assert len({r.partition for r in records}) == 4
    assert_order_per_stream(records)
    validator = Draft202012Validator(ENVELOPE_SCHEMA)
    for record in records:
        envelope = json.loads(record.value)
        errors = list(validator.iter_errors(envelope))
        assert not errors, (envelope["notification_id"], errors[0].message)
    [status] = relay_status(store, topic)
    assert (status.position, status.head, status.pending) == (head, head, 0)
    assert status.seconds_since_last_publish is not None
    store.close()


def test_publishing_again_sends_only_new_events(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    first = toy_source.fill(store, toy, keys=50, rounds=1)
    assert Relay(store, settings(kafka_broker, topic)).run().published == first
    assert Relay(store, settings(kafka_broker, topic)).run().published == 0
    head = toy_source.fill(store, toy, keys=60, rounds=1)  # 10 new keys, 50 unchanged

    report = Relay(store, settings(kafka_broker, topic)).run()

    assert report.published == head - first
    records = read_topic(kafka_broker.bootstrap, topic)
    assert sorted(delivered(records)) == ids_in_store(store) and len(records) == head
    store.close()


def test_killed_relay_resumes_and_loses_nothing(
    kafka_broker: TestBroker, topic: str, store_url: str, toy: Any
) -> None:
    with Store(store_url) as filling:
        head = toy_source.fill(filling, toy, keys=2000, rounds=5)
    env = {**os.environ, "LIF_STORE": store_url}
    relay = subprocess.Popen(
        [
            *(LIF, "kafka", "publish", "--topic", topic),
            *("--bootstrap", kafka_broker.bootstrap, "--batch", "200", "--follow"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    store = Store(store_url)
    watcher = Relay(store, settings(kafka_broker, topic))
    try:
        deadline = time.monotonic() + 60
        while watcher.position() == 0:
            assert relay.poll() is None, relay.stderr.read() if relay.stderr else ""
            assert time.monotonic() < deadline, "the relay never moved its position"
            time.sleep(0.005)
        relay.send_signal(signal.SIGKILL)
    finally:
        relay.kill()
        relay.wait()
    assert relay.returncode == -signal.SIGKILL
    killed_at = watcher.position()
    assert 0 < killed_at < head, "the relay finished before it could be killed part-way"

    report = Relay(store, settings(kafka_broker, topic)).run()
    assert report.position == head
    expected = ids_in_store(store)
    store.close()

    records = read_topic(kafka_broker.bootstrap, topic)
    assert sorted(delivered(records)) == expected
    # The round in flight at the kill was acknowledged in part or whole but not committed: the
    # restarted relay read what the topic's partitions hold and sent none of it again.
    assert len(records) == head
    assert_order_per_stream(records)


def test_a_relay_behind_the_topic_sends_nothing_the_topic_already_holds(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    """As after a crash between the broker's acknowledgement and the position commit."""
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    first = toy_source.fill(store, toy, keys=300, rounds=2)
    assert Relay(store, settings(kafka_broker, topic, partitions=3)).run().published == first
    # The position falls back 250 events, as if the last rounds' commits never happened.
    with store.transaction() as tx:
        tx.execute(
            "UPDATE lif_tracking SET position = ? WHERE name = ?", (first - 250, f"relay:{topic}")
        )
    head = toy_source.fill(store, toy, keys=340, rounds=1)  # 40 new keys: new events

    report = Relay(store, settings(kafka_broker, topic, partitions=3, batch=100)).run()

    # 250 already on the topic are skipped; only the events after the first fill are sent.
    assert report.already_on_topic == 250
    assert report.published == head - first
    assert report.position == head
    records = read_topic(kafka_broker.bootstrap, topic)
    assert len(records) == head
    assert sorted(delivered(records)) == ids_in_store(store)
    assert_order_per_stream(records)
    store.close()


def test_relay_resumes_after_the_broker_restarts(
    own_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    toy_source.fill(store, toy, keys=1000, rounds=4)
    relay = Relay(
        store,
        settings(
            own_broker,
            topic,
            batch=500,
            request_timeout_ms=1500,
            delivery_timeout_ms=3000,
            retry_backoff_max=0.5,
        ),
    )
    stop = threading.Event()
    outcome: dict[str, Any] = {}

    def follow() -> None:
        try:
            outcome["report"] = relay.run(follow=True, stop=stop)
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while relay.position() == 0:
            assert time.monotonic() < deadline and thread.is_alive(), outcome
            time.sleep(0.005)
        own_broker.stop(kill=True)
        # Events recorded while the broker is down are published once it is back.
        toy_source.fill(store, toy, keys=1200, rounds=1)
        while relay.broker_failures == 0:
            assert time.monotonic() < deadline and thread.is_alive(), outcome
            time.sleep(0.01)
        # Rounds acknowledged before the crash are committed before the first failure is
        # counted; none can be acknowledged after it. The memory broker lost them all.
        lost_with_broker = relay.position()
        head = store.max_notification_id()
        assert lost_with_broker < head
        own_broker.start()
        while relay.position() < head:
            assert time.monotonic() < deadline + 60 and thread.is_alive(), outcome
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert "error" not in outcome, outcome
    assert outcome["report"].broker_failures >= 1

    records = read_topic(own_broker.bootstrap, topic)
    assert sorted(delivered(records)) == ids_in_store(store, after=lost_with_broker)
    assert_order_per_stream(records)
    store.close()


def test_status_and_publish_commands(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    from lif_app.cli.app import app

    url = f"sqlite:///{tmp_path}/lif.db"
    with Store(url) as store:
        head = toy_source.fill(store, toy, keys=30, rounds=2)
    runner = CliRunner()

    before = runner.invoke(app, ["--store", url, "kafka", "status", "--topic", topic, "--json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.output) == [
        {
            "topic": topic,
            "position": 0,
            "head": head,
            "pending": head,
            "last_published_at": None,
            "seconds_since_last_publish": None,
        }
    ]

    lagging = runner.invoke(
        app, ["--store", url, "kafka", "status", "--topic", topic, "--max-lag", "60"]
    )
    assert lagging.exit_code == 1 and "lagging" in lagging.output

    published = runner.invoke(
        app,
        [
            *("--store", url, "kafka", "publish", "--topic", topic),
            *("--bootstrap", kafka_broker.bootstrap, "--json"),
        ],
    )
    assert published.exit_code == 0, published.output
    assert json.loads(published.output)["published"] == head

    after = runner.invoke(app, ["--store", url, "kafka", "status", "--json"])
    [row] = json.loads(after.output)
    assert (row["topic"], row["position"], row["pending"]) == (topic, head, 0)
    assert row["last_published_at"] and row["seconds_since_last_publish"] >= 0
    healthy = runner.invoke(app, ["--store", url, "kafka", "status", "--max-lag", "60"])
    assert healthy.exit_code == 0, healthy.output
    text = runner.invoke(app, ["--store", url, "kafka", "status"])
    assert f"│ {head} " in text.output and "s ago" in text.output


def test_publish_without_a_broker_address_says_how_to_give_one(tmp_path: Path) -> None:
    from lif_app.cli.app import app

    result = CliRunner().invoke(
        app,
        ["--store", f"sqlite:///{tmp_path}/lif.db", "kafka", "publish"],
        env={"LIF_KAFKA_BOOTSTRAP": ""},
    )
    assert result.exit_code == 2
    assert "--bootstrap" in result.output and "LIF_KAFKA_BOOTSTRAP" in result.output


def test_an_unreachable_broker_stops_a_one_shot_publish_with_its_position(
    tmp_path: Path, toy: Any
) -> None:
    from kafka_broker import free_port

    store = Store(f"sqlite:///{tmp_path}/lif.db")
    toy_source.fill(store, toy, keys=5, rounds=1)
    relay = Relay(
        store,
        RelaySettings(
            topic="lif.events",
            bootstrap=f"127.0.0.1:{free_port()}",
            request_timeout_ms=300,
            give_up_after=1.0,
            retry_backoff_max=0.2,
        ),
    )
    from lif_core.kafka import BrokerError

    with pytest.raises(BrokerError, match="stopped at position 0: run it again"):
        relay.run()
    assert relay.position() == 0
    store.close()


def test_relays_on_different_topics_keep_their_own_positions(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    head = toy_source.fill(store, toy, keys=20, rounds=1)
    Relay(store, settings(kafka_broker, topic)).run()
    positions = {s.topic: s.position for s in relay_status(store)}
    assert positions == {topic: head}
    assert relay_status(store, topic + ".other")[0].position == 0
    seen: defaultdict[str, int] = defaultdict(int)
    for record in read_topic(kafka_broker.bootstrap, topic):
        seen[json.loads(record.value)["stream_type"]] += 1
    assert seen == {"SourceRecord": 20, "IngestionRun": 2}
    store.close()
