"""Witnesses: places outside the database that keep every signed tree head they are given.

- a **folder** (``DIR``, or a path ending in ``/``): one file per head, never overwritten
  (``head-<size>-<time>-<signature prefix>.json``, created exclusively);
- a **file** (``FILE.jsonl``): one head a line, appended;
- the **Kafka topic** (``kafka:TOPIC``, beside the relay's; ``LIF_KAFKA_BOOTSTRAP``): one
  message a head, read back from the beginning;
- any witness a plugin registers (``plugin:NAME[:ARGUMENT]``, :mod:`lif_core.audit.hooks`).

:func:`open_witness` turns such a text into a :class:`Witness`.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any, Protocol

from lif_core.audit.heads import TreeHead, read_head
from lif_core.audit.hooks import plugin_witness
from lif_core.errors import ConfigError, VerificationError

__all__ = [
    "FileWitness",
    "FolderWitness",
    "KafkaWitness",
    "Witness",
    "open_witness",
]


class Witness(Protocol):
    """Keeps the heads it is given; gives them all back."""

    name: str

    def publish(self, head: TreeHead) -> None: ...

    def heads(self) -> list[TreeHead]: ...


class FolderWitness:
    """One JSON file per head in a folder; a file once written is never replaced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"folder {path}"

    def publish(self, head: TreeHead) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        stamp = head.timestamp.replace(":", "").replace("+", "Z")
        target = self.path / f"head-{head.tree_size:012d}-{stamp}-{head.signature[:12]}.json"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(head.model_dump_json(indent=2) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def heads(self) -> list[TreeHead]:
        if not self.path.is_dir():
            raise VerificationError(f"the witness folder {self.path} does not exist")
        return [
            read_head(p.read_text(encoding="utf-8"), str(p))
            for p in sorted(self.path.glob("head-*.json"))
        ]


class FileWitness:
    """One head a line, appended to a file (JSON Lines)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"file {path}"

    def publish(self, head: TreeHead) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(head.model_dump_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def heads(self) -> list[TreeHead]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise VerificationError(f"cannot read the witness file {self.path}: {exc}") from None
        return [
            read_head(line, f"line {n} of {self.path}")
            for n, line in enumerate(lines, 1)
            if line.strip()
        ]


class KafkaWitness:
    """A Kafka topic of one partition: one message a head, read back from its beginning."""

    KEY = b"lif-tree-head"

    def __init__(self, topic: str, bootstrap: str | None = None, timeout_s: float = 20.0) -> None:
        from lif_core.kafka import bootstrap_servers

        self.topic = topic
        self.bootstrap = bootstrap_servers(bootstrap)
        self.timeout_s = timeout_s
        self.name = f"Kafka topic {topic}"

    def publish(self, head: TreeHead) -> None:
        from kafka import KafkaProducer

        from lif_core.kafka import close_at_once, ensure_topic

        ms = int(self.timeout_s * 1000)
        ensure_topic(self.bootstrap, self.topic, 1, ms)
        # Every wait bounded by the witness's timeout (kafka-python's own defaults add up to
        # minutes: 30 s to bootstrap, 60 s to block on metadata, 120 s to deliver on close).
        producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            max_block_ms=ms,
            request_timeout_ms=ms,
            delivery_timeout_ms=ms,
            linger_ms=0,
            bootstrap_timeout_ms=ms,
        )
        try:
            producer.send(self.topic, key=self.KEY, value=head.model_dump_json().encode()).get(
                timeout=self.timeout_s
            )
        except BaseException:
            close_at_once(producer)  # the head was not witnessed: drop it, do not wait on it
            raise
        producer.close()

    def heads(self) -> list[TreeHead]:
        from kafka import KafkaConsumer, TopicPartition

        consumer: Any = KafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, group_id=None
        )
        try:
            partitions = consumer.partitions_for_topic(self.topic)
            if not partitions:
                raise VerificationError(f"the witness topic {self.topic} does not exist")
            tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            found: list[tuple[int, int, bytes]] = []
            done: set[int] = set()
            deadline = time.monotonic() + self.timeout_s
            # The broker's end offsets are unreliable (STACK-NOTES): read until each partition's
            # position reaches its highwater mark as seen after a fetch.
            while len(done) < len(tps):
                if time.monotonic() > deadline:
                    raise VerificationError(
                        f"the witness topic {self.topic} was not read to its end in {self.timeout_s:.0f} s"
                    )
                for tp, records in consumer.poll(timeout_ms=500).items():
                    found.extend((tp.partition, r.offset, r.value) for r in records)
                for tp in tps:
                    high = consumer.highwater(tp)
                    if high is not None and consumer.position(tp) >= high:
                        done.add(tp.partition)
        finally:
            with contextlib.suppress(Exception):
                consumer.close()
        return [
            read_head(value.decode("utf-8", "replace"), f"{self.topic} offset {offset}")
            for _, offset, value in sorted(found)
        ]


def open_witness(text: str) -> Witness:
    """``DIR``, ``FILE.jsonl``, ``kafka:TOPIC`` or ``plugin:NAME[:ARGUMENT]``."""
    if text.startswith("kafka:"):
        topic = text.removeprefix("kafka:")
        if not topic:
            raise ConfigError("a Kafka witness is kafka:TOPIC")
        return KafkaWitness(topic)
    if text.startswith("plugin:"):
        name, _, argument = text.removeprefix("plugin:").partition(":")
        witness: Witness = plugin_witness(name, argument)
        for needed in ("name", "publish", "heads"):
            if not hasattr(witness, needed):
                raise ConfigError(f"the witness plugin {name} gave a witness without {needed}")
        return witness
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        return FolderWitness(path)
    if path.suffix in (".jsonl", ".json", ".txt") or path.is_file():
        return FileWitness(path)
    return FolderWitness(path)
