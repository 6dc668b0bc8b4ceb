"""History as it stood: an item and its register row as of a recorded time, and what changed between two.

Both rest on the projections' own as-of build (only the events recorded by then, judged against
that day), made into a temporary SQLite file and thrown away, so the live read tables are never
touched and the answer is the one ``lif project --as-of`` would give.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from lif_core.audit.trail import find_item
from lif_core.audit.words import describe
from lif_core.errors import ConfigError, NotFoundError
from lif_core.eventlog.codec import plain
from lif_core.eventlog.log import StoredRow, read_streams
from lif_core.eventlog.store import Store

__all__ = [
    "DIFF_TABLES",
    "AsOf",
    "Diff",
    "RowChange",
    "diff_tables",
    "item_as_of",
    "tables_as_of",
]

DIFF_TABLES = ("learning_register", "action_status", "impact_monitoring")
_REGISTER = {
    "learning": ("learning_register", "reference"),
    "action": ("action_status", "reference"),
    "measure": ("impact_monitoring", "measure"),
}
# The date a row was judged against is the as-of day itself: not a change in what was known.
_NOT_COMPARED = {"reference_date"}
_STREAM_COLUMNS = ("stream_id", "measure_stream_id")


def _recorded(row: StoredRow) -> datetime:
    return datetime.fromisoformat(str(row.data()["timestamp"]))


@contextmanager
def tables_as_of(store: Store, when: datetime) -> Iterator[Store]:
    """The read tables as they would have been at ``when``, in a temporary SQLite store."""
    from projections import project

    with tempfile.TemporaryDirectory(prefix="lif-as-of-") as tmp:
        path = Path(tmp) / "as-of.db"
        project(store, as_of=when, out=str(path))
        with Store(f"sqlite:///{path}") as target:
            yield target


def _table_rows(
    store: Store, table: str, where: str = "", params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    from projections import TABLES

    spec = TABLES[table]
    names = [c.name for c in spec.columns]
    with store.read() as tx:
        rows = tx.execute(
            f"SELECT {', '.join(names)} FROM {table} {where} ORDER BY {', '.join(spec.key)}", params
        ).fetchall()
    return [dict(zip(names, r, strict=True)) for r in rows]


@dataclass(frozen=True, slots=True)
class AsOf:
    """An item as it stood at a recorded time: its state from its events, and its register row(s)."""

    reference: str
    kind: str
    stream_id: str
    as_of: str
    version: int
    events_then: int
    events_now: int
    last_recorded_at: str
    state: dict[str, Any]
    table: str
    rows: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return data


def item_as_of(store: Store, reference: str, when: datetime) -> AsOf:
    """``reference`` from only the events recorded by ``when``, and its register row then."""
    kind, stream_id = find_item(store, reference)
    rows = read_streams(store, [stream_id])
    then: list[StoredRow] = []
    for row in rows:
        if _recorded(row) > when:
            break
        then.append(row)
    if not then:
        first = rows[0].data().get("timestamp") if rows else "never"
        raise NotFoundError(
            f"{reference} was not recorded yet at {when.isoformat()}: its first event was recorded at {first}"
        )
    agg: Any = store.app.repository.get(UUID(stream_id), version=then[-1].version)
    state = {
        name: plain(value) for name, value in sorted(vars(agg).items()) if not name.startswith("_")
    }
    table, key = _REGISTER[kind]
    with tables_as_of(store, when) as target:
        register = _table_rows(target, table, f"WHERE {key} = ?", (reference,))
    return AsOf(
        reference=reference,
        kind=kind,
        stream_id=stream_id,
        as_of=when.isoformat(),
        version=then[-1].version,
        events_then=len(then),
        events_now=len(rows),
        last_recorded_at=str(then[-1].data().get("timestamp")),
        state=state,
        table=table,
        rows=tuple(register),
    )


@dataclass(frozen=True, slots=True)
class RowChange:
    """One row added, removed or changed, and the events recorded in between that changed it."""

    table: str
    key: dict[str, Any]
    change: str  # added | removed | changed
    columns: dict[str, dict[str, Any]]
    events: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Diff:
    t1: str
    t2: str
    tables: tuple[str, ...]
    changes: tuple[RowChange, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        out = {t: {"added": 0, "removed": 0, "changed": 0} for t in self.tables}
        for c in self.changes:
            out[c.table][c.change] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        data["counts"] = self.counts()
        return data


def _streams_of(row: dict[str, Any] | None) -> set[str]:
    if row is None:
        return set()
    found = {str(row[c]) for c in _STREAM_COLUMNS if row.get(c)}
    records = row.get("source_records")
    if isinstance(records, str):
        try:
            listed = json.loads(records)
        except ValueError:
            listed = []
        found.update(str(r) for r in listed if isinstance(r, str))
    return found


def diff_tables(
    store: Store, t1: datetime, t2: datetime, tables: Sequence[str] = DIFF_TABLES
) -> Diff:
    """Rows added, removed and changed between two recorded times, with the events behind them."""
    if t2 <= t1:
        raise ConfigError(
            f"the second time ({t2.isoformat()}) must be after the first ({t1.isoformat()})"
        )
    unknown = [t for t in tables if t not in DIFF_TABLES]
    if unknown:
        raise ConfigError(f"--table {unknown[0]!r}: choose one of {', '.join(DIFF_TABLES)}")
    from projections import TABLES

    before: dict[str, list[dict[str, Any]]] = {}
    after: dict[str, list[dict[str, Any]]] = {}
    for when, into in ((t1, before), (t2, after)):
        with tables_as_of(store, when) as target:
            for table in tables:
                into[table] = _table_rows(target, table)
    pending: list[tuple[str, dict[str, Any], str, dict[str, dict[str, Any]], set[str]]] = []
    for table in tables:
        key = TABLES[table].key
        old = {tuple(r[k] for k in key): r for r in before[table]}
        new = {tuple(r[k] for k in key): r for r in after[table]}
        for k in sorted(set(old) | set(new), key=lambda v: tuple(str(x) for x in v)):
            a, b = old.get(k), new.get(k)
            if a is None and b is not None:
                change, columns = "added", {c: {"from": None, "to": v} for c, v in b.items()}
            elif b is None and a is not None:
                change, columns = "removed", {c: {"from": v, "to": None} for c, v in a.items()}
            else:
                assert a is not None and b is not None
                columns = {
                    c: {"from": a[c], "to": b[c]}
                    for c in a
                    if c not in _NOT_COMPARED and a[c] != b[c]
                }
                if not columns:
                    continue
                change = "changed"
            pending.append(
                (
                    table,
                    dict(zip(key, k, strict=True)),
                    change,
                    columns,
                    _streams_of(a) | _streams_of(b),
                )
            )
    streams = set().union(*(p[4] for p in pending)) if pending else set()
    between: dict[str, list[dict[str, Any]]] = {}
    rows = read_streams(store, streams)
    labels = {str(r.data().get("event_id")): f"version {r.version} ({r.type})" for r in rows}
    for row in rows:
        recorded = _recorded(row)
        if t1 < recorded <= t2:
            data = row.data()
            between.setdefault(row.stream_id, []).append(
                {
                    "event_id": str(data.get("event_id") or ""),
                    "type": row.type,
                    "stream_id": row.stream_id,
                    "version": row.version,
                    "recorded_at": str(data.get("timestamp")),
                    "actor": str(data.get("actor") or ""),
                    "summary": describe(row.type, data, labels.get(str(data.get("corrects")), "")),
                }
            )
    changes = tuple(
        RowChange(
            table,
            key,
            change,
            columns,
            tuple(
                sorted(
                    (e for s in sorted(found) for e in between.get(s, [])),
                    key=lambda e: (e["recorded_at"], e["stream_id"], e["version"]),
                )
            ),
        )
        for table, key, change, columns, found in pending
    )
    return Diff(t1.isoformat(), t2.isoformat(), tuple(tables), changes)
