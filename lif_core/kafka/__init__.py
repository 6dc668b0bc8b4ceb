"""Kafka in and out: the relay publishes the event log; the consumer feeds topics to plugins.

- :mod:`lif_core.kafka.envelope` — the JSON envelope of one event and its JSON Schema.
- :mod:`lif_core.kafka.relay` — the log to a topic, at-least-once, position in ``lif_tracking``.
- :mod:`lif_core.kafka.consumer` — a topic through a source plugin and the ingestion pipeline.
- ``_broker`` — the bootstrap address, broker errors, topic creation.

docs/kafka.md describes the envelope, the guarantees and the commands.
"""

from lif_core.kafka._broker import (
    BOOTSTRAP_ENV,
    BrokerError,
    bootstrap_servers,
    close_at_once,
    ensure_topic,
)
from lif_core.kafka.consumer import ConsumeReport, ConsumerSettings, TopicConsumer
from lif_core.kafka.envelope import ENVELOPE_SCHEMA, ENVELOPE_VERSION, envelope_of
from lif_core.kafka.relay import Relay, RelayReport, RelaySettings, RelayStatus, relay_status

__all__ = [
    "BOOTSTRAP_ENV",
    "ENVELOPE_SCHEMA",
    "ENVELOPE_VERSION",
    "BrokerError",
    "ConsumeReport",
    "ConsumerSettings",
    "Relay",
    "RelayReport",
    "RelaySettings",
    "RelayStatus",
    "TopicConsumer",
    "bootstrap_servers",
    "close_at_once",
    "ensure_topic",
    "envelope_of",
    "relay_status",
]
