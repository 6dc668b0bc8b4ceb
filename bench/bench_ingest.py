"""The ingestion pipeline on a large generated file, beside the raw insert rate of the same database.

For SQLite and PostgreSQL, each case in a fresh process (so ``peak_mb`` is that process's peak
resident memory, interpreter and imports included):

- **ingest**: a generated CSV of ``LIF_BENCH_INGEST_ROWS`` rows (default 1,000,000), one record
  per row, through a plugin (:data:`SOURCE`: six columns, a pydantic model, the sensitive data
  guard, provenance, the index) with ``ingest_file`` into a fresh store — one transaction;
- **ingest small**: the same for ``LIF_BENCH_INGEST_SMALL`` rows (default 10,000), to compare
  peak memory: a file a hundred times larger must not need more than 50 MB more;
- **raw insert**: the event rows that ingest wrote (taken from the small run), inserted with
  ``sqlite3`` ``executemany`` / psycopg ``COPY`` into a table shaped like the events table, in
  the same database — what the pipeline could at best do.

Large files are read in forked children, one per core (``lif_core.ingestion.forked``); ``readers`` says
whether they were, and ``readers_peak_mb`` is the largest reader's peak resident memory (pages
it shares with the writer counted in both).

Floors (``ok``): ingest ≥ 15,000 records/s on SQLite and ≥ 8,000 on PostgreSQL, peak < 300 MB
(writer and each reader), and the large file's peak within 50 MB of the small one's.

Environment: ``LIF_BENCH_INGEST_ROWS``, ``LIF_BENCH_INGEST_SMALL``, ``LIF_BENCH_POSTGRES``
(default ``LIF_TEST_POSTGRES``, else postgresql://root@127.0.0.1:5432/test; fresh schemas are
made and dropped), ``LIF_BENCH_INGEST_NOTE=1`` (each row also has a free-text ``note``, which
is guarded and, since issue 17, sealed under a data key of its record), ``LIF_BENCH_INGEST_PROFILE`` (a folder: each ingest case also writes a
cProfile ``.pstats`` file there, at some cost in speed).
"""

from __future__ import annotations

import cProfile
import os
import resource
import sqlite3
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bench import in_fresh_process, peak_mb
from lif_core.eventlog.log import events_table
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins import (
    Columns,
    Emit,
    FreeText,
    InputOptions,
    RecordError,
    RecordKind,
    Row,
    Source,
    ValidTime,
)
from lif_core.plugins.host import LoadedSource

__all__ = ["SOURCE", "run"]

FLOORS = {"sqlite": 15_000, "postgresql": 8_000}
PEAK_MB = 300
GROWTH_MB = 50
AREAS = ("Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield")
CATEGORIES = ("child-concern", "domestic-abuse", "missing-child", "exploitation")


class DailyContact(BaseModel):
    """Contacts about children received by one team on one day (the bench's record)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference: str = Field(description="The contact log's line reference.")
    day: date = Field(description="Day the contacts were received.")
    area: str = Field(description="District of the receiving team.")
    category: Literal["child-concern", "domestic-abuse", "missing-child", "exploitation"] = Field(
        description="What the contacts were about."
    )
    contacts: int = Field(ge=0, description="Contacts received.")
    to_social_care: int = Field(ge=0, description="Of which passed to children's social care.")


class NotedContact(DailyContact):
    """The same with the team's note: free text, guarded and sealed (``LIF_BENCH_INGEST_NOTE``)."""

    note: FreeText = Field(description="The team's note on the day.")


NOTED = os.environ.get("LIF_BENCH_INGEST_NOTE", "") == "1"
NOTES = (
    "Contacts rose after the half-term campaign at the district hub",
    "Fewer referrals from schools during the holiday weeks",
    "The front door was short of two practitioners",
    "Police notifications were batched on Monday morning",
)


def map_row(row: Row) -> list[Emit]:
    values = row.values
    contacts = values["contacts"]
    if contacts is None or not contacts.isdigit():
        raise RecordError(f"{contacts!r} is not a count", column="contacts")
    return [
        Emit(
            "daily-contact",
            {
                "reference": values["reference"],
                "day": values["day"],
                "area": values["area"],
                "category": values["category"],
                "contacts": int(contacts),
                "to_social_care": int(values["to_social_care"]),
                **({"note": values["note"]} if NOTED else {}),
            },
        )
    ]


SOURCE = Source(
    name="bench-contacts",
    title="Generated daily contacts (benchmark)",
    provider="The benchmark",
    kinds=(
        RecordKind(
            "daily-contact",
            NotedContact if NOTED else DailyContact,
            key=lambda r: r.reference,
            valid_time=lambda r: ValidTime(r.day),
        ),
    ),
    inputs=InputOptions(
        columns=Columns(
            {
                "reference": ("Reference",),
                "day": ("Day",),
                "area": ("Area",),
                "category": ("Category",),
                "contacts": ("Contacts",),
                "to_social_care": ("To social care",),
                **({"note": ("Note",)} if NOTED else {}),
            },
            required=("reference", "day", "area", "category", "contacts", "to_social_care"),
        )
    ),
    map_row=map_row,
)


def _settings() -> tuple[int, int, str]:
    rows = int(os.environ.get("LIF_BENCH_INGEST_ROWS", "1000000"))
    small = int(os.environ.get("LIF_BENCH_INGEST_SMALL", "10000"))
    pg = (
        os.environ.get("LIF_BENCH_POSTGRES")
        or os.environ.get("LIF_TEST_POSTGRES")
        or "postgresql://root@127.0.0.1:5432/test"
    )
    return rows, small, pg


def generate(path: Path, rows: int) -> Path:
    """A CSV of ``rows`` distinct records (written line by line, never held in memory)."""
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            "Reference,Day,Area,Category,Contacts,To social care" + (",Note\n" if NOTED else "\n")
        )
        for i in range(rows):
            contacts = 3 + i % 41
            note = f",{NOTES[i % 4]} ({i})" if NOTED else ""
            handle.write(
                f"C{i:08d},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{AREAS[i % 5]},"
                f"{CATEGORIES[i % 4]},{contacts},{contacts * (i % 7) // 10}{note}\n"
            )
    return path


# --- the cases, each in its own process ------------------------------------------------------------


def _ingest(url: str, path: str, profile: str | None) -> dict[str, Any]:
    with Store(url) as store:
        loaded = LoadedSource(SOURCE, "bench", "bench", "0")
        profiler = cProfile.Profile()
        started = time.perf_counter()
        if profile:
            profiler.enable()
        result = ingest_file(store, loaded, Path(path))
        if profile:
            profiler.disable()
            profiler.dump_stats(profile)
        seconds = time.perf_counter() - started
    assert result.status == "completed", result.message
    return {
        "records": result.counts["recorded"],
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "read_in_child": result.read_in_child,
        # The reading processes (forked; each peak includes the pages it shares with us).
        "readers_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def _raw_insert(url: str) -> dict[str, Any]:
    """The ingested event rows again, inserted raw into a table shaped like the events table."""
    with Store(url) as store:
        with store.read() as tx:
            stored = tx.execute(
                f"SELECT originator_id, originator_version, topic, state FROM {events_table(store)}"
            ).fetchall()
        rows = [(uuid.uuid4(), v, t, bytes(s)) for _, v, t, s in stored]
        if store.dialect == "sqlite":
            assert store.url.path is not None
            sqlite_conn = sqlite3.connect(store.url.path, isolation_level=None)
            sqlite_conn.execute(
                "CREATE TABLE bench_raw (originator_id TEXT, originator_version INTEGER, topic TEXT,"
                " state BLOB, PRIMARY KEY (originator_id, originator_version))"
            )
            hex_rows = [(u.hex, v, t, s) for u, v, t, s in rows]
            started = time.perf_counter()
            sqlite_conn.execute("BEGIN")
            sqlite_conn.executemany("INSERT INTO bench_raw VALUES (?, ?, ?, ?)", hex_rows)
            sqlite_conn.execute("COMMIT")
            seconds = time.perf_counter() - started
            sqlite_conn.close()
        else:
            import psycopg

            u = store.url
            table = f'"{u.schema}".bench_raw'
            with psycopg.connect(
                host=u.host, port=u.port, user=u.user, password=u.password, dbname=u.dbname
            ) as conn:
                conn.execute(
                    f"CREATE TABLE {table} (originator_id uuid, originator_version bigint, "
                    "topic text, state bytea, notification_id bigserial, "
                    "PRIMARY KEY (originator_id, originator_version))"
                )
                conn.commit()
                started = time.perf_counter()
                with (
                    conn.cursor() as cur,
                    cur.copy(
                        f"COPY {table} (originator_id, originator_version, topic, state) "
                        "FROM STDIN (FORMAT BINARY)"
                    ) as copy,
                ):
                    copy.set_types(["uuid", "int8", "text", "bytea"])
                    for row in rows:
                        copy.write_row(row)
                conn.commit()
                seconds = time.perf_counter() - started
    return {"rows": len(rows), "seconds": seconds}


def _drop_schema(pg: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg.split("?")[0], autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _store(tmp: Path, pg: str, dialect: Literal["sqlite", "postgresql"], name: str) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{tmp}/{name}.db"
    return f"{pg.split('?')[0]}?schema={name}"


def run() -> list[dict[str, Any]]:
    rows, small, pg = _settings()
    profile_dir = os.environ.get("LIF_BENCH_INGEST_PROFILE")
    out: list[dict[str, Any]] = []
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="lif-bench-ingest-") as tmp_name:
        tmp = Path(tmp_name)
        large_file = generate(tmp / f"contacts-{rows}.csv", rows)
        small_file = generate(tmp / f"contacts-{small}.csv", small)
        for dialect in ("sqlite", "postgresql"):
            names = {"small": f"bench_ingest_{tag}_s", "large": f"bench_ingest_{tag}_l"}
            urls = {k: _store(tmp, pg, dialect, v) for k, v in names.items()}
            try:
                profile = {
                    k: (f"{profile_dir}/ingest-{dialect}-{k}.pstats" if profile_dir else None)
                    for k in names
                }
                small_run = in_fresh_process(
                    _ingest, urls["small"], str(small_file), profile["small"]
                )
                raw = in_fresh_process(_raw_insert, urls["small"])
                large_run = in_fresh_process(
                    _ingest, urls["large"], str(large_file), profile["large"]
                )
            finally:
                if dialect == "postgresql":
                    for schema in names.values():
                        _drop_schema(pg, schema)
            raw_rate = raw["rows"] / raw["seconds"]
            for label, case in (("small", small_run), ("large", large_run)):
                rate = case["records"] / case["seconds"]
                out.append(
                    {
                        "name": f"ingest {case['records']:,} rows",
                        "store": dialect,
                        "seconds": round(case["seconds"], 1),
                        "records_per_s": round(rate),
                        "raw_insert_per_s": round(raw_rate),
                        "share_of_raw": f"{rate / raw_rate:.1%}",
                        "peak_mb": round(case["peak_mb"]),
                        "readers": "forked" if case["read_in_child"] else "in-process",
                        "readers_peak_mb": round(case["readers_peak_mb"]),
                        "floor": f">= {FLOORS[dialect]:,} rec/s, peak < {PEAK_MB} MB"
                        if label == "large"
                        else f"peak < {PEAK_MB} MB",
                        "ok": (rate >= FLOORS[dialect] or label == "small")
                        and case["peak_mb"] < PEAK_MB
                        and case["readers_peak_mb"] < PEAK_MB,
                    }
                )
            growth = large_run["peak_mb"] - small_run["peak_mb"]
            out.append(
                {
                    "name": f"memory: {rows:,} vs {small:,} rows",
                    "store": dialect,
                    "peak_mb": round(large_run["peak_mb"]),
                    "growth_mb": round(growth, 1),
                    "floor": f"growth < {GROWTH_MB} MB",
                    "ok": growth < GROWTH_MB,
                }
            )
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
