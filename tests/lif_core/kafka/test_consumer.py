"""Inbound: topic messages go through the source's plugin and the ingestion pipeline, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import toy_source
from eventsourcing.utils import get_topic
from kafka import KafkaConsumer, TopicPartition
from kafka_broker import GROUP_TIMEOUTS, TestBroker, produce

from lif_core.domain import IngestionRun, SourceRecord
from lif_core.eventlog.store import Store
from lif_core.kafka import ConsumerSettings, TopicConsumer
from lif_core.privacy.vault import DataKeys

pytestmark = pytest.mark.kafka
LIF = str(Path(sys.executable).with_name("lif"))
HERE = Path(toy_source.__file__).resolve().parent


def reading(key: str, value: int, day: str = "2024-03-01") -> bytes:
    return json.dumps({"key": key, "value": value, "day": day}).encode()


def consumer_settings(broker: TestBroker, topic: str, **overrides: Any) -> ConsumerSettings:
    options: dict[str, Any] = {"group": f"g-{topic}", "idle_timeout": 1.0, **GROUP_TIMEOUTS}
    options.update(overrides)
    return ConsumerSettings(topic=topic, bootstrap=broker.bootstrap, **options)


def events_of(store: Store, cls: type[Any]) -> list[Any]:
    topic = get_topic(cls)
    return [store.decode(n) for n in store.iter_notifications() if n.topic == topic]


def committed(broker: TestBroker, topic: str, group: str, partition: int = 0) -> int | None:
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=group)
    try:
        offset: int | None = consumer.committed(TopicPartition(topic, partition))
        return offset
    finally:
        consumer.close()


def test_messages_are_recorded_once_and_malformed_ones_kept(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    messages: list[bytes | None] = [reading(f"k{i}", i) for i in range(12)]
    bad = {3: b"this is not JSON", 7: b"[1, 2, 3]", 9: b"\xff\xfe{", 11: None}
    for offset, value in sorted(bad.items()):
        messages.insert(offset, value)
    messages.append(reading("k0", 100))  # a later message revises k0
    messages.append(json.dumps({"key": "k99", "day": "2024-03-01"}).encode())  # no value
    produce(kafka_broker.bootstrap, topic, messages)
    store = Store(f"sqlite:///{tmp_path}/lif.db")
    settings = consumer_settings(kafka_broker, topic, max_messages=len(messages))

    report = TopicConsumer(store, toy, settings).run()

    assert report.messages == len(messages)
    assert report.counts["recorded"] == 12 and report.counts["revised"] == 1
    assert report.counts["rejected"] == len(bad) + 1
    recorded = events_of(store, SourceRecord.Recorded)
    assert sorted(e.record_key for e in recorded) == sorted(f"k{i}" for i in range(12))
    for event in recorded:
        locator = event.provenance["locator"]
        assert locator["topic"] == topic and locator["partition"] == 0
        assert messages[locator["offset"]] == reading(event.record_key, event.attributes["value"])
        assert event.provenance["kafka_group"] == settings.group
    [revised] = events_of(store, SourceRecord.Revised)
    assert revised.attributes["value"] == 100 and revised.changes["value"]["to"] == 100
    rejected = {e.locator["offset"]: e for e in events_of(store, IngestionRun.RecordRejected)}
    assert set(rejected) == {*bad, len(messages) - 1}
    assert all(
        e.locator["topic"] == topic and e.locator["partition"] == 0 for e in rejected.values()
    )
    keys = DataKeys(store)  # a rejection's reasons and raw copy are sealed with its run's key
    assert "not JSON" in keys.open(rejected[3].reasons)[0] and keys.open(rejected[3].raw) == {
        "message": "this is not JSON"
    }
    assert "expected a JSON object" in keys.open(rejected[7].reasons)[0]
    assert "message_base64" in keys.open(rejected[9].raw)
    assert "empty" in keys.open(rejected[11].reasons)[0]
    assert "value" in keys.open(rejected[len(messages) - 1].reasons)[0]
    assert committed(kafka_broker, topic, settings.group) == len(messages)
    store.close()


def test_a_file_reference_is_ingested_whole_with_its_message_as_provenance(
    kafka_broker: TestBroker, topic: str, tmp_path: Path, toy: Any
) -> None:
    export = tmp_path / "readings.jsonl"
    export.write_text("".join(reading(f"f{i}", i).decode() + "\n" for i in range(3)))
    messages: list[bytes | None] = [
        json.dumps({"file": str(export)}).encode(),
        json.dumps({"file": str(tmp_path / "missing.jsonl")}).encode(),
        reading("m1", 1),
    ]
    produce(kafka_broker.bootstrap, topic, messages)
    store = Store(f"sqlite:///{tmp_path}/lif.db")

    report = TopicConsumer(store, toy, consumer_settings(kafka_broker, topic)).run()

    assert (report.messages, report.files) == (3, 2)
    by_key = {e.record_key: e for e in events_of(store, SourceRecord.Recorded)}
    assert sorted(by_key) == ["f0", "f1", "f2", "m1"]
    from_file = by_key["f1"].provenance
    assert from_file["origin"] == str(export.resolve()) and from_file["locator"] == {"line": 2}
    assert from_file["kafka"] == {"topic": topic, "partition": 0, "offset": 0}
    [missing] = events_of(store, IngestionRun.RecordRejected)
    assert missing.locator == {"topic": topic, "partition": 0, "offset": 1}
    assert "missing.jsonl" in DataKeys(store).open(missing.reasons)[0]
    store.close()


_CRASH_BETWEEN_STORE_AND_COMMIT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {here!r})
    import toy_source
    from lif_core.kafka import ConsumerSettings, TopicConsumer
    from lif_core.plugins.host import load_plugins
    from lif_core.eventlog.store import Store

    class CrashBeforeCommit(TopicConsumer):
        def commit(self, offsets):
            os.kill(os.getpid(), signal.SIGKILL)

    loaded = load_plugins(modules=[toy_source], entry_point_list=[]).get("toy-readings")
    settings = ConsumerSettings(
        topic={topic!r}, bootstrap={bootstrap!r}, group={group!r},
        session_timeout_ms=6000, heartbeat_interval_ms=1000,
    )
    CrashBeforeCommit(Store({url!r}), loaded, settings).run()
    """
)


def test_a_consumer_killed_between_store_and_commit_writes_nothing_twice(
    kafka_broker: TestBroker, topic: str, pg_url: str, toy: Any
) -> None:
    store_url = pg_url  # the production store
    messages: list[bytes | None] = [reading(f"k{i}", i) for i in range(40)]
    messages.insert(20, b"{broken")
    produce(kafka_broker.bootstrap, topic, messages)
    group = f"g-{topic}"
    script = _CRASH_BETWEEN_STORE_AND_COMMIT.format(
        here=str(HERE), topic=topic, bootstrap=kafka_broker.bootstrap, group=group, url=store_url
    )

    crashed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )

    assert crashed.returncode == -9, crashed.stderr
    store = Store(store_url)
    stored_before = len(events_of(store, SourceRecord.Recorded))
    assert stored_before > 0, "the consumer died before it stored anything"
    assert committed(kafka_broker, topic, group) is None

    report = TopicConsumer(
        store, toy, consumer_settings(kafka_broker, topic, group=group, max_messages=41)
    ).run()

    assert report.messages == 41  # everything was read again: nothing had been committed
    assert report.counts["unchanged"] == stored_before
    keys = Counter(e.record_key for e in events_of(store, SourceRecord.Recorded))
    assert keys == Counter(f"k{i}" for i in range(40))  # each record once
    assert not events_of(store, SourceRecord.Revised)
    broken = [e.locator["offset"] for e in events_of(store, IngestionRun.RecordRejected)]
    assert set(broken) == {20}  # kept (again, by the run that re-read it)
    assert committed(kafka_broker, topic, group) == 41
    store.close()


def test_consume_command_uses_an_installed_plugin(
    kafka_broker: TestBroker, topic: str, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    dist = site / "lif_toy_readings-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "toy_source.py").write_text((HERE / "toy_source.py").read_text())
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: lif-toy-readings\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[lif.ingestors]\ntoy-readings = toy_source\n")
    produce(kafka_broker.bootstrap, topic, [reading("a", 1), b"oops", reading("b", 2)])
    url = f"sqlite:///{tmp_path}/lif.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "LIF_PLUGINS_THIRD_PARTY": "1",
        "LIF_STORE": url,
        "LIF_KAFKA_BOOTSTRAP": kafka_broker.bootstrap,
    }

    result = subprocess.run(
        [
            LIF,
            "kafka",
            "consume",
            "toy-readings",
            "--topic",
            topic,
            "--max-messages",
            "3",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["messages"] == 3 and summary["group"] == "lif-ingest-toy-readings"
    assert summary["counts"]["recorded"] == 2 and summary["counts"]["rejected"] == 1
    with Store(url) as store:
        [event] = [e for e in events_of(store, SourceRecord.Recorded) if e.record_key == "b"]
        assert event.actor == "plugin:toy-readings@0.1"
        assert event.provenance["locator"] == {"topic": topic, "partition": 0, "offset": 2}


def test_consume_command_names_an_unknown_source(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lif_app.cli.app import app

    result = CliRunner().invoke(
        app,
        [
            *("--store", f"sqlite:///{tmp_path}/lif.db", "kafka", "consume", "no-such-source"),
            *("--topic", "x", "--bootstrap", "127.0.0.1:9"),
        ],
    )
    assert result.exit_code == 1 and "no source named 'no-such-source'" in result.output
