"""The relay: publishes the event log, in order, to a Kafka topic; at-least-once and resumable.

The relay is a follower of the log like a projection: its position (the last notification id
the broker acknowledged) lives in ``lif_tracking`` under ``relay:<topic>``, in the store's own
database. One round: read a page of the log after the position, send every envelope keyed by
stream id, flush (acks=all), and only then move the position. A crash anywhere in that round
re-sends the page on restart: consumers may see an event twice, always with the same event_id,
and never miss one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from lif_core.eventlog.log import count_after
from lif_core.eventlog.store import Store
from lif_core.kafka._broker import BrokerError, ensure_topic, is_fatal
from lif_core.kafka.envelope import encode_envelopes, stream_key

__all__ = ["Relay", "RelayReport", "RelaySettings", "RelayStatus", "relay_status", "tracking_name"]

log = logging.getLogger(__name__)
_PREFIX = "relay:"


def tracking_name(topic: str) -> str:
    return f"{_PREFIX}{topic}"


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """How the relay talks to the broker.

    ``batch``: events per round (one flush, one position commit). ``partitions``: used only
    when the relay creates the topic. ``give_up_after``: seconds without an acknowledgement
    before the relay stops with an error (None: keep retrying, as a service should).
    ``producer_options``: any other KafkaProducer setting (TLS, SASL, compression).
    """

    topic: str
    bootstrap: str
    batch: int = 5000
    partitions: int = 6
    linger_ms: int = 20
    batch_bytes: int = 256 * 1024
    request_timeout_ms: int = 10_000
    delivery_timeout_ms: int = 30_000
    poll_interval: float = 0.5
    retry_backoff_max: float = 5.0
    give_up_after: float | None = None
    producer_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RelayReport:
    """What one run of the relay did."""

    topic: str
    published: int = 0
    position: int = 0
    broker_failures: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.published / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "published": self.published,
            "position": self.position,
            "broker_failures": self.broker_failures,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.rate, 1),
        }


@dataclass(slots=True)
class _Round:
    """One page of the log on its way to the broker."""

    page: Sequence[Notification]
    values: list[bytes]
    keys: list[bytes]
    futures: list[Any] = field(default_factory=list)

    @property
    def first(self) -> int:
        return int(self.page[0].id)

    @property
    def last(self) -> int:
        return int(self.page[-1].id)


class _KeyPartitioner:
    """Kafka's default partitioner (murmur2 of the key), remembered per stream.

    Same partitions as any Kafka client would choose for these keys; computing murmur2 in
    Python once per stream instead of once per event is most of the relay's saving over
    the client's own partitioner.
    """

    __slots__ = ("_cache", "_partitions")

    def __init__(self) -> None:
        self._partitions: list[int] = []
        self._cache: dict[bytes, int] = {}

    def use(self, partitions: list[int]) -> None:
        if partitions != self._partitions or len(self._cache) > 500_000:
            self._partitions = partitions
            self._cache = {}

    def partition(self, key: bytes) -> int:
        found = self._cache.get(key)
        if found is None:
            found = self._partitions[(murmur2(key) & 0x7FFFFFFF) % len(self._partitions)]
            self._cache[key] = found
        return found


class Relay:
    """Publishes the log after its tracked position to one topic.

    Subclasses may override :meth:`make_producer` (one line) to configure the client.
    ``broker_failures`` counts rounds the broker did not acknowledge; each one drops the
    producer (an idempotent producer does not survive a broker restart) and re-sends the
    round from the stored position.
    """

    def __init__(self, store: Store, settings: RelaySettings) -> None:
        self.store = store
        self.settings = settings
        self.name = tracking_name(settings.topic)
        self.broker_failures = 0
        self._producer: KafkaProducer | None = None
        self._partitioner = _KeyPartitioner()

    # --- the broker -----------------------------------------------------------------------

    def make_producer(self) -> KafkaProducer:
        s = self.settings
        options: dict[str, Any] = {
            "bootstrap_servers": s.bootstrap,
            "client_id": f"lif-relay-{s.topic}",
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": s.linger_ms,
            "batch_size": s.batch_bytes,
            "request_timeout_ms": s.request_timeout_ms,
            "delivery_timeout_ms": s.delivery_timeout_ms,
            "max_block_ms": s.request_timeout_ms,
            "bootstrap_timeout_ms": s.request_timeout_ms,
        }
        options.update(s.producer_options)
        return KafkaProducer(**options)

    def _connected(self) -> KafkaProducer:
        if self._producer is None:
            ensure_topic(
                self.settings.bootstrap,
                self.settings.topic,
                self.settings.partitions,
                self.settings.request_timeout_ms,
            )
            self._producer = self.make_producer()
        return self._producer

    def _disconnect(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            producer.close(timeout=0)
        except KafkaError:
            # kafka-python flushes before it closes, and refuses while records are pending
            # for a broker that is gone: fail them (they are re-sent from the position), close.
            producer._accumulator.abort_incomplete_batches()
            try:
                producer.close(timeout=0)
            except KafkaError as exc:
                log.warning("could not close the Kafka producer cleanly: %s", exc)

    def _prepare(self, after: int) -> _Round | None:
        """The next page of the log after ``after``, its envelopes encoded (None: caught up)."""
        page = self.store.notifications(after + 1, self.settings.batch)
        if not page:
            return None
        return _Round(page, encode_envelopes(self.store, page), [stream_key(n) for n in page])

    def _enqueue(self, rnd: _Round) -> None:
        """Hand a round to the producer (its sender thread delivers it in the background)."""
        producer = self._connected()
        topic = self.settings.topic
        partitions = sorted(producer.partitions_for(topic))
        self._partitioner.use(partitions)
        partition = self._partitioner.partition
        send = producer.send
        rnd.futures = [
            send(topic, value=value, key=key, partition=partition(key))
            for key, value in zip(rnd.keys, rnd.values, strict=True)
        ]

    def _await(self, rnd: _Round) -> None:
        """Wait until the broker acknowledged the whole round (or raise its first failure)."""
        assert self._producer is not None
        self._producer.flush(timeout=self.settings.delivery_timeout_ms / 1000 + 5)
        for notification, future in zip(rnd.page, rnd.futures, strict=True):
            if future.failed():
                exc = future.exception
                assert isinstance(exc, BaseException)
                if is_fatal(exc):
                    raise BrokerError(
                        f"the broker refused event {notification.id} for topic "
                        f"{self.settings.topic!r}: {exc}"
                    ) from exc
                raise exc

    # --- the position ----------------------------------------------------------------------

    def position(self) -> int:
        """The last notification id the broker acknowledged (0: nothing yet)."""
        with self.store.read() as tx:
            row = tx.execute(
                "SELECT position FROM lif_tracking WHERE name = ?", (self.name,)
            ).fetchone()
        return int(row[0]) if row else 0

    def _commit(self, position: int) -> None:
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.store.transaction() as tx:
            # Forward only: a second relay on the same topic never moves the position back.
            tx.execute(
                "INSERT INTO lif_tracking (name, position, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
                "updated_at = excluded.updated_at WHERE lif_tracking.position < excluded.position",
                (self.name, position, now),
            )

    # --- the loop --------------------------------------------------------------------------

    def run(self, *, follow: bool = False, stop: threading.Event | None = None) -> RelayReport:
        """Publish until the log is exhausted (or, with ``follow``, until ``stop`` is set).

        While the broker acknowledges one round, the next page is read and encoded.
        """
        stop = stop or threading.Event()
        s = self.settings
        report = RelayReport(topic=s.topic)
        started = time.perf_counter()
        position = self.position()
        backoff = 0.1
        failing_since: float | None = None
        current: _Round | None = None
        try:
            while not stop.is_set():
                if current is None:
                    current = self._prepare(position)
                    if current is None:
                        if not follow:
                            break
                        stop.wait(s.poll_interval)
                        continue
                try:
                    self._enqueue(current)
                    ahead = self._prepare(current.last)
                    self._await(current)
                except BrokerError:
                    raise
                except KafkaError as exc:
                    self.broker_failures += 1
                    report.broker_failures += 1
                    self._disconnect()
                    now = time.monotonic()
                    failing_since = failing_since or now
                    waited = now - failing_since
                    if s.give_up_after is not None and waited >= s.give_up_after:
                        raise BrokerError(
                            f"the broker at {s.bootstrap} has not acknowledged events "
                            f"{current.first}-{current.last} for {waited:.0f} s ({exc}); "
                            f"the relay stopped at position {position}: run it again to resume"
                        ) from exc
                    log.warning(
                        "broker at %s did not acknowledge events %d-%d (%s); retrying in %.1f s",
                        s.bootstrap,
                        current.first,
                        current.last,
                        exc,
                        backoff,
                    )
                    stop.wait(backoff)
                    backoff = min(backoff * 2, s.retry_backoff_max)
                    continue
                position = current.last
                self._commit(position)
                report.published += len(current.page)
                backoff, failing_since = 0.1, None
                current = ahead
        finally:
            self._disconnect()
            report.position = position
            report.seconds = time.perf_counter() - started
        return report


@dataclass(frozen=True, slots=True)
class RelayStatus:
    """Where a relay stands: its position, what is left to publish, when it last moved."""

    topic: str
    position: int
    head: int
    pending: int
    last_published_at: str | None
    seconds_since_last_publish: float | None

    def lagging(self, max_seconds: float) -> bool:
        """Events are waiting and nothing was published for ``max_seconds`` (or ever)."""
        if self.pending == 0:
            return False
        since = self.seconds_since_last_publish
        return since is None or since > max_seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "position": self.position,
            "head": self.head,
            "pending": self.pending,
            "last_published_at": self.last_published_at,
            "seconds_since_last_publish": None
            if self.seconds_since_last_publish is None
            else round(self.seconds_since_last_publish, 1),
        }


def relay_status(store: Store, topic: str | None = None) -> list[RelayStatus]:
    """Every relay the store knows (or one topic's, even before its first publish)."""
    with store.read() as tx:
        if topic is None:
            rows = tx.execute(
                "SELECT name, position, updated_at FROM lif_tracking WHERE name LIKE ? ORDER BY name",
                (_PREFIX + "%",),
            ).fetchall()
        else:
            rows = tx.execute(
                "SELECT name, position, updated_at FROM lif_tracking WHERE name = ?",
                (tracking_name(topic),),
            ).fetchall() or [(tracking_name(topic), 0, None)]
    out = []
    now = datetime.now(UTC)
    head = store.max_notification_id()
    for name, position, updated_at in rows:
        since = (
            (now - datetime.fromisoformat(str(updated_at))).total_seconds() if updated_at else None
        )
        out.append(
            RelayStatus(
                topic=str(name)[len(_PREFIX) :],
                position=int(position),
                head=head,
                pending=count_after(store, int(position)),
                last_published_at=str(updated_at) if updated_at else None,
                seconds_since_last_publish=since,
            )
        )
    return out
