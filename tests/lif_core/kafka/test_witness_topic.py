"""The Kafka topic as a witness: heads published beside the relay are read back and checked."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from kafka.errors import KafkaError
from kafka_broker import TestBroker

from lif_core.audit.heads import KeySigner, seal_head
from lif_core.audit.verify import verify
from lif_core.audit.witness import KafkaWitness, open_witness
from lif_core.domain import Action
from lif_core.eventlog.log import events_table, notification_column
from lif_core.eventlog.store import Store
from lif_core.kafka import ensure_topic


def test_heads_on_the_topic_catch_a_deleted_event(
    kafka_broker: TestBroker, topic: str, tmp_path: Path
) -> None:
    signer = KeySigner(Ed25519PrivateKey.generate(), "kafka-test")
    with Store(f"sqlite:///{tmp_path}/lif.db") as store:
        for k in range(3):
            store.save(
                Action.raise_action(
                    reference=f"ACT-2025-K{k:03d}",
                    description="Refresh the escalation policy",
                    owner_agency="LSCP",
                    due=date(2025, 9, 30),
                    raised_on=date(2025, 3, 1),
                    actor="test:kafka",
                )
            )
            # Heads at 1, 2 and 3 events.
            KafkaWitness(topic, kafka_broker.bootstrap).publish(seal_head(store, signer))
        witness = KafkaWitness(topic, kafka_broker.bootstrap)
        heads = witness.heads()
        assert [h.tree_size for h in heads] == [1, 2, 3]
        assert verify(store, None, [(witness.name, h) for h in heads]).ok
        with store.transaction() as tx:
            tx.execute(f"DELETE FROM {events_table(store)} WHERE {notification_column(store)} = 2")
        report = verify(store, None, [(witness.name, h) for h in heads])
    assert not report.ok and report.tree is not None and report.tree.first is not None
    assert report.tree.first.notification_id == 2
    # The head at 1 event still holds; those at 2 and 3 do not.
    assert [c.ok for c in report.tree.heads] == [True, False, False]


def test_a_kafka_witness_is_named_by_its_topic(kafka_broker: TestBroker, monkeypatch) -> None:
    monkeypatch.setenv("LIF_KAFKA_BOOTSTRAP", kafka_broker.bootstrap)
    witness = open_witness("kafka:lif.tree-heads")
    assert isinstance(witness, KafkaWitness) and witness.topic == "lif.tree-heads"


def test_a_witness_whose_broker_is_gone_fails_within_its_own_timeout(
    own_broker: TestBroker, topic: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sealing with a Kafka witness whose broker has gone fails in the witness's timeout, not in
    kafka-python's defaults (30 s to bootstrap, 60 s to block on metadata, 120 s on close)."""
    signer = KeySigner(Ed25519PrivateKey.generate(), "kafka-test")
    ensure_topic(own_broker.bootstrap, topic, 1, 10_000)
    own_broker.stop(kill=True)
    # The topic is there from before; it is the broker that went (the publish's own topic check
    # would fail first, and quickly, so it is skipped to reach the producer).
    monkeypatch.setattr("lif_core.kafka.ensure_topic", lambda *args, **kwargs: None)
    with Store(f"sqlite:///{tmp_path}/lif.db") as store:
        store.save(
            Action.raise_action(
                reference="ACT-2025-K100",
                description="Refresh the escalation policy",
                owner_agency="LSCP",
                due=date(2025, 9, 30),
                raised_on=date(2025, 3, 1),
                actor="test:kafka",
            )
        )
        head = seal_head(store, signer)
    witness = KafkaWitness(topic, own_broker.bootstrap, timeout_s=2)
    started = time.monotonic()
    with pytest.raises(KafkaError):
        witness.publish(head)
    # A bound, not a speed: the library's defaults would hold it 30 s or more.
    assert time.monotonic() - started < 15
