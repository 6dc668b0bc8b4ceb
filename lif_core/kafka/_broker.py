"""What the relay and the consumer share about the broker: its address, its errors, the topic."""

from __future__ import annotations

import contextlib
import logging
import os

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import (
    InvalidTopicError,
    KafkaConfigurationError,
    KafkaError,
    MessageSizeTooLargeError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
)

from lif_core.errors import ConfigError, LifError

__all__ = [
    "BOOTSTRAP_ENV",
    "BrokerError",
    "bootstrap_servers",
    "close_at_once",
    "ensure_topic",
    "is_fatal",
]

log = logging.getLogger(__name__)
BOOTSTRAP_ENV = "LIF_KAFKA_BOOTSTRAP"

# Broker answers that no retry can change: the relay stops and says why instead of looping.
_FATAL = (
    MessageSizeTooLargeError,
    TopicAuthorizationFailedError,
    InvalidTopicError,
    KafkaConfigurationError,
)


class BrokerError(LifError):
    """The broker refused, or stayed unreachable for longer than we were told to wait."""


def bootstrap_servers(given: str | None = None) -> str:
    """``--bootstrap``, else ``LIF_KAFKA_BOOTSTRAP``; HOST:PORT[,HOST:PORT...]."""
    value = (given or os.environ.get(BOOTSTRAP_ENV) or "").strip()
    if not value:
        raise ConfigError(
            f"no Kafka broker: pass --bootstrap HOST:PORT or set {BOOTSTRAP_ENV} (e.g. localhost:9092)"
        )
    for server in value.split(","):
        host, _, port = server.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"Kafka bootstrap {server.strip()!r} is not HOST:PORT (in {value!r})")
    return value


def is_fatal(exc: BaseException) -> bool:
    return isinstance(exc, _FATAL)


def close_at_once(producer: KafkaProducer) -> None:
    """Close ``producer`` now: records it still holds fail (their futures say so), none is sent.

    For a producer being dropped (the relay re-sends from its stored position). kafka-python's
    ``close(timeout=0)`` flushes first, and that flush raises while any record waits for a
    broker that is gone; the library has no public call that fails pending records instead.
    """
    try:
        producer.close(timeout=0)
    except KafkaError:
        # Private in kafka-python (checked against 3.0.12; pinned >=3.0,<3.1): the record
        # accumulator's abort_incomplete_batches(), which the library's own forced close uses,
        # fails every pending record; the flush inside close() then has nothing to wait for.
        # tests/lif_core/kafka/test_library_internals.py fails if this stops working.
        producer._accumulator.abort_incomplete_batches()
        try:
            producer.close(timeout=0)
        except KafkaError as exc:
            log.warning("could not close the Kafka producer cleanly: %s", exc)


def ensure_topic(bootstrap: str, topic: str, partitions: int, timeout_ms: int) -> None:
    """Create ``topic`` with ``partitions`` unless it exists (replication: the broker's default).

    A broker that forbids creating topics is not an error here: the topic may have been made
    by its administrators, and sending will say so if it was not.
    """
    admin: KafkaAdminClient | None = None
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id=f"lif-admin-{topic}",
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
        )
        admin.create_topics([NewTopic(topic, partitions, -1)], timeout_ms=timeout_ms)
        log.info("created topic %s with %d partitions", topic, partitions)
    except TopicAlreadyExistsError:
        pass
    except KafkaError as exc:
        if exc.retriable:
            raise
        log.warning("could not create topic %s: %s (sending will tell)", topic, exc)
    finally:
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()
