"""Rows of the read tables, filtered, searched, sorted and paged: one query for pages and API alike.

Parameters are named after the projection's own columns (``projections.TABLES``): ``COLUMN=VALUE``
keeps rows whose column equals the value (repeat it for any of several values); a column that
holds a list separated by ``"; "`` (themes, channels) matches one item of the list. ``q``
searches the text columns, ``sort`` takes columns separated by commas (``-`` before a column
sorts it descending), ``limit`` and ``offset`` page. Anything else is refused with a message
that says what is allowed.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from lif_core.errors import LifError, StoreError
from lif_core.eventlog.store import Store
from lif_core.privacy.vault import DataKeys
from projections import TABLES, check_tables
from projections.engine import Table

__all__ = [
    "LISTINGS",
    "BadQuery",
    "Listing",
    "Page",
    "all_rows",
    "distinct_values",
    "listing_for_path",
    "listing_for_table",
    "parameter_schema",
    "query_rows",
    "require_table",
    "sort_keys",
]

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
PAGING = ("limit", "offset", "sort", "q")
# Whole numbers are 64-bit in both databases: past these a filter or an offset cannot match.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
REAL_BOUND = 1e300  # finite numbers only; the bound keeps "1e400" (infinity) out
NO_NUL = "^[^\\x00]*$"  # PostgreSQL text cannot hold NUL, so no parameter may
_FLAGS = {"true": True, "1": True, "false": False, "0": False}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class BadQuery(LifError):
    """A request's parameters cannot be answered: the message says which and what is allowed."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Listing:
    """One read table as the web view and the API list it."""

    path: str  # the URL segment, e.g. "learning-register"
    table: str  # the projection table, e.g. "learning_register"
    title: str
    default_sort: tuple[str, ...]
    list_columns: tuple[str, ...] = ()  # columns holding "; "-separated items

    @property
    def spec(self) -> Table:
        return TABLES[self.table]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.spec.columns)

    @property
    def search_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.spec.columns if c.type in ("TEXT", "JSON"))

    def column_type(self, name: str) -> str:
        return next(c.type for c in self.spec.columns if c.name == name)


LISTINGS: tuple[Listing, ...] = (
    Listing(
        "learning-register",
        "learning_register",
        "Learning register",
        ("-date_identified", "reference"),
        list_columns=("themes", "dissemination_channels"),
    ),
    Listing(
        "action-status",
        "action_status",
        "Action status",
        ("-overdue", "-days_overdue", "due", "reference"),
        # A shared action names its partners "A; B": a partner's filter matches each of them.
        list_columns=("owner_partner", "owner_partner_name", "learning_references"),
    ),
    Listing(
        "impact-monitoring",
        "impact_monitoring",
        "Impact monitoring",
        ("result", "category", "measure", "period_start"),
    ),
    Listing("source-catalogue", "source_catalogue", "Source catalogue", ("source",)),
    Listing("ingestion-runs", "ingestion_runs", "Ingestion runs", ("-started_at", "run_id")),
    Listing("rejections", "rejections", "Rejected records", ("-rejected_at", "run_id")),
    Listing("learning-candidates", "learning_candidates", "Learning candidates", ("candidate_id",)),
    Listing(
        "review-register", "review_register", "Review register", ("-decision_date", "reference")
    ),
    Listing(
        "review-timeliness", "review_timeliness", "Review timeliness", ("reference", "timescale")
    ),
    Listing("partner-register", "partner_register", "Partner register", ("reference",)),
    Listing("agency-names", "agency_names", "Agency names", ("resolved", "name", "used_as")),
    Listing(
        "learning-cascade",
        "learning_cascade",
        "Cascade inside partners",
        ("learning_reference", "partner"),
    ),
    Listing(
        "priorities",
        "priorities",
        "Priorities",
        ("reference",),
        list_columns=("learning_items", "strengths", "areas_for_improvement", "measures"),
    ),
    Listing(
        "measure-narratives",
        "measure_narratives",
        "Turn-the-curve narratives",
        ("measure", "period"),
    ),
)


def listing_for_path(path: str) -> Listing | None:
    return next((item for item in LISTINGS if item.path == path), None)


def listing_for_table(table: str) -> Listing:
    return next(item for item in LISTINGS if item.table == table)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows and where it lies in the whole answer."""

    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(0, self.offset - self.limit) if self.offset > 0 else None


def _int(name: str, raw: str, low: int = INT_MIN, high: int = INT_MAX) -> int:
    if len(raw) > 25 or not re.fullmatch(r"[+-]?\d+", raw.strip()):
        raise BadQuery(f"{name}={raw[:40]!r} is not a whole number")
    value = int(raw)
    if value < low or value > high:
        raise BadQuery(f"{name}={value} is out of range: it must be from {low} to {high}")
    return value


def _real(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise BadQuery(f"{name}={raw[:40]!r}: {name} holds numbers") from None
    if not math.isfinite(value) or abs(value) > REAL_BOUND:
        raise BadQuery(f"{name}={raw[:40]!r}: a number from -1e300 to 1e300 is expected")
    return value


def _typed(listing: Listing, column: str, raw: str) -> Any:
    kind = listing.column_type(column)
    if kind == "INTEGER":
        return _int(column, raw)
    if kind == "REAL":
        return _real(column, raw)
    if kind == "BOOLEAN":
        if raw.lower() not in _FLAGS:
            raise BadQuery(f"{column}={raw[:40]!r}: {column} is true or false (or 1 or 0)")
        return _FLAGS[raw.lower()]
    if kind == "DATE":
        try:
            if not _DAY.fullmatch(raw):
                raise ValueError(raw)
            date.fromisoformat(raw)
        except ValueError:
            raise BadQuery(f"{column}={raw[:40]!r}: {column} holds dates like 2025-03-31") from None
    if kind == "TIMESTAMP":
        try:
            datetime.fromisoformat(raw.upper().replace("Z", "+00:00"))
        except ValueError:
            raise BadQuery(
                f"{column}={raw[:40]!r}: {column} holds times like 2025-03-31T14:05:09+00:00"
            ) from None
    return raw


def _no_nul(params: Mapping[str, Sequence[str]]) -> None:
    for name, given in params.items():
        if "\x00" in name or any("\x00" in g for g in given):
            raise BadQuery(f"parameter {name[:40]!r} holds a NUL character, which no column holds")


def parameter_schema(listing: Listing, name: str) -> dict[str, Any]:
    """The JSON Schema of one value of the filter on column ``name``: what the server takes."""
    kind = listing.column_type(name)
    if name in listing.list_columns or kind in ("TEXT", "JSON"):
        return {"type": "string", "pattern": NO_NUL}
    typed = _typed_schema(kind)
    # An empty value is no filter (the web view's "any" choice sends one).
    return {"anyOf": [typed, {"type": "string", "maxLength": 0}]}


def _typed_schema(kind: str) -> dict[str, Any]:
    if kind == "INTEGER":
        return {"type": "integer", "minimum": INT_MIN, "maximum": INT_MAX}
    if kind == "REAL":
        return {"type": "number", "minimum": -REAL_BOUND, "maximum": REAL_BOUND}
    if kind == "BOOLEAN":
        return {"type": "string", "enum": sorted(_FLAGS)}
    if kind == "DATE":
        return {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    return {"type": "string", "format": "date-time"}


def sort_keys(listing: Listing) -> list[str]:
    """Every key ``sort`` takes: each column, and each column with '-' (descending)."""
    return [key for c in listing.columns for key in (c, f"-{c}")]


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _order_by(listing: Listing, raw: str | None) -> tuple[list[str], str]:
    keys = [k.strip() for k in raw.split(",")] if raw else list(listing.default_sort)
    parts = []
    columns = []
    for key in keys:
        column = key[1:] if key.startswith("-") else key
        if column not in listing.columns:
            raise BadQuery(
                f"sort={key!r}: {listing.path} cannot be sorted by {column!r}; "
                f"columns: {', '.join(listing.columns)} (prefix '-' for descending)"
            )
        columns.append(column)
        direction = "DESC" if key.startswith("-") else "ASC"
        # NULLs last either way, the same on SQLite and PostgreSQL.
        parts.append(f"({column} IS NULL), {column} {direction}")
    parts.extend(f"{k} ASC" for k in listing.spec.key if k not in columns)
    return keys, ", ".join(parts)


def _where(listing: Listing, params: Mapping[str, Sequence[str]]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    values: list[Any] = []
    for name, given in params.items():
        if name in PAGING:
            continue
        if name not in listing.columns:
            raise BadQuery(
                f"unknown parameter {name!r} for {listing.path}; filter by a column "
                f"({', '.join(listing.columns)}) or use {', '.join(PAGING)}"
            )
        options = [g for g in given if g != ""]
        if not options:
            continue
        ors = []
        for raw in options:
            if name in listing.list_columns:
                ors.append(f"LOWER('; ' || COALESCE({name}, '') || '; ') LIKE ? ESCAPE '\\'")
                values.append(_like(f"; {raw}; "))
            else:
                ors.append(f"{name} = ?")
                values.append(_typed(listing, name, raw))
        clauses.append("(" + " OR ".join(ors) + ")")
    search = [s for s in params.get("q", ()) if s.strip()]
    for text in search:
        clauses.append(
            "("
            + " OR ".join(
                f"LOWER(COALESCE(CAST({c} AS TEXT), '')) LIKE ? ESCAPE '\\'"
                for c in listing.search_columns
            )
            + ")"
        )
        values.extend(_like(text.strip()) for _ in listing.search_columns)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", values


def _decoded(
    listing: Listing, names: Sequence[str], row: Sequence[Any], keys: DataKeys
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in zip(names, row, strict=True):
        kind = listing.column_type(name)
        if kind == "JSON" and value is not None:
            if isinstance(value, str):  # SQLite's text; PostgreSQL's jsonb comes decoded
                with contextlib.suppress(ValueError):  # else kept as the text the projection wrote
                    value = json.loads(value)
            # Personal values are sealed in the log and the read tables: opened here, as they
            # are served ("[erased]" once their data key is destroyed).
            value = keys.opened(value)
        elif kind == "BOOLEAN" and value is not None:
            value = bool(value)  # 1/0 on SQLite, true/false on PostgreSQL: true/false here
        elif isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def _single(params: Mapping[str, Sequence[str]], name: str) -> str | None:
    given = params.get(name) or ()
    if len(given) > 1:
        raise BadQuery(f"{name} given {len(given)} times; give it once")
    return given[0] if given else None


def query_rows(
    store: Store, listing: Listing, params: Mapping[str, Sequence[str]] | None = None
) -> Page:
    """The rows of ``listing`` that ``params`` ask for (see the module docstring)."""
    params = params or {}
    _no_nul(params)
    raw_limit = _single(params, "limit")
    raw_offset = _single(params, "offset")
    limit = _int("limit", raw_limit, 1, MAX_LIMIT) if raw_limit is not None else DEFAULT_LIMIT
    offset = _int("offset", raw_offset, 0, INT_MAX) if raw_offset is not None else 0
    _, order = _order_by(listing, _single(params, "sort"))
    where, values = _where(listing, params)
    names = listing.columns
    table = listing.table
    with store.read() as tx:
        require_table(tx, table)
        total_row = tx.execute(f"SELECT COUNT(*) FROM {table}{where}", values).fetchone()
        rows = tx.execute(
            f"SELECT {', '.join(names)} FROM {table}{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*values, limit, offset],
        ).fetchall()
    keys = DataKeys(store)
    return Page(
        rows=[_decoded(listing, names, r, keys) for r in rows],
        total=int(total_row[0]) if total_row else 0,
        limit=limit,
        offset=offset,
    )


def all_rows(
    store: Store, table: str, where: str = "", values: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """Every row of a read table (``where`` is trusted SQL written in this package)."""
    listing = listing_for_table(table)
    _, order = _order_by(listing, None)
    with store.read() as tx:
        require_table(tx, table)
        rows = tx.execute(
            f"SELECT {', '.join(listing.columns)} FROM {table}{where} ORDER BY {order}", values
        ).fetchall()
    keys = DataKeys(store)
    return [_decoded(listing, listing.columns, r, keys) for r in rows]


def distinct_values(store: Store, listing: Listing, column: str) -> list[str]:
    """The values a column holds (items of a list column), sorted: the choices of a filter."""
    with store.read() as tx:
        require_table(tx, listing.table)
        rows = tx.execute(
            f"SELECT DISTINCT {column} FROM {listing.table} WHERE {column} IS NOT NULL"
        ).fetchall()
    values: set[str] = set()
    for (value,) in rows:
        if column in listing.list_columns:
            values.update(v.strip() for v in str(value).split(";") if v.strip())
        elif value != "":
            values.add(str(value))
    return sorted(values, key=str.lower)


def require_table(tx: Any, table: str) -> None:
    """Refuse clearly when the projections were never built (rather than with a database error),
    and refuse a table whose rows differ from the checksum recorded when it was built."""
    try:
        row = tx.execute(
            "SELECT COUNT(*) FROM lif_projection_tables WHERE name = ?", (table,)
        ).fetchone()
    except Exception as exc:  # the projections' own bookkeeping table is missing
        raise StoreError(
            f"the read tables have not been built in this store: run `lif project` (or `lif demo`) first ({exc})"
        ) from exc
    if not row or not row[0]:
        raise StoreError(
            f"the read table {table} has not been built: run `lif project` (or `lif demo`) first"
        )
    check_tables(tx, [table])  # a table edited outside `lif project` is not published
