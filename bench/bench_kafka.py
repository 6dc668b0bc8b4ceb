"""Kafka in and out: relay events/s and inbound records/s, beside the raw kafka-python client.

Against the test broker (Tansu, memory storage, started here; or ``LIF_BENCH_KAFKA_BOOTSTRAP``).
The raw producer sends the very messages the relay sends (same keys, same envelopes, same
settings: acks=all, idempotent, linger 20 ms, 256 KiB batches) in the same run; the raw consumer
reads the inbound topic without storing anything.

Floor: the relay publishes at least half the raw producer's rate.

Sizes: ``LIF_BENCH_KAFKA_EVENTS`` (default 50,000 events in streams of 5) and
``LIF_BENCH_KAFKA_MESSAGES`` (default 20,000 inbound records).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from pydantic import BaseModel, Field

from lif_core.eventlog.store import Store
from lif_core.ingestion import Origin, ingest_rows
from lif_core.kafka import ConsumerSettings, Relay, RelaySettings, TopicConsumer
from lif_core.kafka.envelope import encode_envelopes, stream_key
from lif_core.plugins import Emit, InputOptions, RecordKind, Row, Source, ValidTime, hookimpl
from lif_core.plugins.host import LoadedSource, load_plugins

REPO = Path(__file__).resolve().parents[1]
EVENTS = int(os.environ.get("LIF_BENCH_KAFKA_EVENTS", "50000"))
MESSAGES = int(os.environ.get("LIF_BENCH_KAFKA_MESSAGES", "20000"))
PARTITIONS = 6
FLOOR = 0.5
ROUNDS = 2
PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 20, "batch_size": 256 * 1024}


# --- a small source of readings, declared here so the bench needs no installed plugin ----------


class Reading(BaseModel):
    key: str = Field(description="The reading's key.")
    value: int = Field(description="The value read.")
    day: date = Field(description="The day the reading is about.")


def _map_row(row: Row) -> Iterator[Emit]:
    yield Emit("reading", dict(row.values))


@hookimpl
def register_sources(register: Any) -> None:
    register(
        Source(
            name="bench-readings",
            title="Bench readings",
            provider="bench",
            kinds=(
                RecordKind(
                    name="reading",
                    model=Reading,
                    key=lambda r: r.key,
                    valid_time=lambda r: ValidTime(r.day),
                ),
            ),
            inputs=InputOptions(formats=("jsonl",)),
            map_row=_map_row,
        )
    )


def _source() -> LoadedSource:
    return load_plugins(modules=[sys.modules[__name__]], entry_point_list=[]).get("bench-readings")


# --- the broker -------------------------------------------------------------------------------


@contextlib.contextmanager
def _broker(workdir: Path) -> Iterator[str]:
    given = os.environ.get("LIF_BENCH_KAFKA_BOOTSTRAP")
    if given:
        yield given
        return
    # The test broker lives with the shared test helpers (and imports one of them).
    support = str(REPO / "tests" / "support")
    if support not in sys.path:
        sys.path.insert(0, support)
    module = importlib.import_module("kafka_broker")
    with module.running_broker(workdir) as broker:
        yield broker.bootstrap


def _topic(bootstrap: str, name: str, partitions: int = PARTITIONS) -> str:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(name, partitions, -1)])
    finally:
        admin.close()
    return name


# --- outbound ---------------------------------------------------------------------------------


def _fill(store: Store, loaded: LoadedSource, events: int) -> int:
    keys = max(1, events // 5)
    for value in range(5):
        rows = [
            Row(
                values={"key": f"k{i}", "value": value, "day": "2024-01-01"},
                raw={},
                locator={"line": i + 1},
                origin="bench.jsonl",
            )
            for i in range(keys)
        ]
        ingest_rows(store, loaded, rows, Origin(f"bench:{value}", f"{value:064x}", dedupe=False))
    return store.max_notification_id()


def _raw_producer_rate(
    bootstrap: str, topic: str, messages: Sequence[tuple[bytes, bytes]]
) -> float:
    producer = KafkaProducer(bootstrap_servers=bootstrap, **PRODUCER)
    try:
        producer.partitions_for(topic)  # metadata first, as the relay has it before it sends
        start = time.perf_counter()
        futures = [producer.send(topic, key=key, value=value) for key, value in messages]
        producer.flush()
        seconds = time.perf_counter() - start
        assert not any(f.failed() for f in futures)
    finally:
        producer.close()
    return len(messages) / seconds


def _outbound(bootstrap: str, store: Store) -> list[dict[str, Any]]:
    head = store.max_notification_id()
    page = store.notifications(1, head)
    messages = list(zip([stream_key(n) for n in page], encode_envelopes(store, page), strict=True))
    size = sum(len(v) for _, v in messages) / len(messages)
    # Interleaved, best of ROUNDS each: the machine's other load shifts during a run.
    raw_rates, relay_rates = [], []
    for round_ in range(ROUNDS):
        raw_rates.append(
            _raw_producer_rate(bootstrap, _topic(bootstrap, f"bench.raw.{round_}"), messages)
        )
        settings = RelaySettings(
            topic=_topic(bootstrap, f"bench.relay.{round_}"), bootstrap=bootstrap
        )
        report = Relay(store, settings).run()
        assert report.published == head
        relay_rates.append(report.rate)
    raw, relay = max(raw_rates), max(relay_rates)
    ratio = relay / raw
    runs = ", ".join(f"{r:,.0f}" for r in raw_rates)
    return [
        {
            "name": "raw kafka-python producer, the same messages",
            "count": head,
            "per_second": raw,
            "vs_raw": 1.0,
            "floor": "",
            "ok": True,
            "note": f"best of {ROUNDS} ({runs}/s); {size:.0f} B, {PARTITIONS} partitions, acks=all",
        },
        {
            "name": "relay: lif kafka publish (read, decode, envelope, send, commit)",
            "count": head,
            "per_second": relay,
            "vs_raw": round(ratio, 2),
            "floor": f">= {FLOOR:.0%} of raw",
            "ok": ratio >= FLOOR,
            "note": f"best of {ROUNDS} ({', '.join(f'{r:,.0f}' for r in relay_rates)}/s), interleaved",
        },
    ]


# --- inbound ----------------------------------------------------------------------------------


class _TimedConsumer(TopicConsumer):
    """Measures from the first stored batch, leaving out the time to join the group."""

    first_batch: float | None = None

    def store_messages(self, records: Sequence[Any], report: Any) -> Any:
        if self.first_batch is None:
            self.first_batch = time.perf_counter()
        return super().store_messages(records, report)


def _raw_consumer_rate(bootstrap: str, topic: str, count: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        seen = 0
        start = time.perf_counter()
        while seen < count:
            seen += sum(len(batch) for batch in consumer.poll(timeout_ms=500).values())
        return count / (time.perf_counter() - start)
    finally:
        consumer.close()


def _inbound(bootstrap: str, workdir: Path, loaded: LoadedSource) -> list[dict[str, Any]]:
    topic = _topic(bootstrap, "bench.inbound", partitions=1)
    producer = KafkaProducer(bootstrap_servers=bootstrap, **PRODUCER)
    for i in range(MESSAGES):
        value = {"key": f"r{i}", "value": i, "day": "2024-02-01"}
        producer.send(topic, value=json.dumps(value).encode())
    producer.flush()
    producer.close()
    raw = _raw_consumer_rate(bootstrap, topic, MESSAGES)
    store = Store(f"sqlite:///{workdir}/inbound.db")
    settings = ConsumerSettings(
        topic=topic,
        bootstrap=bootstrap,
        group="bench",
        max_messages=MESSAGES,
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
    )
    consumer = _TimedConsumer(store, loaded, settings)
    report = consumer.run()
    assert consumer.first_batch is not None and report.counts["recorded"] == MESSAGES
    rate = MESSAGES / (time.perf_counter() - consumer.first_batch)
    store.close()
    return [
        {
            "name": "raw kafka-python consumer (no storing)",
            "count": MESSAGES,
            "per_second": raw,
            "vs_raw": 1.0,
            "floor": "",
            "ok": True,
            "note": "one partition, from the beginning",
        },
        {
            "name": "inbound: lif kafka consume (plugin, pipeline, SQLite, commit)",
            "count": MESSAGES,
            "per_second": rate,
            "vs_raw": round(rate / raw, 2),
            "floor": "",
            "ok": True,
            "note": f"{len(report.runs)} ingestion runs; after the group join",
        },
    ]


def run() -> list[dict[str, Any]]:
    loaded = _source()
    with tempfile.TemporaryDirectory(prefix="lif-bench-kafka-") as tmp:
        workdir = Path(tmp)
        store = Store(f"sqlite:///{workdir}/outbound.db")
        _fill(store, loaded, EVENTS)
        with _broker(workdir) as bootstrap:
            rows = _outbound(bootstrap, store)
            rows += _inbound(bootstrap, workdir, loaded)
        store.close()
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
