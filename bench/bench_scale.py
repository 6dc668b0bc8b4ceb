"""The scale run (issue 22): one large log on PostgreSQL (10 million events for the record), every follower over it.

A database of its own is made on the machine's PostgreSQL (``LIF_BENCH_POSTGRES``, an admin
URL; default ``LIF_TEST_POSTGRES``, else postgresql://root@127.0.0.1:5432/test) and dropped at
the end. The history is the projections bench's (:mod:`bench.bench_projections`): mostly source
records through the ingestion pipeline, with learning items, actions and measures through the
domain and the policies run over them, written in two halves. Each case runs in a fresh process,
so ``peak_mb`` is its own:

- **ingest, first half** / **ingest, second half**: the log written (events per second of the
  log, the pipeline, domain and policies together); the second half writes into a log already
  half full, so the two side by side show whether writing slows as the log grows;
- **catch-up**: the projections brought up to date over the second half (after an untimed
  catch-up over the first);
- **rebuild**: every projection from event one;
- **verify**: ``lif audit verify`` over the whole log (every chain and Merkle leaf);
- **relay**: a window of the log (``LIF_BENCH_SCALE_RELAY`` events, default 1,000,000, the last
  ones) published to the Kafka-protocol test broker. Only a window: the test broker keeps every
  record in memory, and the relay reads from its position, so its cost per event does not depend
  on the log's length (the window is at the end, where the index is deepest).

Every case's row is also appended, as soon as it is measured, to ``LIF_BENCH_SCALE_LOG`` (default
``.lif/bench-scale.jsonl``), so a run stopped part-way keeps what it measured.

Environment: ``LIF_BENCH_SCALE_EVENTS`` (default 1,000,000, so that a whole ``make bench`` stays
within minutes; the record run is ``LIF_BENCH_SCALE_EVENTS=10000000``: expect more than an hour
on two cores), ``LIF_BENCH_SCALE_RELAY``, ``LIF_BENCH_SCALE_LOG``, ``LIF_BENCH_POSTGRES``. No
floors: the figures go in docs/performance.md beside the 1-million ones.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import in_fresh_process, peak_mb
from bench.bench_projections import _project, _write_half

__all__ = ["run"]

REPO = Path(__file__).resolve().parents[1]


def _settings() -> tuple[int, int, str, Path]:
    events = int(os.environ.get("LIF_BENCH_SCALE_EVENTS", "1000000"))
    relay = int(os.environ.get("LIF_BENCH_SCALE_RELAY", "1000000"))
    pg = os.environ.get("LIF_BENCH_POSTGRES") or os.environ.get(
        "LIF_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test"
    )
    log = Path(os.environ.get("LIF_BENCH_SCALE_LOG", str(REPO / ".lif" / "bench-scale.jsonl")))
    return events, relay, pg, log


def _admin(pg: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg.split("?")[0], autocommit=True) as conn:
        conn.execute(sql)


def _database_url(pg: str, name: str) -> str:
    base = pg.split("?")[0]
    return f"{base.rsplit('/', 1)[0]}/{name}"


def _ingest(url: str, folder: str, events: int, half: int) -> dict[str, Any]:
    from lif_core.eventlog.store import Store

    with Store(url) as store:
        before = store.max_notification_id()
    started, cpu = time.perf_counter(), time.process_time()
    written = _write_half(url, folder, events, half)
    return {
        "events": written["events"] - before,
        "log_after": written["events"],
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "load": os.getloadavg()[0],
        "peak_mb": peak_mb(),
    }


def _verify(url: str) -> dict[str, Any]:
    from lif_core.audit.verify import verify
    from lif_core.eventlog.store import Store

    with Store(url) as store:
        top = store.max_notification_id()
        started, cpu = time.perf_counter(), time.process_time()
        report = verify(store)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "events": top,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load": os.getloadavg()[0],
        "peak_mb": peak_mb(),
        "intact": bool(report.ok),
    }


def _relay(url: str, window: int, workdir: str) -> dict[str, Any]:
    from bench.bench_kafka import _broker
    from lif_core.eventlog.store import Store
    from lif_core.kafka import Relay, RelaySettings

    topic = "bench.scale"
    with Store(url) as store, _broker(Path(workdir)) as bootstrap:
        top = store.max_notification_id()
        start = max(0, top - window)
        relay = Relay(store, RelaySettings(topic=topic, bootstrap=bootstrap))
        relay._commit(start)  # the window: as a relay that had published up to there
        started, cpu = time.perf_counter(), time.process_time()
        report = relay.run()
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    return {
        "events": report.published,
        "log_after": top,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load": os.getloadavg()[0],
        "peak_mb": peak_mb(),
    }


def _row(name: str, case: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "store": "postgresql",
        "events": case["events"],
        "log": case.get("log_after", case["events"]),
        "seconds": round(case["seconds"], 1),
        "cpu_s": round(case.get("cpu_seconds", 0.0), 1),
        "load_1m": round(case.get("load", 0.0), 1),
        "events_per_s": round(case["events"] / case["seconds"]) if case["seconds"] else 0,
        "peak_mb": round(case["peak_mb"]),
        **({"intact": case["intact"]} if "intact" in case else {}),
        "ok": case.get("intact", True) is not False,
    }


def run() -> list[dict[str, Any]]:
    events, window, pg, log_path = _settings()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    name = f"lif_bench_scale_{uuid.uuid4().hex[:8]}"
    url = _database_url(pg, name)
    out: list[dict[str, Any]] = []

    def record(label: str, case: dict[str, Any]) -> None:
        row = _row(label, case)
        out.append(row)
        with log_path.open("a", encoding="utf-8") as handle:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            handle.write(json.dumps({"at": stamp, "target": events, **row}) + "\n")

    _admin(pg, f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="lif-bench-scale-") as tmp:
            record("ingest, first half", in_fresh_process(_ingest, url, tmp, events, 0))
            first = in_fresh_process(_project, url, "catch-up", None)
            record("projections over the first half (from nothing)", first)
            record("ingest, second half", in_fresh_process(_ingest, url, tmp, events, 1))
            catch_up = in_fresh_process(_project, url, "catch-up", None)
            catch_up["log_after"] = catch_up["events"]
            catch_up["events"] = catch_up["events"] - first["events"]
            record("catch-up over the second half", catch_up)
            record("full rebuild", in_fresh_process(_project, url, "rebuild", None))
            record("audit verify, whole log", in_fresh_process(_verify, url))
            record(f"relay, the last {window:,} events", in_fresh_process(_relay, url, window, tmp))
    finally:
        _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
