"""The relay: publishes the event log, in order, to a Kafka topic; at-least-once and resumable.

The relay is a follower of the log like a projection: its position (the last notification id
the broker acknowledged) lives in ``lif_tracking`` under ``relay:<topic>``, in the store's own
database. One round: read a page of the log after the position, send every envelope keyed by
stream id, flush (acks=all), and only then move the position. A crash anywhere in that round
leaves the position behind what the broker has: so whenever it (re)connects, the relay first reads
the last record of each partition of the topic and does not send again an event that partition
already holds (a partition keeps the order its events were sent in, so every event of it up to
its last one is there). A crash therefore neither loses nor duplicates an event on the topic;
consumers still deduplicate by ``event_id`` for what no relay can see (a second relay on the same
topic, a broker that lost its tail).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Notification
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from lif_core.eventlog.log import count_after
from lif_core.eventlog.store import Store
from lif_core.kafka._broker import BrokerError, close_at_once, ensure_topic, is_fatal
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
    already_on_topic: int = 0
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
            "already_on_topic": self.already_on_topic,
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
        # Per partition, the notification id of the last event the topic already holds (read on
        # (re)connecting); None: not read since the last connection.
        self._on_topic: dict[int, int] | None = None

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
        self._on_topic = None
        producer, self._producer = self._producer, None
        if producer is not None:
            close_at_once(producer)  # what it still holds is re-sent from the position

    def _prepare(self, after: int) -> _Round | None:
        """The next page of the log after ``after``, its envelopes encoded (None: caught up)."""
        page = self.store.notifications(after + 1, self.settings.batch)
        if not page:
            return None
        return _Round(page, encode_envelopes(self.store, page), [stream_key(n) for n in page])

    def _consumer_options(self) -> dict[str, Any]:
        """The producer's connection settings (TLS, SASL) that a consumer also takes."""
        shared = ("security_protocol", "ssl_", "sasl_", "api_version", "client_dns_lookup")
        return {k: v for k, v in self.settings.producer_options.items() if k.startswith(shared)}

    def last_on_topic(self, partitions: Sequence[int]) -> dict[int, int]:
        """Per partition, the notification id of the last event the topic holds (none: absent).

        Reads each partition's last batch: from the offset before the end the broker reports
        (on the test broker that is the last batch's first offset) up to the high watermark a
        fetch reports; a partition whose tail holds no relay envelope is read further back.
        """
        s = self.settings
        consumer = KafkaConsumer(
            bootstrap_servers=s.bootstrap,
            client_id=f"lif-relay-{s.topic}-tail",
            enable_auto_commit=False,
            group_id=None,
            request_timeout_ms=max(s.request_timeout_ms, 11_000),
            **self._consumer_options(),
        )
        found: dict[int, int] = {}
        try:
            tps = [TopicPartition(s.topic, p) for p in partitions]
            consumer.assign(tps)
            ends = {tp: end for tp, end in consumer.end_offsets(tps).items() if end > 0}
            back = 1
            while ends:
                for tp, end in ends.items():
                    consumer.seek(tp, max(0, end - back))
                deadline = time.monotonic() + s.request_timeout_ms / 1000
                waiting = set(ends)
                while waiting:
                    if time.monotonic() > deadline:
                        raise KafkaError(f"could not read the tail of topic {s.topic!r} in time")
                    for tp, records in consumer.poll(timeout_ms=200).items():
                        for record in records:
                            try:
                                nid = int(json.loads(record.value)["notification_id"])
                            except (ValueError, KeyError, TypeError):
                                continue  # not an envelope of ours
                            found[tp.partition] = max(found.get(tp.partition, 0), nid)
                    for tp in list(waiting):
                        high = consumer.highwater(tp)
                        if high is not None and consumer.position(tp) >= high:
                            waiting.discard(tp)
                # Partitions whose read tail held nothing of ours: look further back.
                ends = {
                    tp: end
                    for tp, end in ends.items()
                    if tp.partition not in found and end - back > 0
                }
                back *= 16
        finally:
            consumer.close()
        return found

    def _enqueue(self, rnd: _Round) -> None:
        """Hand a round to the producer (its sender thread delivers it in the background).

        Events the topic already holds (sent before a crash, acknowledged, but after the last
        position commit) are not sent again.
        """
        producer = self._connected()
        topic = self.settings.topic
        partitions = sorted(producer.partitions_for(topic))
        self._partitioner.use(partitions)
        partition = self._partitioner.partition
        if self._on_topic is None:
            self._on_topic = self.last_on_topic(partitions)
            if self._on_topic:
                log.info("topic %s already holds events up to %s", topic, self._on_topic)
        on_topic = self._on_topic
        send = producer.send
        if not on_topic or rnd.first > max(on_topic.values()):
            on_topic.clear()
            rnd.futures = [
                send(topic, value=value, key=key, partition=partition(key))
                for key, value in zip(rnd.keys, rnd.values, strict=True)
            ]
            return
        futures: list[Any] = []
        for notification, key, value in zip(rnd.page, rnd.keys, rnd.values, strict=True):
            p = partition(key)
            if on_topic.get(p, 0) >= int(notification.id):
                futures.append(None)
            else:
                futures.append(send(topic, value=value, key=key, partition=p))
        rnd.futures = futures

    def _await(self, rnd: _Round) -> None:
        """Wait until the broker acknowledged the whole round (or raise its first failure)."""
        assert self._producer is not None
        self._producer.flush(timeout=self.settings.delivery_timeout_ms / 1000 + 5)
        for notification, future in zip(rnd.page, rnd.futures, strict=True):
            if future is not None and future.failed():
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
                skipped = sum(1 for f in current.futures if f is None)
                report.published += len(current.page) - skipped
                report.already_on_topic += skipped
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
