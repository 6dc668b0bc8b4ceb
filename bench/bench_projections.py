"""Projections over a large log: catch-up, full rebuild and as-of, beside the raw read rate.

A history of ``LIF_BENCH_PROJECTION_EVENTS`` events (default 1,000,000) is written to a fresh
SQLite file and a fresh PostgreSQL schema: mostly source records through the ingestion pipeline
(a large site's daily page views, the performance framework's monthly indicators, tracker
exports with the policies run over them), plus learning items, actions and measures with their
decisions through the domain. It is written in two halves; the projections are brought up to
date after the first (untimed), then, each case in a fresh process (so ``peak_mb`` is that
case's own peak resident memory, interpreter and imports included):

- **catch-up**: ``project()`` over the second half, from the positions the first half left;
- **rebuild**: ``project(rebuild=True)`` from event one;
- **as-of**: ``project(as_of=T, out=FILE)`` with T between the halves, into a SQLite file;
- **raw read**: the events table read with the engine's own query and page size, nothing
  decoded (what any projection could at best do), and read + decode (``events_of``).

Rates are events of the log per second (catch-up: the new events). Floors (``ok``): rebuild
≥ 30,000 events/s on SQLite and ≥ 20,000 on PostgreSQL; peak memory < 500 MB for every case.

Environment: ``LIF_BENCH_PROJECTION_EVENTS``; ``LIF_BENCH_POSTGRES`` (default
``LIF_TEST_POSTGRES``, else postgresql://root@127.0.0.1:5432/test; a fresh schema is made and
dropped); ``LIF_BENCH_PROJECTION_PROFILE`` (a folder: each timed case also writes a cProfile
``.pstats`` file there, at some cost in speed).
"""

from __future__ import annotations

import cProfile
import csv
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import in_fresh_process, peak_mb

__all__ = ["run"]

FLOORS = {"sqlite": 30_000, "postgresql": 20_000}
PEAK_MB = 500
REFERENCE = date(2025, 10, 1)
ACTOR = "bench"
# Shares of the log (the rest is page views): what a partnership's log would mostly hold.
PERFORMANCE_SHARE = 0.05
DOMAIN_SHARE = 0.10


def _settings() -> tuple[int, str]:
    events = int(os.environ.get("LIF_BENCH_PROJECTION_EVENTS", "1000000"))
    pg = os.environ.get("LIF_BENCH_POSTGRES") or os.environ.get(
        "LIF_TEST_POSTGRES", "postgresql://root@127.0.0.1:5432/test"
    )
    return events, pg


# --- the history ---------------------------------------------------------------------------


def _performance_file(path: Path, records: int, half: int, rng: random.Random) -> Path:
    """Monthly indicator values for Leeds and two comparators; the second half restates some."""
    months = 48
    indicators = max(1, records // (3 * months))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["Period", "Area", "Indicator code", "Indicator", "Value", "Unit", "Polarity"]
        )
        for i in range(indicators):
            code = f"BENCH-{i:04d}"
            for m in range(months):
                if (m < months // 2) != (half == 0) and not (half == 1 and m % 12 == 0):
                    continue
                period = f"{2021 + m // 12}-{m % 12 + 1:02d}"
                for area in ("Leeds", "England", "Statistical neighbours"):
                    value = 50 + i % 40 + m / 4 + rng.random() * (5 if half else 1)
                    writer.writerow(
                        [
                            period,
                            area,
                            code,
                            f"Indicator {code}",
                            f"{value:.1f}",
                            "count",
                            "higher-is-better",
                        ]
                    )
    return path


def _domain(store: Any, items: int, half: int, rng: random.Random) -> None:
    """Learning items and actions with their decisions, and measures, through the domain."""
    from lif_core.domain import Action, Learning, Measure

    base = half * items
    batch: list[Any] = []

    def flush(force: bool = False) -> None:
        if batch and (force or len(batch) >= 500):
            store.save(*batch)
            batch.clear()

    for n in range(base, base + items):
        identified = date(2021, 1, 1) + timedelta(days=rng.randrange(1700))
        item = Learning.identify(
            reference=f"LRN-{identified.year}-{n:06d}",
            title=f"Learning {n}",
            statement="Practitioners should record what the child said.",
            themes=["Voice of the child", "Neglect"],
            source_kind=rng.choice(["review", "audit", "inspection"]),
            identified_on=identified,
            actor=ACTOR,
        )
        item.prioritise(rng.choice(["high", "medium", "low"]), "board priority", ACTOR)
        item.accept("agreed", ACTOR)
        item.disseminate("newsletter", identified + timedelta(days=30), "practitioners", ACTOR)
        # The owner is drawn before the due date, as always, so a seed builds the same data.
        owner = rng.choice(["LCH", "LTHT", "West Yorkshire Police"])
        due = identified + timedelta(days=rng.randrange(30, 400))
        action = Action.raise_action(
            reference=f"ACT-{identified.year}-{n:06d}",
            description=f"Act on learning {n}",
            owner_agency=owner,
            due=due,
            raised_on=identified,
            learning_reference=item.reference,
            actor=ACTOR,
        )
        action.progress("under way", "amber", ACTOR)
        if rng.random() < 0.6:
            action.complete(due + timedelta(days=rng.randrange(-30, 30)), None, ACTOR)
        batch += [item, action]
        flush()
    if half == 0:
        for name in ("actions-on-time", "actions-completed", "learning-identified"):
            batch.append(
                Measure.define(
                    reference=f"MEA-{name.upper()}",
                    name=name,
                    category="how-well",
                    unit="%",
                    polarity="higher-is-better",
                    frequency="yearly",
                    binding={"computed": name},
                    actor=ACTOR,
                )
            )
        for i in range(30):
            batch.append(
                Measure.define(
                    reference=f"MEA-BENCH-{i:04d}",
                    name=f"Indicator {i}",
                    category="better-off",
                    unit="count",
                    polarity="higher-is-better",
                    frequency="monthly",
                    binding={
                        "source": "performance",
                        "kind": "indicator-value",
                        "match": {"indicator_code": f"BENCH-{i:04d}", "area": "Leeds"},
                        "value": "value",
                    },
                    baseline_periods=6,
                    target=Decimal(60 + i),
                    actor=ACTOR,
                )
            )
    flush(force=True)


def _write_half(url: str, folder: str, events: int, half: int) -> dict[str, Any]:
    """One half of the history; returns the log's size after it."""
    from ingestors.website_stats import generate_sample
    from lif_core.eventlog.store import Store
    from lif_core.ingestion import ingest_file
    from lif_core.ingestion.samples import sample_inputs
    from lif_core.plugins.host import load_plugins
    from lif_core.policies import run_policies

    rng = random.Random(half)
    tmp = Path(folder)
    plugins = load_plugins()
    share = events // 2
    started = time.perf_counter()
    with Store(url) as store:
        tracker = plugins.get("action-plans")
        exports = sample_inputs(tracker.source)
        for path in exports[:2] if half == 0 else exports[2:]:
            ingest_file(store, tracker, path)
        # learning item + action: about 4 + 3.6 events each
        _domain(store, int(share * DOMAIN_SHARE / 7.6), half, rng)
        performance = _performance_file(
            tmp / f"pmf-{half}.csv", int(share * PERFORMANCE_SHARE), half, rng
        )
        ingest_file(store, plugins.get("performance"), performance)
        run_policies(store)
        website = plugins.get("website-stats")
        month = 0
        while store.max_notification_id() < share * (half + 1):
            missing = share * (half + 1) - store.max_notification_id()
            pages = max(10, min(5000, missing // 31))
            start = date(2022 + half * 2, 1, 1) + timedelta(days=31 * month)
            path = tmp / f"page-views-{half}-{month}.csv"
            generate_sample(path, pages=pages, days=31, start=start, seed=half * 100 + month)
            ingest_file(store, website, path)
            path.unlink()
            month += 1
        # The policies follow the whole log, page views included: brought to the head here, each
        # half's write pays for reading its own events, not the next half for the page views
        # written after the policies ran above (which made the second half look slower).
        run_policies(store)
        top = store.max_notification_id()
    return {"events": top, "seconds": time.perf_counter() - started}


# --- the timed cases, each in a fresh process ----------------------------------------------


def _profiled(profile: str | None, function: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """Run ``function``; its wall and CPU seconds, and the machine's load (other work skews both)."""
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    result = function()
    if profiler and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    return result, {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "load": os.getloadavg()[0],
    }


def _context() -> Any:
    from projections import context_for

    return context_for(REFERENCE)


def _project(url: str, mode: str, profile: str | None) -> dict[str, Any]:
    from lif_core.eventlog.store import Store
    from projections import project

    context = _context()
    with Store(url) as store:
        top = store.max_notification_id()
        run, timing = _profiled(
            profile, lambda: project(store, rebuild=mode == "rebuild", context=context)
        )
    return {
        "events": top,
        "read": max(run.events.values()),
        **timing,
        "peak_mb": peak_mb(),
        "rows": {name: t["rows"] for name, t in run.tables.items()},
    }


def _as_of(url: str, moment: str, out: str, profile: str | None) -> dict[str, Any]:
    from lif_core.eventlog.store import Store
    from projections import project

    context = _context()
    with Store(url) as store:
        top = store.max_notification_id()
        run, timing = _profiled(
            profile,
            lambda: project(store, as_of=datetime.fromisoformat(moment), out=out, context=context),
        )
    return {
        "events": top,
        "read": max(run.events.values()),
        **timing,
        "peak_mb": peak_mb(),
    }


def _raw_read(url: str) -> dict[str, Any]:
    from lif_core.eventlog.log import PAGE, events_table, notification_column
    from lif_core.eventlog.store import Store
    from projections.engine import events_of

    with Store(url) as store:
        oid = "originator_id::text" if store.dialect == "postgresql" else "originator_id"
        sql = (
            f"SELECT {notification_column(store)}, {oid}, originator_version, topic, state FROM {events_table(store)} "
            f"WHERE {notification_column(store)} >= ? ORDER BY {notification_column(store)} LIMIT ?"
        )
        count, position = 0, 1
        started = time.perf_counter()
        while True:
            with store.read() as tx:
                rows = tx.execute(sql, (position, PAGE)).fetchall()
            if not rows:
                break
            count += len(rows)
            position = int(rows[-1][0]) + 1
        raw_seconds = time.perf_counter() - started
        started = time.perf_counter()
        decoded = sum(1 for _ in events_of(store, 1))
        decode_seconds = time.perf_counter() - started
    return {
        "events": count,
        "seconds": raw_seconds,
        "decoded": decoded,
        "decode_seconds": decode_seconds,
        "peak_mb": peak_mb(),
    }


def _drop_schema(pg: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(pg.split("?")[0], autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _rows(dialect: str, cases: dict[str, dict[str, Any]], first_half: int) -> list[dict[str, Any]]:
    raw = cases["raw"]
    cases["catch-up"]["new"] = cases["catch-up"]["events"] - first_half
    cases["as-of"]["included"] = first_half
    raw_rate = raw["events"] / raw["seconds"]
    decode_rate = raw["decoded"] / raw["decode_seconds"]
    out = []
    for name, label, count in (
        ("catch-up", "catch-up over the second half", "new"),
        ("rebuild", "full rebuild", "events"),
        ("as-of", "as-of build at T (the first half) into a SQLite file", "included"),
    ):
        case = cases[name]
        rate = case[count] / case["seconds"]
        floor = FLOORS[dialect] if name == "rebuild" else None
        out.append(
            {
                "name": label,
                "store": dialect,
                "events": case[count],
                "seconds": round(case["seconds"], 1),
                "cpu_s": round(case["cpu_seconds"], 1),
                "load_1m": round(case["load"], 1),
                "events_per_s": round(rate),
                "raw_read_per_s": round(raw_rate),
                "read_decode_per_s": round(decode_rate),
                "share_of_raw": f"{rate / raw_rate:.1%}",
                "peak_mb": round(case["peak_mb"]),
                "floor": (f">= {floor:,} ev/s, " if floor else "") + f"peak < {PEAK_MB} MB",
                "ok": (floor is None or rate >= floor) and case["peak_mb"] < PEAK_MB,
            }
        )
    out.append(
        {
            "name": "raw read of the events table (no decode)",
            "store": dialect,
            "events": raw["events"],
            "seconds": round(raw["seconds"], 1),
            "events_per_s": round(raw_rate),
            "raw_read_per_s": round(raw_rate),
            "read_decode_per_s": round(decode_rate),
            "share_of_raw": "100.0%",
            "peak_mb": round(raw["peak_mb"]),
            "floor": "",
            "ok": None,
        }
    )
    return out


def run() -> list[dict[str, Any]]:
    events, pg = _settings()
    profile_dir = os.environ.get("LIF_BENCH_PROJECTION_PROFILE")
    out: list[dict[str, Any]] = []
    schema = f"bench_projections_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="lif-bench-projections-") as tmp_name:
        tmp = Path(tmp_name)
        for dialect in ("sqlite", "postgresql"):
            url = f"sqlite:///{tmp}/lif.db" if dialect == "sqlite" else f"{pg}?schema={schema}"
            try:
                profile = {
                    case: f"{profile_dir}/projections-{dialect}-{case}.pstats"
                    if profile_dir
                    else None
                    for case in ("catch-up", "rebuild", "as-of")
                }
                first = in_fresh_process(_write_half, url, str(tmp), events, 0)
                in_fresh_process(_project, url, "catch-up", None)  # the first half, untimed
                moment = datetime.now(UTC).isoformat()
                in_fresh_process(_write_half, url, str(tmp), events, 1)
                cases = {
                    "catch-up": in_fresh_process(_project, url, "catch-up", profile["catch-up"]),
                    "rebuild": in_fresh_process(_project, url, "rebuild", profile["rebuild"]),
                    "as-of": in_fresh_process(
                        _as_of, url, moment, str(tmp / f"as-of-{dialect}.db"), profile["as-of"]
                    ),
                    "raw": in_fresh_process(_raw_read, url),
                }
            finally:
                if dialect == "postgresql":
                    _drop_schema(pg, schema)
            out += _rows(dialect, cases, first["events"])
    return out


if __name__ == "__main__":
    for row in run():
        print(row)
