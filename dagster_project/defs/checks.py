"""Asset checks: the log verifies, each projection equals its rebuild, sources are fresh, rejections reviewed."""

import os
import tempfile
from pathlib import Path

import dagster as dg

from dagster_project.defs.assets import POLICIES
from dagster_project.defs.resources import LifStore
from lif_core.audit.verify import latest_seal, verify
from lif_core.eventlog.store import Store
from lif_core.plugins.host import load_plugins
from projections import ALL, TABLES, context_for, table_checksums
from projections.engine import checksum, run_projections

REJECTIONS_THRESHOLD = int(os.environ.get("LIF_REJECTIONS_THRESHOLD", "50"))


@dg.asset_check(
    asset=POLICIES,
    description="Every stream's hash chain recomputes, and the log matches the latest seal.",
    blocking=True,
)
def event_log_verifies(lif: LifStore) -> dg.AssetCheckResult:
    with lif.open() as store:
        report = verify(store, latest_seal(store))
    first = report.first
    return dg.AssetCheckResult(
        passed=report.ok,
        metadata={
            "events": report.events,
            "streams": report.streams,
            "first_problem": str(first) if first else "",
            "seal_problem": report.seal_problem or "",
        },
    )


def rebuild_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([table]),
        name=f"{table}_equals_rebuild",
        description=f"{table} equals a rebuild from event one (same checksum).",
    )
    def check(lif: LifStore) -> dg.AssetCheckResult:
        with lif.open() as store:
            stored = table_checksums(store).get(table)
            if stored is None:
                return dg.AssetCheckResult(
                    passed=False, metadata={"reason": "the table has never been built"}
                )
            from datetime import date

            spec = TABLES[table]
            names = [c.name for c in spec.columns]
            with store.read() as tx:
                rows = tx.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
            # The rows as they are now (someone may have edited them), not the checksum recorded
            # when they were written; the rebuild stops where the table was built.
            actual = checksum([dict(zip(names, r, strict=True)) for r in rows], spec)
            ctx = context_for(date.fromisoformat(stored["reference_date"]))
            with (
                tempfile.TemporaryDirectory() as tmp,
                Store(f"sqlite:///{Path(tmp) / 'rebuild.db'}") as target,
            ):
                rebuilt = run_projections(
                    store, ALL, ctx, target=target, stop=int(stored["position"])
                ).tables[table]
        same = rebuilt["checksum"] == actual == stored["checksum"]
        return dg.AssetCheckResult(
            passed=same,
            metadata={
                "stored": actual,
                "recorded": stored["checksum"],
                "rebuilt": rebuilt["checksum"],
                "rows": stored["rows"],
            },
        )

    return check


def freshness_check(name: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["source_catalogue"]),
        name=f"{name.replace('-', '_')}_fresh",
        description=f"{name} is fresh for its expected cadence (source_catalogue).",
    )
    def check(lif: LifStore) -> dg.AssetCheckResult:
        with lif.open() as store, store.read() as tx:
            row = tx.execute(
                "SELECT freshness, newest_period_end, next_expected FROM source_catalogue WHERE source = ?",
                (name,),
            ).fetchone()
        freshness = row[0] if row else "never ingested"
        return dg.AssetCheckResult(
            passed=freshness == "fresh",
            severity=dg.AssetCheckSeverity.WARN,
            metadata={
                "freshness": freshness,
                "newest_period_end": str(row[1]) if row else "",
                "next_expected": str(row[2]) if row else "",
            },
        )

    return check


@dg.asset_check(
    asset=dg.AssetKey(["rejections"]),
    description=f"No more than LIF_REJECTIONS_THRESHOLD ({REJECTIONS_THRESHOLD}) rejected rows await review.",
)
def rejections_reviewed(lif: LifStore) -> dg.AssetCheckResult:
    with lif.open() as store, store.read() as tx:
        row = tx.execute(
            "SELECT COUNT(*) FROM rejections WHERE status = 'awaiting review'"
        ).fetchone()
    waiting = int(row[0]) if row else 0
    return dg.AssetCheckResult(
        passed=waiting <= REJECTIONS_THRESHOLD,
        metadata={"awaiting_review": waiting, "threshold": REJECTIONS_THRESHOLD},
    )


@dg.definitions
def checks() -> dg.Definitions:
    return dg.Definitions(
        asset_checks=[
            event_log_verifies,
            rejections_reviewed,
            *(rebuild_check(name) for name in TABLES),
            *(freshness_check(loaded.name) for loaded in load_plugins()),
        ]
    )
