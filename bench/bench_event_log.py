"""Event-log writes through the domain, beside the raw insert rate of the same database.

For SQLite and PostgreSQL, each measured in this run:

- **raw batch**: the same stored rows the domain produces, inserted with ``sqlite3``
  ``executemany`` / psycopg ``COPY`` into a table shaped like the events table, in the same
  database, 10,000 rows a transaction (row building not timed);
- **domain batch**: 100,000 events made with the domain classes (learning items of ten events
  each: identify, prioritise, accept, disseminate ×3, link evidence ×3, assess embedding; each
  event encoded and hash-chained when made) and written with ``lif_core.eventlog.log.append`` inside
  ``store.transaction()``, 1,000 aggregates a transaction. Building the events is timed;
- **domain batch, no tree**: the same, on a store whose Merkle tree is not kept (its state row
  removed, as a store made before the tree): the tree's cost is the difference in this
  process's CPU time (the wall clock's is shown too), at most 10%;
- **raw single**: one row a transaction, 2,000 times;
- **domain single**: 2,000 single-decision saves (``store.save`` of one action progressed).

Every case runs in a fresh process, so ``peak_mb`` is that process's peak resident memory
(interpreter and imports included). Floors: domain batch ≥ 20% of raw ``executemany`` on SQLite
and ≥ 10% of raw ``COPY`` on PostgreSQL (``ok``).

Environment: ``LIF_BENCH_LOG_EVENTS`` (default 100000), ``LIF_BENCH_LOG_SINGLES`` (2000),
``LIF_BENCH_POSTGRES`` (default ``LIF_TEST_POSTGRES``, else postgresql://root@127.0.0.1:5432/test;
a fresh schema is made and dropped).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from bench import in_fresh_process, peak_mb
from lif_core.config import StoreURL
from lif_core.domain import Action, Learning
from lif_core.eventlog.log import append
from lif_core.eventlog.store import Store

__all__ = ["run"]

ACTOR = "bench:learning-subgroup"
EVENTS_PER_AGGREGATE = 10
AGGREGATES_PER_TRANSACTION = 1_000
FLOORS = {"sqlite": 0.20, "postgresql": 0.10}
RAW_BATCH = {"sqlite": "sqlite3 executemany", "postgresql": "psycopg COPY"}


def _settings() -> tuple[int, int, str]:
    events = int(os.environ.get("LIF_BENCH_LOG_EVENTS", "100000"))
    singles = int(os.environ.get("LIF_BENCH_LOG_SINGLES", "2000"))
    pg = (
        os.environ.get("LIF_BENCH_POSTGRES")
        or os.environ.get("LIF_TEST_POSTGRES")
        or "postgresql://root@127.0.0.1:5432/test"
    )
    return events, singles, pg


# --- what is written ------------------------------------------------------------------------------


def _learning_item(n: int) -> Learning:
    """One learning item with its ten events, made through the domain's commands."""
    item = Learning.identify(
        reference=f"LRN-2025-B{n:06d}",
        title="Children not brought to health appointments",
        statement="Missed appointments were not recognised as a possible sign of neglect.",
        themes=["neglect", "health"],
        source_kind="review",
        identified_on=date(2025, 1, 15),
        actor=ACTOR,
    )
    item.prioritise("high", "Seen in two reviews and the neglect audit.", ACTOR)
    item.accept("Agreed at the learning and improvement subgroup.", ACTOR)
    for channel in ("7-minute briefing", "newsletter", "multi-agency training"):
        item.disseminate(channel, date(2025, 2, 1), "practitioners", ACTOR)
    for k in range(3):
        item.link_evidence(f"{uuid.UUID(int=n * 8 + k)}", "Audit finding", ACTOR)
    item.assess_embedding(
        "partly-embedded", "Re-audit showed the change in two agencies of three.", ACTOR
    )
    return item


def _batches(total: int) -> Iterator[list[Learning]]:
    aggregates = total // EVENTS_PER_AGGREGATE
    for start in range(0, aggregates, AGGREGATES_PER_TRANSACTION):
        yield [
            _learning_item(n)
            for n in range(start, min(start + AGGREGATES_PER_TRANSACTION, aggregates))
        ]


def _stored_rows(store: Store, total: int) -> list[tuple[Any, ...]]:
    """The rows the domain would write, as the events table holds them (built untimed)."""
    rows = []
    for batch in _batches(total):
        for item in batch:
            for event in item.collect_events():
                s = store.app.mapper.to_stored_event(event)
                stream = uuid.UUID(str(s.originator_id))
                rows.append(
                    (
                        stream.hex if store.dialect == "sqlite" else stream,
                        s.originator_version,
                        s.topic,
                        s.state,
                    )
                )
    return rows


# --- the cases, each run in its own process --------------------------------------------------------


def _raw_table(store: Store) -> str:
    """An empty table shaped like the events table, in the same database."""
    with store.transaction() as tx:
        if store.dialect == "sqlite":
            tx.execute(
                "CREATE TABLE bench_raw_events (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                "state BLOB, PRIMARY KEY (originator_id, originator_version))"
            )
            return "bench_raw_events"
        table = f'"{store.url.schema}".bench_raw_events'
        tx.execute(
            f"CREATE TABLE {table} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
            "state bytea, notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        tx.execute(f"CREATE UNIQUE INDEX ON {table} (notification_id)")
        return table


def _pg_connect(store: Store) -> Any:
    import psycopg

    u = store.url
    return psycopg.connect(
        host=u.host, port=u.port, user=u.user, password=u.password, dbname=u.dbname
    )


def _raw_batch(url: str, total: int) -> dict[str, Any]:
    with Store(url) as store:
        rows = _stored_rows(store, total)
        table = _raw_table(store)
        chunk = EVENTS_PER_AGGREGATE * AGGREGATES_PER_TRANSACTION
        columns = "(originator_id, originator_version, topic, state)"
        if store.dialect == "sqlite":
            assert store.url.path is not None
            conn = sqlite3.connect(store.url.path, isolation_level=None)
            started = time.perf_counter()
            for i in range(0, len(rows), chunk):
                conn.execute("BEGIN")
                conn.executemany(
                    f"INSERT INTO {table} {columns} VALUES (?, ?, ?, ?)", rows[i : i + chunk]
                )
                conn.execute("COMMIT")
            seconds = time.perf_counter() - started
            (written,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        else:
            conn = _pg_connect(store)
            started = time.perf_counter()
            for i in range(0, len(rows), chunk):
                with (
                    conn.cursor() as cur,
                    cur.copy(f"COPY {table} {columns} FROM STDIN (FORMAT BINARY)") as copy,
                ):
                    copy.set_types(["uuid", "int8", "text", "bytea"])
                    for row in rows[i : i + chunk]:
                        copy.write_row(row)
                conn.commit()
            seconds = time.perf_counter() - started
            (written,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        conn.close()
        mean = sum(len(r[3]) for r in rows) // len(rows)
    assert written == len(rows), (written, len(rows))
    return {"events": len(rows), "seconds": seconds, "mean_event_bytes": mean}


def _domain_batch(url: str, total: int) -> dict[str, Any]:
    return _batch_into(url, total, tree=True)


def _domain_batch_untreed(url: str, total: int) -> dict[str, Any]:
    return _batch_into(url, total, tree=False)


def _batch_into(url: str, total: int, *, tree: bool) -> dict[str, Any]:
    with Store(url) as store:
        if not tree:  # as a store made before the tree: appends leave it alone
            with store.transaction() as tx:
                tx.execute("DELETE FROM lif_merkle_state")
        cpu = time.process_time()
        started = time.perf_counter()
        for batch in _batches(total):
            events = [event for item in batch for event in item.collect_events()]
            with store.transaction() as tx:
                append(store, tx, events)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        written = store.max_notification_id()
    assert written == total, (written, total)
    return {"events": total, "seconds": seconds, "cpu_seconds": cpu}


def _domain_build(url: str, total: int) -> dict[str, Any]:
    """Only making the events (commands, encoding, hash chain): the domain's share of a batch."""
    started = time.perf_counter()
    made = sum(len(item.collect_events()) for batch in _batches(total) for item in batch)
    return {"events": made, "seconds": time.perf_counter() - started}


def _raw_single(url: str, count: int) -> dict[str, Any]:
    with Store(url) as store:
        rows = _stored_rows(store, count)[:count]
        table = _raw_table(store)
        insert = f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES "
        if store.dialect == "sqlite":
            assert store.url.path is not None
            conn: Any = sqlite3.connect(store.url.path, isolation_level=None)
            started = time.perf_counter()
            for row in rows:
                conn.execute("BEGIN")
                conn.execute(insert + "(?, ?, ?, ?)", row)
                conn.execute("COMMIT")
        else:
            conn = _pg_connect(store)
            started = time.perf_counter()
            for row in rows:
                conn.execute(insert + "(%s, %s, %s, %s)", row)
                conn.commit()
        seconds = time.perf_counter() - started
        conn.close()
    return {"events": len(rows), "seconds": seconds}


def _domain_single(url: str, count: int) -> dict[str, Any]:
    with Store(url) as store:
        actions = [
            Action.raise_action(
                reference=f"ACT-2025-B{n:05d}",
                description="Add the child's view to the conference template",
                owner_agency="Children's Social Care",
                due=date(2025, 9, 30),
                raised_on=date(2025, 3, 1),
                actor=ACTOR,
            )
            for n in range(count)
        ]
        store.save(*actions)
        before = store.max_notification_id()
        started = time.perf_counter()
        for action in actions:
            action.progress("Draft template agreed with the conference chairs.", "amber", ACTOR)
            store.save(action)
        seconds = time.perf_counter() - started
        written = store.max_notification_id() - before
    assert written == count, (written, count)
    return {"events": count, "seconds": seconds}


def _measured(case: Callable[[str, int], dict[str, Any]], url: str, size: int) -> dict[str, Any]:
    """Run one case (in a fresh worker process) and add the process's peak memory."""
    result = case(url, size)
    result["peak_mb"] = round(peak_mb())
    return result


def _isolated(case: Callable[[str, int], dict[str, Any]], url: str, size: int) -> dict[str, Any]:
    return in_fresh_process(_measured, case, url, size)


# --- the runner's entry point -------------------------------------------------------------------------


def _fresh_pg(base: str) -> tuple[str, Callable[[], None]]:
    import psycopg

    u = StoreURL.parse(base)
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    url = f"{base.split('?')[0]}?schema={schema}"

    def drop() -> None:
        with psycopg.connect(
            host=u.host,
            port=u.port,
            user=u.user,
            password=u.password,
            dbname=u.dbname,
            autocommit=True,
        ) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    return url, drop


def _row(
    name: str,
    database: str,
    result: dict[str, Any],
    raw: dict[str, Any] | None = None,
    floor: float | None = None,
) -> dict[str, Any]:
    rate = result["events"] / result["seconds"]
    row: dict[str, Any] = {
        "name": name,
        "database": database,
        "events": result["events"],
        "seconds": round(result["seconds"], 3),
        "events_per_s": round(rate),
        "of_raw": None,
        "floor": None,
        "ok": None,
        "peak_mb": result["peak_mb"],
    }
    if raw is not None:
        share = rate / (raw["events"] / raw["seconds"])
        row["of_raw"] = f"{share:.0%}"
        if floor is not None:
            row["floor"] = f"≥ {floor:.0%}"
            row["ok"] = share >= floor
    return row


TREE_CEILING = 0.10


def _tree_cost(kind: str, treed: dict[str, Any], untreed: dict[str, Any]) -> dict[str, Any]:
    """The domain batch without the Merkle tree, and what keeping the tree costs of its rate."""
    row = _row("domain batch, no Merkle tree kept", kind, untreed)
    wall = 1 - untreed["seconds"] / treed["seconds"]
    # Judged on this process's CPU time: on a shared machine the wall clock moves by more than
    # the tree costs. (PostgreSQL's own work is in its server, outside both figures.)
    cost = 1 - untreed["cpu_seconds"] / treed["cpu_seconds"]
    row["of_raw"] = f"tree costs {cost:.0%} CPU ({wall:.0%} wall)"
    row["floor"] = f"≤ {TREE_CEILING:.0%}"
    row["ok"] = cost <= TREE_CEILING
    return row


def _database(kind: str, events: int, singles: int, pg: str, tmp: Path) -> list[dict[str, Any]]:
    def url(case: str) -> tuple[str, Callable[[], None]]:
        if kind == "sqlite":
            return f"sqlite:///{tmp / case / 'lif.db'}", lambda: None
        return _fresh_pg(pg)

    results: dict[str, dict[str, Any]] = {}
    for case, fn, size in (
        ("raw batch", _raw_batch, events),
        ("domain batch", _domain_batch, events),
        ("domain batch, no tree", _domain_batch_untreed, events),
        ("raw single", _raw_single, singles),
        ("domain single", _domain_single, singles),
    ):
        target, drop = url(case.replace(" ", "-"))
        try:
            results[case] = _isolated(fn, target, size)
        finally:
            drop()
    mean = results["raw batch"]["mean_event_bytes"]
    return [
        _row(
            f"raw batch: {RAW_BATCH[kind]} (~{mean} B a row)",
            kind,
            results["raw batch"],
        ),
        _row(
            "domain batch: log.append",
            kind,
            results["domain batch"],
            results["raw batch"],
            FLOORS[kind],
        ),
        _tree_cost(kind, results["domain batch"], results["domain batch, no tree"]),
        _row("raw single: a row a commit", kind, results["raw single"]),
        _row(
            "domain single: a decision a store.save",
            kind,
            results["domain single"],
            results["raw single"],
        ),
    ]


def run() -> list[dict[str, Any]]:
    events, singles, pg = _settings()
    built = _isolated(_domain_build, "", events)
    with tempfile.TemporaryDirectory(prefix="lif-bench-log-") as tmp:
        rows = _database("sqlite", events, singles, pg, Path(tmp))
        rows += _database("postgresql", events, singles, pg, Path(tmp))
    return [_row("domain events made, not written (no database)", "-", built), *rows]
