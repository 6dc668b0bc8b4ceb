"""Real sources end to end: the twelve Ofsted provider files, and a year of website page views.

Floors: all twelve Ofsted files in under 30 s on SQLite. Printed beside the raw insert rate of
the same database in the same run (what the pipeline could at best do).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import peak_mb
from lif_core.eventlog.store import Store
from lif_core.ingestion import ingest_file
from lif_core.plugins.host import load_plugins

REAL = Path(
    os.environ.get("LIF_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
PG = os.environ.get("LIF_BENCH_POSTGRES", "postgresql://root@127.0.0.1:5432/test")


def _raw_sqlite_rate(n: int = 100_000) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(f"{tmp}/raw.db")
        conn.execute("CREATE TABLE t (a TEXT, b INTEGER, c TEXT, d BLOB, PRIMARY KEY (a, b))")
        rows = [(uuid.uuid4().hex, 1, "topic", b"x" * 300) for _ in range(n)]
        start = time.perf_counter()
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
        conn.commit()
        rate = n / (time.perf_counter() - start)
        conn.close()
    return rate


def _raw_pg_rate(n: int = 100_000) -> float:
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG.split("?")[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
        try:
            conn.execute(
                f'CREATE TABLE "{schema}".t (a uuid, b bigint, c text, d bytea, PRIMARY KEY (a, b))'
            )
            rows = [(uuid.uuid4(), 1, "topic", b"x" * 300) for _ in range(n)]
            start = time.perf_counter()
            with (
                conn.cursor() as cur,
                cur.copy(f'COPY "{schema}".t (a, b, c, d) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return n / (time.perf_counter() - start)
        finally:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _ofsted(url: str, raw: float, label: str) -> dict[str, Any]:
    loaded = load_plugins().get("ofsted-social-care")
    files = sorted((REAL / "ofsted_csc_provider_level").glob("provider_at_march_*.csv"))
    rows = events = 0
    with Store(url) as store:
        start = time.perf_counter()
        for path in files:
            result = ingest_file(store, loaded, path)
            rows += result.counts["read"]
        seconds = time.perf_counter() - start
        events = store.max_notification_id()
    return {
        "bench": "ofsted: 12 provider files",
        "store": label,
        "rows": rows,
        "events": events,
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "raw_insert_per_s": round(raw),
        "peak_mb": round(peak_mb()),
        "floor": "under 30 s on SQLite",
        "meets_floor": seconds < 30 if label == "sqlite" else None,
    }


def _website(url: str, raw: float, label: str, tmp: Path) -> dict[str, Any]:
    from ingestors.website_stats import generate_sample

    path = tmp / "website-stats-year.csv"
    if not path.exists():
        generate_sample(path, pages=3000, days=365)
    loaded = load_plugins().get("website-stats")
    with Store(url) as store:
        start = time.perf_counter()
        result = ingest_file(store, loaded, path)
        seconds = time.perf_counter() - start
    rows = result.counts["read"]
    return {
        "bench": "website-stats: a year x 3,000 pages",
        "store": label,
        "rows": rows,
        "events": result.counts["recorded"],
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds),
        "raw_insert_per_s": round(raw),
        "peak_mb": round(peak_mb()),
        "floor": "(issue 3's floor: >= 15,000 rec/s SQLite, >= 8,000 PG)",
        "meets_floor": rows / seconds >= (15000 if label == "sqlite" else 8000),
    }


def run() -> list[dict[str, Any]]:
    out = []
    raw_sqlite, raw_pg = _raw_sqlite_rate(), _raw_pg_rate()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        out.append(_ofsted(f"sqlite:///{tmp}/ofsted.db", raw_sqlite, "sqlite"))
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        try:
            out.append(_ofsted(f"{PG}?schema={schema}", raw_pg, "postgresql"))
            out.append(_website(f"sqlite:///{tmp}/web.db", raw_sqlite, "sqlite", tmp))
            out.append(_website(f"{PG}?schema={schema}w", raw_pg, "postgresql", tmp))
        finally:
            import psycopg

            with psycopg.connect(PG, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}w" CASCADE')
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
