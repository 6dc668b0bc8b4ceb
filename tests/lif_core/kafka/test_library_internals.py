"""The one private part of kafka-python the Kafka bridge uses is still there and still does that.

``lif_core.kafka._broker.close_at_once`` fails the records a dropped producer still holds
through the record accumulator's ``abort_incomplete_batches()`` (private in kafka-python 3.0,
pinned >=3.0,<3.1), because ``close(timeout=0)`` refuses while records wait for a broker that
is gone. When kafka-python moves, these tests say whether the bypass still works, and whether
it is still needed.
"""

from __future__ import annotations

import time
from importlib.metadata import version

import pytest
from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError
from kafka_broker import TestBroker

from lif_core.kafka._broker import close_at_once, ensure_topic

pytestmark = pytest.mark.kafka


def test_kafka_python_is_the_version_the_bypass_was_written_for() -> None:
    assert version("kafka-python").startswith("3.0."), (
        "kafka-python moved: re-check close_at_once (lif_core/kafka/_broker.py), then this pin"
    )


def _producer(broker: TestBroker, topic: str) -> KafkaProducer:
    """A producer that knows ``topic``'s partitions (read now, while the broker is up, so a
    later ``send`` queues without asking) and whose delivery timeout is long, so nothing
    fails a pending record on its own during a test."""
    producer = KafkaProducer(
        bootstrap_servers=broker.bootstrap,
        acks="all",
        linger_ms=0,
        request_timeout_ms=30_000,
        delivery_timeout_ms=60_000,
        max_block_ms=5_000,
    )
    assert 0 in producer.partitions_for(topic)
    return producer


def test_a_producer_holding_records_for_a_broker_that_is_gone_closes_at_once(
    own_broker: TestBroker, topic: str
) -> None:
    ensure_topic(own_broker.bootstrap, topic, 1, 10_000)
    dropped = _producer(own_broker, topic)
    plain = _producer(own_broker, topic)
    own_broker.stop(kill=True)
    futures = [dropped.send(topic, value=b"event %d" % i, partition=0) for i in range(3)]
    waiting = plain.send(topic, value=b"event", partition=0)
    assert not any(f.is_done for f in [*futures, waiting])

    # Why the bypass exists: the library's own close refuses while a record is pending.
    with pytest.raises(KafkaTimeoutError):
        plain.close(timeout=0)
    assert not waiting.is_done

    started = time.monotonic()
    close_at_once(dropped)
    close_at_once(plain)
    # Without the abort, the records would wait for the 60 s delivery timeout.
    assert time.monotonic() - started < 5
    for future in [*futures, waiting]:
        assert future.is_done and future.failed()
    # Closed for good: a closed producer refuses to send.
    with pytest.raises(Exception, match="already closed"):
        dropped.send(topic, value=b"late", partition=0)


def test_a_producer_with_nothing_pending_is_closed_and_what_it_sent_stays_sent(
    kafka_broker: TestBroker, topic: str
) -> None:
    ensure_topic(kafka_broker.bootstrap, topic, 1, 10_000)
    producer = _producer(kafka_broker, topic)
    sent = producer.send(topic, value=b"event", partition=0)
    producer.flush(timeout=10)
    assert sent.succeeded()
    close_at_once(producer)
    with pytest.raises(Exception, match="already closed"):
        producer.send(topic, value=b"late", partition=0)
