"""The source catalogue, ingestion runs and rejected records awaiting review."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from projections.engine import Column, Context, EventView, Table

NAME = "catalogue"
TOPICS = {
    "SourceRecord.Recorded",
    "SourceRecord.Revised",
    "SourceRecord.Withdrawn",
    "IngestionRun.Started",
    "IngestionRun.RecordRejected",
    "IngestionRun.Completed",
    "IngestionRun.Failed",
}
GRACE = timedelta(days=90)


def _entity(state: dict[str, Any], key: str, default: dict[str, Any]) -> dict[str, Any]:
    if key not in state:
        state[key] = default
    value: dict[str, Any] = state[key]
    return value


def apply(state: dict[str, Any], event: EventView) -> set[str]:
    d = event.data
    kind = event.type
    if kind.startswith("SourceRecord."):
        key = f"src:{d['source']}"
        src = _entity(
            state,
            key,
            {
                "source": d["source"],
                "active": 0,
                "withdrawn": 0,
                "events": 0,
                "newest_from": None,
                "newest_to": None,
            },
        )
        src["events"] += 1
        # Only withdrawn records are remembered one by one (to count a re-appearance); the
        # rest are counts, so the state stays small however many records a source has.
        gone = f"wd:{event.stream_id}"
        if kind == "SourceRecord.Withdrawn":
            if gone not in state:
                state[gone] = {"source": d["source"]}
                src["active"] -= 1
                src["withdrawn"] += 1
                return {key, gone}
            return {key}
        if kind == "SourceRecord.Recorded":
            src["active"] += 1
        changed = {key}
        if kind != "SourceRecord.Recorded" and gone in state:
            del state[gone]
            src["active"] += 1
            src["withdrawn"] -= 1
            changed.add(gone)  # the entity is gone from the state: its stored row is deleted
        end = d["valid_to"] or d["valid_from"]
        if src["newest_to"] is None or end > src["newest_to"]:
            src["newest_from"], src["newest_to"] = d["valid_from"], end
        return changed
    run_key = f"run:{event.stream_id}"
    if kind == "IngestionRun.Started":
        state[run_key] = {
            "run_id": d["correlation"],
            "source": d["source"],
            "origin": d["origin"],
            "origin_sha256": d["origin_sha256"],
            "plugin": d["plugin"],
            "plugin_version": d["plugin_version"],
            "started_at": d["timestamp"],
            "finished_at": None,
            "status": "started",
            "counts": {},
            "failure": None,
            "rejections": [],
            "rejected_before": [],
        }
        return {run_key}
    run = state.get(run_key)
    if run is None:
        return set()
    if kind == "IngestionRun.RecordRejected":
        run["rejections"].append(
            {
                "version": event.version,
                "locator": d["locator"],
                "reasons": d["reasons"],
                "raw": d["raw"],
                "kind": d["record_kind"],
                "at": d["timestamp"],
            }
        )
    elif kind in ("IngestionRun.Completed", "IngestionRun.Failed"):
        run["status"] = "completed" if kind.endswith("Completed") else "failed"
        run["counts"] = d["counts"]
        run["finished_at"] = d["timestamp"]
        run["failure"] = (
            None if kind.endswith("Completed") else f"{d['failure_kind']}: {d['reason']}"
        )
        # Earlier rejections of the same file this run met again (not kept twice): still open.
        run["rejected_before"] = [
            [ref["run_id"], ref["event_version"]] for ref in d.get("rejected_before") or ()
        ]
        if run["status"] == "completed":
            src = _entity(
                state,
                f"src:{run['source']}",
                {
                    "source": run["source"],
                    "active": 0,
                    "withdrawn": 0,
                    "events": 0,
                    "newest_from": None,
                    "newest_to": None,
                },
            )
            src["last_ingested"] = d["timestamp"]
            return {run_key, f"src:{run['source']}"}
    return {run_key}


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def cadence_days(cadence: str | None) -> int | None:
    """An ISO 8601 duration (P1Y, P3M, P1W, P1D) in days, roughly (a year 365, a month 31)."""
    if not cadence:
        return None
    m = _DURATION.match(cadence)
    if not m or not any(m.groups()):
        return None
    y, mo, w, dd = (int(g or 0) for g in m.groups())
    return y * 365 + mo * 31 + w * 7 + dd


def _catalogue(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    state = states.get(NAME, {})
    seen = {v["source"]: v for k, v in state.items() if k.startswith("src:")}
    out = []
    for name in sorted(set(seen) | set(context.sources)):
        src = seen.get(name, {})
        meta = context.sources.get(name, {})
        days = cadence_days(meta.get("cadence"))
        newest: date | None = src.get("newest_to")
        expected = newest + timedelta(days=days) if newest and days else None
        if not src.get("last_ingested"):
            freshness = "never ingested"
        elif expected is None:
            freshness = "unknown cadence"
        else:
            freshness = "fresh" if context.reference_date <= expected + GRACE else "stale"
        out.append(
            {
                "source": name,
                "title": meta.get("title"),
                "provider": meta.get("provider"),
                "cadence": meta.get("cadence"),
                "records": src.get("active", 0),
                "withdrawn": src.get("withdrawn", 0),
                "events": src.get("events", 0),
                "last_ingested": src.get("last_ingested"),
                "newest_period_start": src.get("newest_from"),
                "newest_period_end": newest,
                "next_expected": expected,
                "freshness": freshness,
                "reference_date": context.reference_date,
            }
        )
    return out


def _runs(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    out = []
    for key, run in states.get(NAME, {}).items():
        if not key.startswith("run:"):
            continue
        counts = run["counts"]
        out.append(
            {
                "run_id": run["run_id"],
                "source": run["source"],
                "origin": run["origin"],
                "origin_sha256": run["origin_sha256"],
                "plugin_version": run["plugin_version"],
                "status": run["status"],
                "started_at": run["started_at"],
                "finished_at": run["finished_at"],
                "rows_read": counts.get("read"),
                "recorded": counts.get("recorded"),
                "revised": counts.get("revised"),
                "unchanged": counts.get("unchanged"),
                "withdrawn": counts.get("withdrawn"),
                "rejected": counts.get("rejected"),
                "rejected_before": counts.get("rejected_before", 0) if counts else None,
                "failure": run["failure"],
            }
        )
    return out


def _origin_name(origin: str) -> str:
    return origin.replace("\\", "/").rsplit("/", 1)[-1]


def superseded(runs: Iterable[Mapping[str, Any]]) -> set[tuple[str, int]]:
    """(run id, event version) of every rejection a later run superseded.

    A rejection is superseded once a later run of the same source over a file of the same
    name completed — unless that run read the same file again (the partner register had
    changed) and met the same rejection again: it names those (``rejected_before``), and they
    stay open. Each run: ``run_id``, ``source``, ``origin``, ``started_at``, ``status``,
    ``rejected_before`` (``[run id, event version]`` pairs) and ``rejections`` (each with its
    event ``version``). The ``rejections`` table and ``lif rejects`` both ask this.
    """
    runs = list(runs)
    latest_ok: dict[tuple[str, str], Mapping[str, Any]] = {}
    for run in runs:
        if run["status"] == "completed":
            key = (run["source"], _origin_name(run["origin"]))
            if key not in latest_ok or run["started_at"] > latest_ok[key]["started_at"]:
                latest_ok[key] = run
    met_again = {
        (str(run_id), int(version))
        for run in latest_ok.values()
        for run_id, version in run.get("rejected_before") or ()
    }
    out: set[tuple[str, int]] = set()
    for run in runs:
        later = latest_ok.get((run["source"], _origin_name(run["origin"])))
        if later is None or later["started_at"] <= run["started_at"]:
            continue
        for rej in run["rejections"]:
            if (run["run_id"], rej["version"]) not in met_again:
                out.add((run["run_id"], rej["version"]))
    return out


def _rejections(states: dict[str, dict[str, Any]], context: Context) -> list[dict[str, Any]]:
    runs = [r for k, r in states.get(NAME, {}).items() if k.startswith("run:")]
    gone = superseded(runs)
    out = []
    for run in runs:
        for rej in run["rejections"]:
            resolved = (run["run_id"], rej["version"]) in gone
            out.append(
                {
                    "run_id": run["run_id"],
                    "event_version": rej["version"],
                    "source": run["source"],
                    "origin": run["origin"],
                    "record_kind": rej["kind"],
                    "locator": rej["locator"],
                    "reasons": rej["reasons"],
                    "raw": rej["raw"],
                    "rejected_at": rej["at"],
                    "status": "superseded by a later run" if resolved else "awaiting review",
                }
            )
    return out


TABLES = [
    Table(
        name="source_catalogue",
        description="Per source: records held, when last ingested, the newest period, and whether it is fresh for its cadence.",
        key=("source",),
        render=_catalogue,
        columns=(
            Column("source", "TEXT", "The source's stable name, e.g. youth-offending-returns."),
            Column("title", "TEXT", "The source's title (from its plugin)."),
            Column("provider", "TEXT", "Who publishes it (inspectorate or agency)."),
            Column(
                "cadence", "TEXT", "How often new data is expected (ISO 8601 duration, e.g. P1Y)."
            ),
            Column("records", "INTEGER", "Records currently held (recorded and not withdrawn)."),
            Column("withdrawn", "INTEGER", "Records withdrawn (absent from a newer snapshot)."),
            Column("events", "INTEGER", "Source-record events (recorded, revised, withdrawn)."),
            Column("last_ingested", "TIMESTAMP", "When a run of this source last completed (UTC)."),
            Column(
                "newest_period_start", "DATE", "Start of the newest period any record describes."
            ),
            Column("newest_period_end", "DATE", "End of the newest period any record describes."),
            Column(
                "next_expected",
                "DATE",
                "newest_period_end plus the cadence: when newer data is due.",
            ),
            Column(
                "freshness",
                "TEXT",
                "fresh, stale (reference date > next_expected + 90 days), never ingested, unknown cadence.",
            ),
            Column("reference_date", "DATE", "The date freshness was judged against."),
        ),
    ),
    Table(
        name="ingestion_runs",
        description="One row per ingestion run: the origin, its sha256, the counts, and how it ended.",
        key=("run_id",),
        render=_runs,
        columns=(
            Column("run_id", "TEXT", "The run's id (the correlation id of its events)."),
            Column("source", "TEXT", "The source ingested."),
            Column("origin", "TEXT", "The file path, URI or Kafka topic/partition/offset."),
            Column("origin_sha256", "TEXT", "sha256 of the origin's bytes."),
            Column("plugin_version", "TEXT", "The plugin version that read it."),
            Column("status", "TEXT", "completed, failed or started (still running or crashed)."),
            Column("started_at", "TIMESTAMP", "When the run started (UTC)."),
            Column("finished_at", "TIMESTAMP", "When it ended (UTC)."),
            Column("rows_read", "INTEGER", "Data rows read."),
            Column("recorded", "INTEGER", "New records."),
            Column("revised", "INTEGER", "Records whose content changed."),
            Column(
                "unchanged",
                "INTEGER",
                "Records already held unchanged (or older than what is held).",
            ),
            Column(
                "withdrawn", "INTEGER", "Records withdrawn because a snapshot no longer held them."
            ),
            Column("rejected", "INTEGER", "Rows rejected (kept, see the rejections table)."),
            Column(
                "rejected_before",
                "INTEGER",
                "Rows rejected exactly as an earlier run over the same file (same sha256) "
                "rejected them: not kept again, that rejection stays open (a file read again "
                "after the partner register changed). 0 for runs from before it was counted.",
                since=2,
            ),
            Column(
                "failure",
                "TEXT",
                "For a failed run: the kind (configuration, input, plugin-bug) and reason; empty for a run that did not fail.",
            ),
        ),
    ),
    Table(
        name="rejections",
        description=(
            "Rejected rows, kept with where and why and the raw row (sensitive values masked). "
            "`reasons` and `raw` keep their v1 names and JSON type and hold the sealed form "
            '({"$sealed": "run:…", "data": "…"}) here, in rejections_v1 and in exports alike; '
            "/api/v1/rejections and the web view serve the same v1 columns opened, or [erased] "
            "(docs/privacy.md)."
        ),
        key=("run_id", "event_version"),
        render=_rejections,
        columns=(
            Column("run_id", "TEXT", "The run that rejected it."),
            Column(
                "event_version",
                "INTEGER",
                "The RecordRejected event's version in the run's stream.",
            ),
            Column("source", "TEXT", "The source."),
            Column("origin", "TEXT", "The file or message it came from."),
            Column(
                "record_kind", "TEXT", "The record kind, when the row got that far; else empty."
            ),
            Column(
                "locator",
                "JSON",
                "Where in the origin: sheet/row, line, or topic/partition/offset.",
            ),
            Column(
                "reasons",
                "JSON",
                "Why, in words: column, value shape, what was expected. Sealed under the run's data key (docs/privacy.md); the web view and API show it opened, or [erased].",
            ),
            Column(
                "raw",
                "JSON",
                "The row as the source sent it (child identifiers masked). Sealed under the run's data key (docs/privacy.md); the web view and API show it opened, or [erased].",
            ),
            Column("rejected_at", "TIMESTAMP", "When it was rejected (UTC)."),
            Column(
                "status",
                "TEXT",
                "awaiting review, or superseded by a later run of a file of the same name (a run "
                "that read the same file again and met the same rejection leaves it awaiting "
                "review: it is kept once).",
            ),
        ),
    ),
]
