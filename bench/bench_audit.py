"""Audit at scale: a trail out of a million-event log, and full chain verification.

The store holds 1,000,000 events: source records written in big transactions (each one a
real ``SourceRecord.Recorded`` event, hash-chained like the pipeline writes them), one
learning item with 200 events citing 50 of those records, and later revisions of ten of
them. ``run()`` measures:

- the event-id index catching up from nothing (``lif_event_ids``);
- ``lif audit trail`` for that item (target under 0.5 s);
- the raw read verify starts from: every event in stream order, nothing hashed (the
  database's own limit, measured in the same run);
- ``lif audit verify`` over the whole log (target at least 100,000 events/s on SQLite): every
  chain and every Merkle leaf, then against a signed head, then with a legacy seal (each row
  shows the load average it was measured under);
- an inclusion proof (target under 2 KB) and a consistency proof between the heads at half and
  all of the log (target under 0.1 s), read from the stored tree. Wall-clock decides ``ok``; CPU seconds are shown beside it, since on a
  shared machine the wall clock also measures everyone else.

``LIF_BENCH_EVENTS`` changes the size (default 1,000,000); ``LIF_BENCH_STORE`` runs it on
another store URL (default: a temporary SQLite file).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.utils import get_topic

from lif_core.audit import build_trail, sync_event_ids
from lif_core.audit.heads import KeySigner, seal_head
from lif_core.audit.verify import make_seal, verify
from lif_core.domain import Learning, SourceRecord
from lif_core.domain.base import make_event
from lif_core.eventlog import tree
from lif_core.eventlog.codec import GENESIS, sealed
from lif_core.eventlog.log import append, append_rows, lock_for_append, pages_by_stream
from lif_core.eventlog.merkle import consistency_proof, inclusion_proof
from lif_core.eventlog.store import Store

__all__ = ["run"]

REFERENCE = "LRN-2025-900"
ITEM_EVENTS = 200
CITED = 50
REVISED = 10
BATCH = 50_000
ACTOR = "bench:business-unit"

# Sentinels in a template event, replaced per record (each distinct and unambiguous).
_EVENT_ID = UUID("0badc0de-0000-4000-8000-00000000beef")
_KEY = "KEY-SENTINEL"
_VALUE = 987654321
_ROW = 876543219


def _template() -> tuple[list[bytes], str]:
    """A real Recorded event, encoded once, cut at the fields that vary between records."""
    state = dict(
        timestamp=datetime.now(UTC),
        originator_topic=get_topic(SourceRecord),
        event_id=_EVENT_ID,
        actor="plugin:performance@0.1.0",
        causation=[],
        correlation="bench-run",
        source="performance",
        record_kind="indicator-value",
        record_key=_KEY,
        valid_from=date(2024, 4, 1),
        valid_to=date(2025, 3, 31),
        attributes={"indicator_code": "ICPC-15WD", "area": "Leeds", "value": _VALUE},
        content_hash="c" * 64,
        provenance={
            "origin": "/data/performance/indicators-2025.csv",
            "origin_sha256": "d" * 64,
            "locator": {"row": _ROW},
            "file": "indicators-2025.csv",
            "plugin": "performance",
            "distribution": "lif-platform",
            "plugin_version": "0.1.0",
            "run_id": "bench-run",
        },
    )
    event = make_event(SourceRecord.Recorded, uuid4(), 1, GENESIS, state)
    body: bytes = vars(event)["_lif_body"]
    parts: list[bytes] = []
    rest = body
    for sentinel in (
        _EVENT_ID.hex.encode(),
        _KEY.encode(),
        str(_VALUE).encode(),
        str(_ROW).encode(),
    ):
        head, _, rest = rest.partition(sentinel)
        parts.append(head)
    parts.append(rest)
    assert len(parts) == 5, "the template must hold each sentinel once"
    return parts, get_topic(SourceRecord.Recorded)


def _records(count: int) -> Iterator[tuple[UUID, UUID, bytes]]:
    """(stream id, event id, stored state) of ``count`` source records."""
    parts, topic = _template()
    for i in range(count):
        key = f"ICPC-15WD|Leeds|{i:07d}"
        stream = SourceRecord.record_id("performance", "indicator-value", key)
        event_id = uuid4()
        body = b"".join(
            (
                parts[0],
                event_id.hex.encode(),
                parts[1],
                key.encode(),
                parts[2],
                str(i % 100).encode(),
                parts[3],
                str(i + 5).encode(),
                parts[4],
            )
        )
        yield stream, event_id, sealed(GENESIS, str(stream), 1, topic, body)[1]


def generate(store: Store, total: int) -> dict[str, Any]:
    """Write ``total`` events: records in big transactions, then the item, then revisions."""
    started = time.perf_counter()
    topic = get_topic(SourceRecord.Recorded)
    bulk = total - ITEM_EVENTS - REVISED
    cited: list[tuple[UUID, UUID, str]] = []  # (stream, event id, hash) of the first records
    rows: list[tuple[Any, ...]] = []

    def flush() -> None:
        with store.transaction() as tx:
            lock_for_append(store, tx)
            append_rows(store, tx, rows)
        rows.clear()

    for stream, event_id, state in _records(bulk):
        if len(cited) < CITED:
            cited.append((stream, event_id, state[-66:-2].decode()))
        rows.append((stream.hex, 1, topic, state))
        if len(rows) >= BATCH:
            flush()
    if rows:
        flush()
    _decide(store, [str(e) for _, e, _ in cited])
    _revise(store, cited[:REVISED])
    return {"events": store.max_notification_id(), "seconds": time.perf_counter() - started}


def _decide(store: Store, evidence: list[str]) -> None:
    """The learning item: 200 events by a person, citing the 50 records between them."""
    item = Learning.identify(
        reference=REFERENCE,
        title="Children not brought to health appointments",
        statement="Children not brought to appointments were not seen as a sign of neglect.",
        themes=["neglect", "health"],
        source_kind="review",
        identified_on=date(2025, 1, 15),
        actor=ACTOR,
        causation=evidence[:1],
    )
    item.prioritise("high", "Seen in two reviews.", ACTOR, causation=evidence[1:3])
    item.accept("Agreed at the subgroup.", ACTOR, causation=evidence[3:5])
    record = SourceRecord.record_id
    for i in range(CITED):
        if len(item.pending_events) >= ITEM_EVENTS:
            break
        stream = record("performance", "indicator-value", f"ICPC-15WD|Leeds|{i:07d}")
        item.link_evidence(str(stream), None, ACTOR, causation=[evidence[i]])
    step = 0
    while len(item.pending_events) < ITEM_EVENTS:
        cites = [evidence[step % CITED], evidence[(step + 7) % CITED]]
        if step % 2:
            item.assess_embedding("partly-embedded", f"Audit round {step}.", ACTOR, causation=cites)
        else:
            item.disseminate(
                "7-minute briefing", date(2025, 2, 1), "practitioners", ACTOR, causation=cites
            )
        step += 1
    store.save(item)


def _revise(store: Store, records: list[tuple[UUID, UUID, str]]) -> None:
    """Later versions of some cited records, written the way the pipeline writes revisions."""
    now = datetime.now(UTC)
    events = []
    for i, (stream, _, head) in enumerate(records):
        state = dict(
            timestamp=now,
            event_id=uuid4(),
            actor="plugin:performance@0.1.0",
            causation=[],
            correlation="bench-run-2",
            source="performance",
            record_kind="indicator-value",
            record_key=f"ICPC-15WD|Leeds|{i:07d}",
            valid_from=date(2024, 4, 1),
            valid_to=date(2025, 3, 31),
            attributes={"indicator_code": "ICPC-15WD", "area": "Leeds", "value": 101},
            changes={"value": {"from": i % 100, "to": 101}},
            content_hash="e" * 64,
            provenance={
                "origin": "/data/performance/indicators-2025-revised.csv",
                "origin_sha256": "f" * 64,
                "locator": {"row": i + 5},
                "plugin": "performance",
                "distribution": "lif-platform",
                "plugin_version": "0.1.1",
                "run_id": "bench-run-2",
            },
        )
        events.append(make_event(SourceRecord.Revised, stream, 2, head, state))
    with store.transaction() as tx:
        lock_for_append(store, tx)
        append(store, tx, events)


def _load() -> str:
    """The machine's load averages (1, 5, 15 min) as the row was measured: on a shared machine
    the wall-clock rates fall with them."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _raw_read(store: Store) -> dict[str, Any]:
    """The database's own limit for verify: every event read in stream order, as verify reads
    it (the same pages), nothing hashed or checked."""
    started, cpu = time.perf_counter(), time.process_time()
    events = sum(len(rows) for rows in pages_by_stream(store))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return _timed(
        "raw read: every event in stream order, as verify reads it (no hashing)",
        seconds,
        cpu_seconds=round(cpu, 2),
        events=events,
        events_per_second=round(events / seconds),
        events_per_cpu_second=round(events / cpu),
        load_average=_load(),
    )


def _timed(label: str, seconds: float, **fields: Any) -> dict[str, Any]:
    return {"name": label, "seconds": round(seconds, 4), **fields}


def _tree_figures(store: Store, events: int) -> list[dict[str, Any]]:
    """Verify against a signed head; an inclusion and a consistency proof read from the store."""
    signer = KeySigner(Ed25519PrivateKey.generate(), "bench")
    head = seal_head(store, signer)
    started, cpu = time.perf_counter(), time.process_time()
    report = verify(store, None, [("bench", head)])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.ok, report.tree
    rows = [
        _timed(
            "audit: verify against a signed head (chains, leaves, root)",
            seconds,
            cpu_seconds=round(cpu, 2),
            events=events,
            events_per_second=round(events / seconds),
            events_per_cpu_second=round(events / cpu),
            target_events_per_second=100_000,
            ok=events / seconds >= 100_000,
            load_average=_load(),
        )
    ]
    with store.read() as tx:
        started = time.perf_counter()
        path = inclusion_proof(tree.StoredNodes(tx), events // 3, head.tree_size)
        made = time.perf_counter() - started
        started = time.perf_counter()
        hashes = consistency_proof(tree.StoredNodes(tx), head.tree_size // 2, head.tree_size)
        consistent = time.perf_counter() - started
    rows.append(
        _timed(
            f"audit: inclusion proof of one event, read from the store ({32 * len(path)} bytes)",
            made,
            events=events,
            target_bytes=2048,
            ok=32 * len(path) < 2048,
        )
    )
    rows.append(
        _timed(
            f"audit: consistency proof {head.tree_size // 2:,} -> {head.tree_size:,}, from the store",
            consistent,
            events=events,
            target_seconds=0.1,
            ok=consistent < 0.1 and bool(hashes),
        )
    )
    return rows


def run() -> list[dict[str, Any]]:
    total = int(os.environ.get("LIF_BENCH_EVENTS", "1000000"))
    with tempfile.TemporaryDirectory(prefix="lif-bench-audit-") as tmp:
        url = os.environ.get("LIF_BENCH_STORE") or f"sqlite:///{Path(tmp) / 'lif.db'}"
        with Store(url) as store:
            made = generate(store, total)
            results = [
                _timed(
                    "audit: generate the log",
                    made["seconds"],
                    events=made["events"],
                    events_per_second=round(made["events"] / made["seconds"]),
                )
            ]
            started = time.perf_counter()
            indexed = sync_event_ids(store)
            seconds = time.perf_counter() - started
            results.append(
                _timed(
                    "audit: event-id index, from nothing",
                    seconds,
                    events=indexed,
                    events_per_second=round(indexed / seconds),
                )
            )
            started = time.perf_counter()
            trail = build_trail(store, REFERENCE)
            cold = time.perf_counter() - started
            times = []
            for _ in range(5):
                started = time.perf_counter()
                build_trail(store, REFERENCE)
                times.append(time.perf_counter() - started)
            assert len(trail.events) == ITEM_EVENTS and len(trail.evidence) == CITED
            assert sum(1 for e in trail.evidence if e.later) == REVISED
            results.append(
                _timed(
                    "audit: trail of an item with 200 events and 50 cited records",
                    statistics.median(times),
                    first_call_seconds=round(cold, 4),
                    events_in_store=made["events"],
                    target_seconds=0.5,
                    ok=statistics.median(times) < 0.5 and cold < 0.5,
                )
            )
            results.append(_raw_read(store))
            started, cpu = time.perf_counter(), time.process_time()
            report = verify(store)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert report.ok, report.first
            rate = report.events / seconds
            results.append(
                _timed(
                    "audit: verify every chain and every Merkle leaf",
                    seconds,
                    cpu_seconds=round(cpu, 2),
                    events=report.events,
                    events_per_second=round(rate),
                    events_per_cpu_second=round(report.events / cpu),
                    target_events_per_second=100_000,
                    ok=rate >= 100_000,
                    load_average=_load(),
                )
            )
            results.extend(_tree_figures(store, report.events))
            seal = make_seal(store, ACTOR)
            started, cpu = time.perf_counter(), time.process_time()
            report = verify(store, seal)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert report.ok, report.seal_problem
            results.append(
                _timed(
                    "audit: verify every chain and the seal",
                    seconds,
                    cpu_seconds=round(cpu, 2),
                    events=report.events,
                    events_per_second=round(report.events / seconds),
                    events_per_cpu_second=round(report.events / cpu),
                )
            )
    return results


if __name__ == "__main__":
    for row in run():
        print(row)
